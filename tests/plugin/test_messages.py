"""The bus messages of uniformerinfer as an application reads them from Python.

Runs `videotestsrc num-buffers=60 ! uniformerinfer ! fakesink` on the tiny
test model (UF_TEST_MODEL) and checks every "uniformer" element message: its
fields, their types and their values. Run with Debian's /usr/bin/python3
(python3-gi, python3-gst-1.0).
"""
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

N_BUFFERS = 60
FRAMES = 8
FPS = 30


def frame_pts(n):
    return n * Gst.SECOND // FPS


def run_pipeline(model):
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers={N_BUFFERS} pattern=ball ! "
        f"video/x-raw,format=I420,width=160,height=120,framerate={FPS}/1 ! "
        f"uniformerinfer name=infer model={model} top-k=3 inference-interval=2 ! "
        "fakesink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    messages, problems = [], []
    while True:
        msg = bus.timed_pop(Gst.CLOCK_TIME_NONE)
        if msg.type == Gst.MessageType.ELEMENT and msg.get_structure().has_name("uniformer"):
            messages.append(msg.get_structure().copy())
        elif msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
            problems.append(msg.parse_error()[0].message if msg.type == Gst.MessageType.ERROR
                            else msg.parse_warning()[0].message)
            if msg.type == Gst.MessageType.ERROR:
                break
        elif msg.type == Gst.MessageType.EOS:
            break
    infer = pipeline.get_by_name("infer")
    classified = infer.get_property("windows-classified")
    pipeline.set_state(Gst.State.NULL)
    # the validation layer's message count arrives as a warning on stop
    while (msg := bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
        problems.append(msg.type.value_nicks[0])
    return messages, classified, problems


def field(s, name, gtype):
    """The field's value, after checking the structure holds it as @gtype."""
    assert s.has_field(name), f"missing field {name}: {s.to_string()}"
    actual = s.get_field_type(name)
    assert actual == gtype, f"{name} is {GObject.type_name(actual)}, want {GObject.type_name(gtype)}"
    return s.get_value(name)


def main():
    Gst.init(None)
    messages, classified, problems = run_pipeline(os.environ["UF_TEST_MODEL"])
    assert not problems, problems

    # 30 fps sampled at 7.5 Hz: samples at frames 0, 4, ..., 56 (15); windows
    # end at the 8th sample and every 2nd after: frames 28, 36, 44, 52.
    assert classified == 4, classified
    assert len(messages) == 4, [m.to_string() for m in messages]
    array_type = Gst.ValueArray.__gtype__
    for k, s in enumerate(messages):
        start = field(s, "window-start", GObject.TYPE_UINT64)
        end = field(s, "window-end", GObject.TYPE_UINT64)
        assert start == frame_pts(8 * k), (k, start)
        assert end == frame_pts(28 + 8 * k), (k, end)
        assert field(s, "frames", GObject.TYPE_UINT) == FRAMES
        assert field(s, "inference-time", GObject.TYPE_UINT64) > 0
        assert field(s, "model", GObject.TYPE_STRING) == "model-writer test model"
        labels = list(field(s, "labels", array_type))
        ids = list(field(s, "class-ids", array_type))
        scores = list(field(s, "scores", array_type))
        assert len(labels) == len(ids) == len(scores) == 3, s.to_string()
        assert all(isinstance(x, str) for x in labels)
        assert all(isinstance(x, int) for x in ids)
        assert all(isinstance(x, float) and 0.0 <= x <= 1.0 for x in scores)
        assert labels == [f"class {i}" for i in ids]
        assert scores == sorted(scores, reverse=True)
        # the buffer that carried it (not live: the one that completed the window)
        timestamp = field(s, "timestamp", GObject.TYPE_UINT64)
        assert timestamp == end, (timestamp, end)
        assert field(s, "running-time", GObject.TYPE_UINT64) == timestamp
        assert field(s, "stream-time", GObject.TYPE_UINT64) == timestamp
        n = 28 + 8 * k
        duration = field(s, "duration", GObject.TYPE_UINT64)
        assert duration == frame_pts(n + 1) - frame_pts(n), (k, duration)
    print(f"ok: {len(messages)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
