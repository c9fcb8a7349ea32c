"""examples/file-to-jsonl.py (uniformerpublish) on a generated 3 s MP4: one
parseable JSON line per window, every window of the file, in order, with the
fields of docs/result-schema.md and the values the element reported; a
second run (to a file, --output) gives the same windows and classes; a
missing input fails with a message naming it."""
import json
import math
import os
import sys
import tempfile

from example_checks import MODEL, PYTHON, example, expected_windows, make_clip, run

SCRIPT = example("file-to-jsonl.py")
FRAMES = 90
RATE = 7.5                      # the tiny model: 30 fps source, sampling rate 4
SECOND = 1e9                    # times are integer nanoseconds
FIELDS = {"schema": int, "type": str, "source": str, "stream_id": str, "utc": str,
          "pts": int, "running_time": int, "stream_time": int,
          "window_start": int, "window_end": int, "frames": int, "labels": list,
          "class_ids": list, "scores": list, "inference_time": int, "model": str}


def check_record(r):
    assert set(r) == set(FIELDS), r
    for name, kind in FIELDS.items():
        assert isinstance(r[name], kind), r
    assert (r["schema"], r["type"], r["source"]) == (1, "result", "src"), r
    assert r["window_end"] <= r["pts"] == r["running_time"] == r["stream_time"], r
    assert r["frames"] == 8, r
    # 8 samples at 7.5 Hz: the first and last are 7 sample periods apart
    assert math.isclose((r["window_end"] - r["window_start"]) / SECOND, 7 / RATE,
                        abs_tol=1e-3), r
    assert len(r["labels"]) == len(r["class_ids"]) == len(r["scores"]) == 5, r
    assert r["labels"] == [f"class {i}" for i in r["class_ids"]], r
    assert sorted(r["class_ids"]) == list(range(5)), r
    assert r["scores"] == sorted(r["scores"], reverse=True), r
    assert all(0.0 <= s <= 1.0 for s in r["scores"]), r
    assert math.isclose(sum(r["scores"]), 1.0, abs_tol=1e-4), r
    assert r["inference_time"] > 0, r
    assert r["model"] == "model-writer test model", r


def check_records(records):
    assert len(records) == expected_windows(FRAMES), records
    for r in records:
        check_record(r)
    starts = [r["window_start"] / SECOND for r in records]
    assert starts[0] == 0.0, starts
    # the window slides by the inference interval: 4 samples
    for a, b in zip(starts, starts[1:]):
        assert math.isclose(b - a, 4 / RATE, abs_tol=1e-3), starts


def results(lines):
    """The result records of @lines; the others can only be action events."""
    records = [json.loads(line) for line in lines]
    assert all(r["type"] in ("result", "action") for r in records), records
    return [r for r in records if r["type"] == "result"]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip.mp4")
        make_clip(clip, FRAMES)
        out, err = run([PYTHON, SCRIPT, "--model", MODEL, clip])
        first = results(out.splitlines())
        check_records(first)
        assert f"{len(first)} windows classified" in err, err

        lines_file = os.path.join(tmp, "clip.jsonl")
        out, _ = run([PYTHON, SCRIPT, "--model", MODEL, "--output", lines_file, clip])
        assert out == "", out
        with open(lines_file, encoding="utf-8") as f:
            second = results(f)
        check_records(second)
        for a, b in zip(first, second):
            for name in ("window_start", "window_end", "frames", "labels", "class_ids"):
                assert a[name] == b[name], (name, a, b)
            assert all(math.isclose(x, y, abs_tol=1e-5) for x, y in zip(a["scores"], b["scores"]))

        _, err = run([PYTHON, SCRIPT, "--model", MODEL, os.path.join(tmp, "missing.mp4")],
                     expect_failure=True)
        assert "no such file" in err and "missing.mp4" in err, err
    print(f"ok: {len(first)} JSON lines, the same twice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
