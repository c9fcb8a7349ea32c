"""examples/actions.py: the script on a still test picture with both
thresholds at 0 (every class counts, so each of the tiny model's five
classes starts at the second window and ends at EOS, whatever the random
model says), with a threshold no class reaches, with thresholds the wrong
way round, and --annotate writing the overlaid video. The element's action
logic itself is tested in tests/plugin (test-actions, test-infer-actions)."""
import os
import re
import sys
import tempfile

from example_checks import MODEL, PYTHON, example, expected_windows, run

SCRIPT = example("actions.py")
FRAMES = 150
RATE = 7.5
EVENT = re.compile(r"^ *(\d+\.\d) s  (.+) (started|ended)( \((\S+)\))?$")


def test_still_picture():
    out, _ = run([PYTHON, SCRIPT, "--model", MODEL, "--threshold", "0", "--end-threshold", "0",
                  "--source", f"videotestsrc num-buffers={FRAMES}"])
    events = [EVENT.match(line) for line in out.splitlines()]
    assert len(events) == 10 and all(events), out
    started, ended = events[:5], events[5:]
    labels = [f"class {c}" for c in range(5)]
    # started: dated by the first frame of the first window (frame 0)
    assert [m.group(2) for m in started] == labels, out
    assert all(m.group(3) == "started" and float(m.group(1)) == 0.0 for m in started), out
    # ended at EOS, dated by the last frame of the last window
    last = expected_windows(FRAMES) - 1
    end = round((7 + 4 * last) / RATE, 1)
    assert [m.group(2) for m in ended] == labels, out
    assert all(m.group(3) == "ended" and m.group(5) == "eos" and float(m.group(1)) == end
               for m in ended), out
    print(f"ok: five actions from 0.0 s to {end} s, ended at EOS")


def test_unreached_threshold():
    out, _ = run([PYTHON, SCRIPT, "--model", MODEL, "--threshold", "0.99",
                  "--source", "videotestsrc num-buffers=60"])
    assert out == "", out
    _, err = run([PYTHON, SCRIPT, "--source", "nosuchelement"], expect_failure=True)
    assert "nosuchelement" in err, err
    _, err = run([PYTHON, SCRIPT, "--threshold", "0.3", "--end-threshold", "0.5",
                  "--source", "videotestsrc"], expect_failure=True)
    assert "--end-threshold" in err, err
    print("ok: no action below the threshold; a bad source and bad thresholds are named")


def test_annotate():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "annotated.mp4")
        run([PYTHON, SCRIPT, "--model", MODEL, "--threshold", "0.2", "--annotate", path,
             "--source", "videotestsrc num-buffers=60"])
        with open(path, "rb") as f:
            head = f.read(12)
        assert head[4:8] == b"ftyp", head  # an MP4 the muxer finished
        assert os.path.getsize(path) > 1000, os.path.getsize(path)
    print("ok: --annotate wrote an MP4")


if __name__ == "__main__":
    test_still_picture()
    test_unreached_threshold()
    test_annotate()
    sys.exit(0)
