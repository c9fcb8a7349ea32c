"""examples/actions.py: its hysteresis on made-up label sequences, then the
script itself on a still test picture (every window the same, so one action
runs from the first window to EOS), with a threshold no class reaches, and
--annotate writing the overlaid video."""
import importlib.util
import os
import re
import sys
import tempfile

from example_checks import MODEL, PYTHON, example, expected_windows, run

SCRIPT = example("actions.py")
FRAMES = 150
RATE = 7.5
EVENT = re.compile(r"^ *(\d+\.\d) s  (.+) (started|ended)$")


def load_tracker():
    spec = importlib.util.spec_from_file_location("actions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ActionTracker


def feed(tracker_class, labels, windows=2):
    """Events for labels given one per window, the window ending at its index."""
    tracker = tracker_class(windows)
    events = []
    for t, label in enumerate(labels):
        events += tracker.update(label, float(t))
    return events + tracker.finish()


def test_hysteresis():
    T = load_tracker()
    # one window is not enough to start, two are; EOS ends it
    assert feed(T, ["a", None, "a", "a", "a"]) == [(2.0, "a", "started"), (4.0, "a", "ended")]
    # a single odd window neither ends the action nor starts another
    assert feed(T, ["a", "a", "b", "a", None, "a"]) == [
        (0.0, "a", "started"), (5.0, "a", "ended")]
    # a change takes as many windows to end the old action as to start the new
    assert feed(T, ["a", "a", "b", "b", "b"]) == [
        (0.0, "a", "started"), (1.0, "a", "ended"), (2.0, "b", "started"), (4.0, "b", "ended")]
    # nothing above the threshold for long enough ends it, with nothing new
    assert feed(T, ["a", "a", None, None, None]) == [(0.0, "a", "started"), (1.0, "a", "ended")]
    assert feed(T, ["a", "b", "a", "b"]) == []
    assert feed(T, ["a"], windows=1) == [(0.0, "a", "started"), (0.0, "a", "ended")]
    print("ok: hysteresis")


def test_still_picture():
    # A still picture gives the same classification in every window; with 5
    # classes the best is always above 1/5.
    out, _ = run([PYTHON, SCRIPT, "--model", MODEL, "--threshold", "0.2",
                  "--source", f"videotestsrc num-buffers={FRAMES}"])
    events = [EVENT.match(line) for line in out.splitlines()]
    assert len(events) == 2 and all(events), out
    (t0, label0, what0), (t1, label1, what1) = (m.groups() for m in events)
    assert (what0, what1) == ("started", "ended") and label0 == label1, out
    assert re.fullmatch(r"class \d", label0), out
    # started at the end of the first window (its 8th sample), ended at the
    # end of the last one, at EOS
    last = expected_windows(FRAMES) - 1
    assert float(t0) == round(7 / RATE, 1), out
    assert float(t1) == round((7 + 4 * last) / RATE, 1), out
    print(f"ok: {label0} from {t0} s to {t1} s")


def test_unreached_threshold():
    out, _ = run([PYTHON, SCRIPT, "--model", MODEL, "--threshold", "0.99",
                  "--source", "videotestsrc num-buffers=60"])
    assert out == "", out
    _, err = run([PYTHON, SCRIPT, "--source", "nosuchelement"], expect_failure=True)
    assert "nosuchelement" in err, err
    print("ok: no action below the threshold; a bad source is named")


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
    test_hysteresis()
    test_still_picture()
    test_unreached_threshold()
    test_annotate()
    sys.exit(0)
