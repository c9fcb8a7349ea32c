"""examples/meta-reader (built by meson) on a generated MP4 and on a test
source: one line per GstUniformerMeta, every window of the file, each window
ending at or before the buffer that carried it; a summary line; errors for a
missing file and for wrong arguments."""
import os
import re
import sys
import tempfile

from example_checks import MODEL, example, expected_windows, make_clip, run

PROGRAM = example("meta-reader")
FRAMES = 90
TIME = r"(\d+):(\d\d):(\d\d\.\d{9})"
LINE = re.compile(rf"^{TIME}  window {TIME} - {TIME}  8 frames  (\d+\.\d) ms  "
                  r"\[model-writer test model\]  (.*)$")
RESULT = re.compile(r"^class (\d) (\d\.\d{3})$")


def seconds(h, m, s):
    return int(h) * 3600 + int(m) * 60 + float(s)


def parse(out):
    """The windows (start, end, carrier PTS) of meta-reader's lines."""
    lines = out.splitlines()
    assert lines and lines[-1] == f"{len(lines) - 1} results", out
    windows = []
    for line in lines[:-1]:
        m = LINE.match(line)
        assert m, f"unexpected line: {line!r}"
        g = m.groups()
        pts, start, end = seconds(*g[0:3]), seconds(*g[3:6]), seconds(*g[6:9])
        assert start < end <= pts, line
        assert float(g[9]) > 0, line
        results = [RESULT.match(r) for r in g[10].split(", ")]
        assert len(results) == 5 and all(results), line
        scores = [float(r.group(2)) for r in results]
        assert scores == sorted(scores, reverse=True), line
        windows.append((start, end, pts))
    return windows


def main():
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip.mp4")
        make_clip(clip, FRAMES)
        out, _ = run([PROGRAM, "--model", MODEL, clip])
        windows = parse(out)
        assert len(windows) == expected_windows(FRAMES), out
        assert [w[0] for w in windows] == sorted(w[0] for w in windows), out

        out, _ = run([PROGRAM, "--model", MODEL, "--source", "videotestsrc num-buffers=40"])
        assert len(parse(out)) == expected_windows(40), out

        _, err = run([PROGRAM, "--model", MODEL, os.path.join(tmp, "missing.mp4")],
                     expect_failure=True)
        assert "no such file" in err and "missing.mp4" in err, err
        _, err = run([PROGRAM, "--model", MODEL], expect_failure=True)
        assert "give either one FILE-OR-URI or --source" in err, err
    print(f"ok: {len(windows)} metas read from the file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
