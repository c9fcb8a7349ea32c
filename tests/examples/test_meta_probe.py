"""examples/meta_probe.py, which reads GstUniformerMeta through the
GstUniformer typelib, on a generated clip of one motion (moving left) with
the shipped model: one result per window of the file, every field sane,
class names matching the model's label list, the motion recognised; the
plain-text output; the values read through GI equal to those of the
element's bus messages for the same windows (in this process); a missing
input named.

meson sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the built typelib and
meta library, besides what example_checks reads.
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstUniformer", "1.0")
from gi.repository import Gst, GstUniformer  # noqa: E402

from example_checks import (EXAMPLES, PYTHON, RUN_LIMIT_S, example,  # noqa: E402
                            expected_windows, run)

SCRIPT = example("meta_probe.py")
ROOT = os.path.join(EXAMPLES, "..")
SHIPPED_MODEL = os.path.join(ROOT, "models", "uniformer-motion.safetensors")
with open(os.path.join(ROOT, "models", "uniformer-motion-labels.txt"), encoding="utf-8") as f:
    LABELS = f.read().splitlines()
MOTION = "moving left"
SECONDS = 3
FRAMES = 30 * SECONDS
SAMPLE_PERIOD_NS = 4 * Gst.SECOND / 30     # the shipped model: every 4th frame at 30 fps


def make_motion_clip(tmp):
    """A 3 s H.264 clip of one object moving left (tools/uniformer-motion-clips,
    a held-out seed)."""
    subprocess.run([PYTHON, os.path.join(ROOT, "tools", "uniformer-motion-clips"), "clips",
                    "--seed", "4242", "--classes", MOTION, "--count", "1",
                    "--duration", str(SECONDS), "--out", tmp],
                   check=True, capture_output=True, timeout=RUN_LIMIT_S)
    with open(os.path.join(tmp, "labels.tsv"), encoding="utf-8") as f:
        name, index, label = f.readline().rstrip("\n").split("\t")
    assert label == MOTION and LABELS[int(index)] == MOTION
    return os.path.join(tmp, name)


def check_record(r, top_k=5):
    assert r["frames"] == 8, r
    # 8 samples, 7 sample periods from the first to the last
    assert abs(r["window_end"] - r["window_start"] - 7 * SAMPLE_PERIOD_NS) < Gst.MSECOND, r
    assert r["window_end"] <= r["pts"], r
    assert len(r["labels"]) == len(r["class_ids"]) == len(r["scores"]) == top_k, r
    assert r["labels"] == [LABELS[i] for i in r["class_ids"]], r
    assert len(set(r["class_ids"])) == top_k, r
    assert r["scores"] == sorted(r["scores"], reverse=True), r
    assert all(0.0 <= s <= 1.0 for s in r["scores"]) and sum(r["scores"]) <= 1.0 + 1e-6, r
    assert r["inference_time"] > 0, r
    assert r["model"] == "uniformer-motion", r


def test_json(clip):
    out, _ = run([PYTHON, SCRIPT, "--model", SHIPPED_MODEL, "--json", clip])
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == expected_windows(FRAMES), out
    for r in records:
        check_record(r)
    starts = [r["window_start"] for r in records]
    for a, b in zip(starts, starts[1:]):   # the window slides 4 samples
        assert abs(b - a - 4 * SAMPLE_PERIOD_NS) < Gst.MSECOND, starts
    top = [r["labels"][0] for r in records]
    assert top.count(MOTION) >= len(top) - 1, top
    assert all(r["scores"][0] > 0.5 for r in records if r["labels"][0] == MOTION), records
    print(f"ok: {len(records)} results through GI, top-1 {top}")
    return records


def test_text(clip):
    out, _ = run([PYTHON, SCRIPT, "--model", SHIPPED_MODEL, "--top-k", "2", clip])
    line = re.compile(r"^\d+\.\d{3}-\d+\.\d{3} s  8 frames  ([a-z -]+) (0\.\d{3}), "
                      r"([a-z -]+) (0\.\d{3})$")
    matches = [line.match(text) for text in out.splitlines()]
    assert len(matches) == expected_windows(FRAMES) and all(matches), out
    assert all(m.group(1) in LABELS and m.group(3) in LABELS for m in matches), out
    print("ok: text output")


def results_both_ways(clip):
    """The same pipeline in this process: each window's meta, read through GI
    in a pad probe, and its "uniformer" bus message."""
    pipeline = Gst.parse_launch(
        f'uridecodebin uri="{Gst.filename_to_uri(clip)}" ! videoconvert ! '
        f"uniformerinfer model={SHIPPED_MODEL} late-windows=wait ! fakesink name=sink sync=false")
    metas = []

    def on_buffer(pad, info):
        meta = GstUniformer.buffer_get_uniformer_meta(info.get_buffer())
        if meta:
            metas.append((meta.get_window_start(), meta.get_window_end(), meta.get_frames(),
                          list(meta.get_labels()), list(meta.get_class_ids()),
                          list(meta.get_scores()), meta.get_model_name(),
                          meta.get_n_results()))
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, on_buffer)
    bus = pipeline.get_bus()
    messages = []
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(RUN_LIMIT_S * Gst.SECOND,
                                     Gst.MessageType.ELEMENT | Gst.MessageType.ERROR
                                     | Gst.MessageType.EOS)
        assert msg and msg.type != Gst.MessageType.ERROR, msg and msg.parse_error()
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s.has_name("uniformer"):
            messages.append((s.get_value("window-start"), s.get_value("window-end"),
                             s.get_value("frames"), list(s.get_value("labels")),
                             list(s.get_value("class-ids")), list(s.get_value("scores")),
                             s.get_value("model"), len(s.get_value("labels"))))
    pipeline.set_state(Gst.State.NULL)
    return metas, messages


def test_matches_bus(clip, printed):
    metas, messages = results_both_ways(clip)
    assert len(metas) == len(messages) == len(printed), (metas, messages)
    for meta, message, r in zip(metas, messages, printed):
        assert meta[:5] == message[:5] and meta[6:] == message[6:], (meta, message)
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(meta[5], message[5]))
        assert (meta[0], meta[1], meta[3]) == (r["window_start"], r["window_end"], r["labels"])
    print("ok: GI reads what the bus messages say")


def test_missing_input(tmp):
    _, err = run([PYTHON, SCRIPT, os.path.join(tmp, "missing.mp4")], expect_failure=True)
    assert "no such file" in err and "missing.mp4" in err, err
    print("ok: a missing input is named")


def main():
    Gst.init(None)
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_motion_clip(tmp)
        printed = test_json(clip)
        test_text(clip)
        test_matches_bus(clip, printed)
        test_missing_input(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
