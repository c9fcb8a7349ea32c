#!/usr/bin/python3
"""uniformerinfer's action events on the shipped motion model, through a real
pipeline (filesrc ! qtdemux ! avdec_h264 ! uniformerinfer ! fakesink), on a
generated clip of known motion: three 3 s segments (moving left, rotating
clockwise, growing; tools/motionclips, seed 10).

- To EOS: one action per segment, in order, each overlapping its segment;
  every "uniformer-action" message also reached the sink as a custom
  downstream event with the identical structure; the fields have their
  types; start and end are window edges (the first frame of the first
  window counted, the last frame of the last window above the end
  threshold), checked against the "uniformer" messages of the windows,
  as are windows, peak-score and mean-score; the first two actions end
  because the score dropped, the last one at EOS.
- A flushing seek while an action is open ends it with reason "seek"
  (played in real time, so that the action is still open when the seek
  comes); the seek's stop position, inside the first segment, then ends the
  next one with reason "eos".
- A clip shorter than a window gives no action and the short-stream warning.
"""
import os
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
from motionclips.classes import parse_classes  # noqa: E402
from motionclips.clips import clip_scene, frame_chunks, sequence_scenes  # noqa: E402
from motionclips.video import write_mp4  # noqa: E402

MODEL = os.path.join(ROOT, "models", "uniformer-motion.safetensors")
SEED, SEGMENT = 10, 3.0
MOTIONS = "moving left,rotating clockwise,growing"
START, END, MIN_WINDOWS = 0.6, 0.4, 2  # the element's defaults
WIDTH, HEIGHT = 320, 240

FIELDS = {
    "label": GObject.TYPE_STRING, "class-id": GObject.TYPE_INT, "state": GObject.TYPE_STRING,
    "start-pts": GObject.TYPE_UINT64, "start-running-time": GObject.TYPE_UINT64,
    "end-pts": GObject.TYPE_UINT64, "end-running-time": GObject.TYPE_UINT64,
    "peak-score": GObject.TYPE_DOUBLE, "mean-score": GObject.TYPE_DOUBLE,
    "windows": GObject.TYPE_UINT, "model": GObject.TYPE_STRING,
}


class Run:
    """One pipeline run: the windows ("uniformer" messages), the actions
    ("uniformer-action" messages), the custom events the sink got, warnings."""

    def __init__(self, path, sync=False):
        self.pipeline = Gst.parse_launch(
            f'filesrc location="{path}" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! '
            f'uniformerinfer name=infer model="{MODEL}" top-k=9 inference-interval=2 ! '
            f"fakesink name=sink sync={'true' if sync else 'false'}")
        self.infer = self.pipeline.get_by_name("infer")
        self.windows, self.actions, self.events, self.warnings = [], [], [], []
        pad = self.pipeline.get_by_name("sink").get_static_pad("sink")
        pad.add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_event)
        self.bus = self.pipeline.get_bus()

    def _on_event(self, pad, info):
        event = info.get_event()
        if event.type == Gst.EventType.CUSTOM_DOWNSTREAM:
            self.events.append(event.get_structure().copy())
        return Gst.PadProbeReturn.OK

    def start(self):
        assert self.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE

    def next_message(self):
        """Records and returns the next element message; None at EOS."""
        while True:
            msg = self.bus.timed_pop(60 * Gst.SECOND)
            assert msg is not None, "no message for 60 s"
            if msg.type == Gst.MessageType.EOS:
                return None
            if msg.type == Gst.MessageType.ERROR:
                raise AssertionError(msg.parse_error()[0].message)
            if msg.type == Gst.MessageType.WARNING:
                self.warnings.append(msg)
            elif msg.type == Gst.MessageType.ELEMENT:
                s = msg.get_structure().copy()
                if s.get_name() == "uniformer":
                    self.windows.append(s)
                elif s.get_name() == "uniformer-action":
                    self.actions.append(s)
                    return s

    def to_eos(self):
        while self.next_message() is not None:
            pass

    def stop(self):
        """Stops the pipeline; the warnings posted on the way (the Vulkan
        validation layer's count comes when the element stops) are kept."""
        labels = list(self.infer.get_property("labels"))
        name = self.infer.get_property("model-name")
        self.pipeline.set_state(Gst.State.READY)  # NULL would empty the bus
        while (msg := self.bus.pop_filtered(Gst.MessageType.WARNING | Gst.MessageType.ERROR)):
            assert msg.type == Gst.MessageType.WARNING, msg.parse_error()[0].message
            self.warnings.append(msg)
        self.pipeline.set_state(Gst.State.NULL)
        return labels, name


def field(s, name):
    assert s.has_field(name), f"no {name}: {s.to_string()}"
    assert s.get_field_type(name) == FIELDS[name], (name, s.to_string())
    return s.get_value(name)


def score(window, label):
    """The class's (smoothed) probability in one window; top-k=9 lists all."""
    return dict(zip(window.get_value("labels"), window.get_value("scores")))[label]


def window_index(windows, key, value):
    matches = [i for i, w in enumerate(windows) if w.get_value(key) == value]
    assert len(matches) == 1, (key, value)
    return matches[0]


def check_fields(action, labels, model):
    for name in FIELDS:
        field(action, name)
    assert action.get_value("label") == labels[action.get_value("class-id")]
    assert action.get_value("model") == model == "uniformer-motion"
    assert action.get_value("windows") >= MIN_WINDOWS
    assert START <= action.get_value("peak-score") <= 1.0
    assert action.get_value("mean-score") <= action.get_value("peak-score")
    assert action.get_value("state") in ("started", "ended")
    assert action.has_field("reason") == (action.get_value("state") == "ended")


def check_against_windows(action, windows, offset):
    """Start and end are window edges; windows, peak and mean are those of
    the windows covered; the running times are the PTS less the segment's
    offset (the same in every message)."""
    label = action.get_value("label")
    first = window_index(windows, "window-start", action.get_value("start-pts"))
    last = window_index(windows, "window-end", action.get_value("end-pts"))
    covered = [score(w, label) for w in windows[first:last + 1]]
    assert len(covered) == action.get_value("windows"), action.to_string()
    assert all(s >= START for s in covered[:MIN_WINDOWS]), covered
    assert all(s >= END for s in covered), covered
    if first > 0:  # else the run of windows above START would have begun earlier
        assert score(windows[first - 1], label) < START
    assert abs(max(covered) - action.get_value("peak-score")) < 1e-9
    assert abs(sum(covered) / len(covered) - action.get_value("mean-score")) < 1e-9
    for edge in ("start", "end"):
        pts, rt = action.get_value(f"{edge}-pts"), action.get_value(f"{edge}-running-time")
        assert pts - rt == offset, (edge, pts, rt, offset)
    if action.get_value("state") == "ended" and action.get_value("reason") == "score-dropped":
        assert score(windows[last + 1], label) < END
    return first, last


def test_to_eos(path, truth):
    run = Run(path)
    run.start()
    run.to_eos()
    labels, model = run.stop()
    assert not run.warnings, [m.parse_warning()[0].message for m in run.warnings]
    assert len(run.actions) == len(run.events) == 2 * len(truth), \
        [a.to_string() for a in run.actions]
    for message, event in zip(run.actions, run.events):
        assert message.is_equal(event), (message.to_string(), event.to_string())
    w0 = run.windows[0]
    offset = w0.get_value("timestamp") - w0.get_value("running-time")
    for k, (name, seg_start, seg_end) in enumerate(truth):
        started, ended = run.actions[2 * k], run.actions[2 * k + 1]
        for a in (started, ended):
            check_fields(a, labels, model)
            assert a.get_value("label") == name, a.to_string()
        assert started.get_value("state") == "started" and ended.get_value("state") == "ended"
        assert started.get_value("start-pts") == ended.get_value("start-pts")
        assert started.get_value("windows") == MIN_WINDOWS
        check_against_windows(started, run.windows, offset)
        first, last = check_against_windows(ended, run.windows, offset)
        # the action lies over its segment, give or take a window's span
        begin = ended.get_value("start-running-time") / Gst.SECOND
        end = ended.get_value("end-running-time") / Gst.SECOND
        assert seg_start - 1.2 <= begin <= seg_start + 1.0, (name, begin, seg_start)
        assert seg_end - 0.5 <= end <= seg_end + 1.2, (name, end, seg_end)
        reason = "eos" if k == len(truth) - 1 else "score-dropped"
        assert ended.get_value("reason") == reason, ended.to_string()
        print(f"ok: {name} {begin:.2f} - {end:.2f} s ({seg_start:g} - {seg_end:g}), "
              f"{ended.get_value('windows')} windows, peak "
              f"{ended.get_value('peak-score'):.3f}, {reason}")
    assert last == len(run.windows) - 1  # the last action ends with the last window


def test_seek(path, truth):
    run = Run(path, sync=True)
    run.start()
    first = run.next_message()
    assert first.get_value("state") == "started", first.to_string()
    # back to the start, and stop inside the first segment: EOS comes there
    assert run.pipeline.seek(1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH, Gst.SeekType.SET, 0,
                             Gst.SeekType.SET, int(2.5 * Gst.SECOND))
    ended = run.next_message()
    assert ended.get_value("state") == "ended", ended.to_string()
    assert ended.get_value("reason") == "seek", ended.to_string()
    assert ended.get_value("label") == first.get_value("label") == truth[0][0]
    again = run.next_message()
    assert again.get_value("state") == "started", again.to_string()
    last = run.next_message()
    assert run.next_message() is None  # EOS
    assert last.get_value("state") == "ended" and last.get_value("reason") == "eos", \
        last.to_string()
    assert last.get_value("label") == again.get_value("label")
    run.stop()
    assert [e.to_string() for e in run.events] == [a.to_string() for a in run.actions]
    assert not run.warnings
    print("ok: a flushing seek ends the open action (seek), EOS the next (eos)")


def test_short_clip(tmp):
    path = os.path.join(tmp, "short.mp4")
    scene, rng = clip_scene(SEED, 0, parse_classes("moving left"), 0.5)
    write_mp4(path, frame_chunks([(scene, 0.5)], WIDTH, HEIGHT, rng), WIDTH, HEIGHT)
    run = Run(path)
    run.start()
    run.to_eos()
    run.stop()
    assert not run.actions and not run.windows and not run.events
    assert len(run.warnings) == 1, len(run.warnings)
    err, _ = run.warnings[0].parse_warning()
    details = run.warnings[0].parse_warning_details()
    assert err.matches(Gst.StreamError.quark(), Gst.StreamError.FAILED), err.message
    assert details.get_value("kind") == "short-stream", details.to_string()
    assert details.get_value("frames") == 4 and details.get_value("window") == 8, \
        details.to_string()
    print(f"ok: a 0.5 s clip: {err.message}")


def main():
    Gst.init(None)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sequence.mp4")
        scenes, truth, rng = sequence_scenes(SEED, parse_classes(MOTIONS), SEGMENT)
        write_mp4(path, frame_chunks(scenes, WIDTH, HEIGHT, rng), WIDTH, HEIGHT)
        test_to_eos(path, truth)
        test_seek(path, truth)
        test_short_clip(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
