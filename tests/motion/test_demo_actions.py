#!/usr/bin/python3
"""uniformerinfer's action events on the README's demo video, with the
shipped model at the element's default action properties.

The video is the one scripts/demo.sh renders (`uniformer-motion-clips
sequence --seed 10 --segment 2.5 --size 640x480`: nine 2.5 s segments, one
per class), made by meson from the same command line before the test runs
(it takes a minute to render: the test gets the video and the generator's
own ground truth, the .tsv written next to it, as its two arguments).

Through filesrc ! qtdemux ! h264parse ! avdec_h264 ! videoconvert !
uniformerinfer ! fakesink, to EOS: each segment yields exactly one started
and one ended event of its class, in segment order, and nothing else; the
action's start and end lie within one window of the segment's edges (a
window spans num-frames frames at the sampling rate: both read from the
element and the model file, not assumed); the started and ended events of
one action agree; the first eight end because the score dropped, the last
at EOS; every message also reached the sink as the identical custom event.

Only top-k is set (to the class count, so that the messages carry every
class's score for the report); the element decides actions on all classes'
scores whatever top-k is. When a segment has no action or more than one, the
failure shows each window's best class and score.
"""
import csv
import json
import os
import struct
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MODEL = os.path.join(ROOT, "models", "uniformer-motion.safetensors")
ACTION_PROPS = ("action-start-threshold", "action-end-threshold", "action-min-windows")


def model_metadata(path):
    """The __metadata__ of a safetensors file (strings)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__", {})


def read_truth(path):
    """The generator's ground truth: [(class, start s, end s)]."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [(r["class"], float(r["start_s"]), float(r["end_s"])) for r in rows]


def run(video):
    pipeline = Gst.parse_launch(
        f'filesrc location="{video}" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! '
        f'uniformerinfer name=infer model="{MODEL}" ! fakesink name=sink sync=false')
    infer = pipeline.get_by_name("infer")
    for name in ACTION_PROPS + ("inference-interval", "smoothing", "sampling", "sample-rate",
                                "frame-interval", "actions"):
        spec = infer.find_property(name)
        assert infer.get_property(name) == spec.default_value, name
    events, first_pts = [], []

    def on_pad(pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            if not first_pts:
                first_pts.append(info.get_buffer().pts)
        else:
            event = info.get_event()
            if event.type == Gst.EventType.CUSTOM_DOWNSTREAM:
                events.append(event.get_structure().copy())
        return Gst.PadProbeReturn.OK

    pad = pipeline.get_by_name("sink").get_static_pad("sink")
    pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, on_pad)
    assert pipeline.set_state(Gst.State.PAUSED) != Gst.StateChangeReturn.FAILURE
    assert pipeline.get_state(60 * Gst.SECOND)[0] == Gst.StateChangeReturn.SUCCESS
    infer.set_property("top-k", infer.get_property("num-classes"))
    props = {name: infer.get_property(name) for name in
             ACTION_PROPS + ("num-frames", "sample-rate", "labels", "model-name")}
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    windows, actions, warnings = [], [], []
    while True:
        msg = bus.timed_pop(60 * Gst.SECOND)
        assert msg is not None, "no message for 60 s"
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            raise AssertionError(msg.parse_error()[0].message)
        if msg.type == Gst.MessageType.WARNING:
            warnings.append(msg.parse_warning()[0].message)
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure().copy()
            if s.get_name() == "uniformer":
                windows.append(s)
            elif s.get_name() == "uniformer-action":
                actions.append(s)
    pipeline.set_state(Gst.State.READY)  # NULL would empty the bus
    while (msg := bus.pop_filtered(Gst.MessageType.WARNING | Gst.MessageType.ERROR)):
        assert msg.type == Gst.MessageType.WARNING, msg.parse_error()[0].message
        warnings.append(msg.parse_warning()[0].message)
    pipeline.set_state(Gst.State.NULL)
    return props, first_pts[0], windows, actions, events, warnings


def window_span(props, meta):
    """Seconds one window spans: num-frames frames at the sampling rate (the
    sample-rate property, else the model's source_fps / sampling_rate)."""
    assert meta.get("sampling", "stride") == "stride", meta.get("sampling")
    rate = props["sample-rate"] or float(meta["source_fps"]) / float(meta["sampling_rate"])
    return props["num-frames"] / rate


def describe_windows(windows, origin):
    lines = []
    for w in windows:
        labels, scores = list(w.get_value("labels")), list(w.get_value("scores"))
        lines.append(f"  {(w.get_value('window-start') - origin) / Gst.SECOND:6.3f} - "
                     f"{(w.get_value('window-end') - origin) / Gst.SECOND:6.3f} s  "
                     + ", ".join(f"{label} {score:.3f}" for label, score
                                 in zip(labels[:3], scores[:3])))
    return "\n".join(lines)


def main():
    video, tsv = sys.argv[1], sys.argv[2]
    Gst.init(None)
    truth = read_truth(tsv)
    meta = model_metadata(MODEL)
    props, origin, windows, actions, events, warnings = run(video)
    span = window_span(props, meta)
    labels = list(props["labels"])
    print(f"demo: {len(truth)} segments, window {props['num-frames']} frames = {span:.3f} s, "
          f"start {props['action-start-threshold']:g}, end {props['action-end-threshold']:g}, "
          f"min windows {props['action-min-windows']}, first frame at "
          f"{origin / Gst.SECOND:.3f} s, {len(windows)} windows")
    assert not warnings, warnings
    assert len(truth) == 9 and {t[0] for t in truth} == set(labels), truth
    assert len(actions) == len(events), (len(actions), len(events))
    for message, event in zip(actions, events):
        assert message.is_equal(event), (message.to_string(), event.to_string())

    # times on the generator's clock: its frame 0 is the first decoded frame
    # (the MP4's first PTS is not 0: the H.264 reorder delay)
    def t(s, name):
        return (s.get_value(name) - origin) / Gst.SECOND

    report = "\n".join(f"  {a.get_value('label')} {a.get_value('state')} "
                       f"{t(a, 'start-pts'):.3f} - {t(a, 'end-pts'):.3f} s"
                       for a in actions)
    context = f"actions:\n{report}\nwindows (best three):\n{describe_windows(windows, origin)}"
    problems = []
    for k, (name, seg_start, seg_end) in enumerate(truth):
        mine = [a for a in actions if a.get_value("label") == name]
        states = [a.get_value("state") for a in mine]
        if states != ["started", "ended"]:
            problems.append(f"{name} ({seg_start:g} - {seg_end:g} s): events {states}")
            continue
        started, ended = mine
        assert labels[ended.get_value("class-id")] == name
        for field in ("class-id", "start-pts", "start-running-time", "model"):
            assert started.get_value(field) == ended.get_value(field), field
        assert started.get_value("windows") == props["action-min-windows"]
        begin, end = t(ended, "start-pts"), t(ended, "end-pts")
        reason = "eos" if k == len(truth) - 1 else "score-dropped"
        print(f"{name:27s} segment {seg_start:5.2f} - {seg_end:5.2f} s, action {begin:6.3f} - "
              f"{end:6.3f} s (edges off by {begin - seg_start:+.3f} / {end - seg_end:+.3f} s), "
              f"{ended.get_value('windows')} windows, peak {ended.get_value('peak-score'):.3f}, "
              f"{ended.get_value('reason')}")
        if abs(begin - seg_start) > span or abs(end - seg_end) > span:
            problems.append(f"{name}: action {begin:.3f} - {end:.3f} s, segment "
                            f"{seg_start:g} - {seg_end:g} s: an edge more than {span:.3f} s off")
        if ended.get_value("reason") != reason:
            problems.append(f"{name}: ended with {ended.get_value('reason')}, not {reason}")
    # the actions in segment order, and nothing besides the nine pairs
    order = [(a.get_value("label"), a.get_value("state")) for a in actions]
    expected = [(name, state) for name, _, _ in truth for state in ("started", "ended")]
    if sorted(order) != sorted(expected):
        problems.append(f"{len(actions)} events, not one started/ended pair per segment")
    starts = [a.get_value("label") for a in actions if a.get_value("state") == "started"]
    if starts != [name for name, _, _ in truth]:
        problems.append(f"actions start in the order {starts}")
    assert not problems, "\n".join(problems) + "\n" + context
    print(f"ok: {len(truth)} segments, one action each within {span:.3f} s of its edges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
