#!/usr/bin/python3
"""actions.py: prints actions as they start and end, from uniformerinfer's bus messages.

    SOURCE ! videoconvert ! uniformerinfer top-k=3 ! fakesink   (top-1 >= --threshold counts)
    (with --annotate OUT.mp4: ... ! uniformeroverlay ! x264enc ! mp4mux ! filesink)

    0.9 s  moving left started
    4.7 s  moving left ended
    5.2 s  rotating clockwise started

An action starts when it is the top class, above the threshold, in --windows
consecutive classifications, and ends when it has not been for as many; a
single odd window neither starts nor ends anything. Times are those of the
windows' last frames (PTS, in seconds): "started" at the end of the first
window of the run, "ended" at the end of the last window that still showed
it. At the end of the stream the current action ends.

Run from the build tree with Debian's Python (python3-gi, python3-gst-1.0):

    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py            # the webcam
    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py clip.mp4   # a file or URI
    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py --source "v4l2src device=/dev/video1"

installed: $prefix/libexec/gst-uniformer/examples/actions.py. Options:
--model FILE, --threshold P (default 0.5), --windows N (default 2),
--smoothing N (the element's score smoothing), --annotate OUT.mp4 (also
write the video with the labels drawn on it, H.264 in MP4). Ctrl-C ends the stream
cleanly, so the current action's end is printed.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


class ActionTracker:
    """Turns a sequence of top-1 labels (None: nothing above the threshold)
    into start and end events, with hysteresis of `windows` classifications."""

    def __init__(self, windows):
        self.windows = windows
        self.active = None          # the action now going on
        self.last_end = None        # end of the last window that showed it
        self.misses = 0             # windows in a row without it
        self.candidate = None       # another label on the rise
        self.count = 0              # windows in a row it was top
        self.candidate_end = None   # end of its first window

    def update(self, label, window_end):
        """Returns the (time, label, "started"/"ended") events of one window."""
        if label is not None and label == self.active:
            self.misses, self.last_end = 0, window_end
            self.candidate, self.count = None, 0
            return []
        events = []
        if self.active is not None:
            self.misses += 1
            if self.misses >= self.windows:
                events += self.finish()
        if label is None:
            self.candidate, self.count = None, 0
        elif label == self.candidate:
            self.count += 1
        else:
            self.candidate, self.count, self.candidate_end = label, 1, window_end
        if self.active is None and self.count >= self.windows:
            events.append((self.candidate_end, self.candidate, "started"))
            self.active, self.last_end, self.misses = self.candidate, window_end, 0
            self.candidate, self.count = None, 0
        return events

    def finish(self):
        """Ends the current action, if any (at the end of the stream)."""
        if self.active is None:
            return []
        events = [(self.last_end, self.active, "ended")]
        self.active, self.misses = None, 0
        return events


def print_events(events):
    for time, label, what in events:
        print(f"{time:6.1f} s  {label} {what}", flush=True)


def source_description(args):
    if args.source:
        return args.source
    if args.input is None:
        return "v4l2src"
    if Gst.uri_is_valid(args.input):
        uri = args.input
    elif os.path.isfile(args.input):
        uri = Gst.filename_to_uri(os.path.abspath(args.input))
    else:
        sys.exit(f"actions.py: no such file: {args.input}")
    return f'uridecodebin uri="{uri}"'


def print_problem(msg):
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print(f"actions.py: error from {msg.src.get_name()}: {err.message}\n{debug or ''}",
              file=sys.stderr)
    else:
        err, _ = msg.parse_warning()
        print(f"actions.py: warning from {msg.src.get_name()}: {err.message}",
              file=sys.stderr)


def run(pipeline, tracker, threshold):
    """Feeds the tracker with the top-1 label when its score reaches @threshold,
    until EOS; False on an error."""
    bus = pipeline.get_bus()
    wanted = (Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING
              | Gst.MessageType.EOS)
    ok = pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    while ok:
        try:
            # a bounded wait, so that Ctrl-C is seen between messages
            msg = bus.timed_pop_filtered(100 * Gst.MSECOND, wanted)
        except KeyboardInterrupt:
            print("actions.py: interrupted, finishing the stream", file=sys.stderr)
            pipeline.send_event(Gst.Event.new_eos())
            continue
        if msg is None:
            continue
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.has_name("uniformer"):
                labels = list(s.get_value("labels"))
                scores = list(s.get_value("scores"))
                end = s.get_value("window-end") / Gst.SECOND
                top = labels[0] if labels and scores[0] >= threshold else None
                print_events(tracker.update(top, end))
        else:
            print_problem(msg)
            ok = msg.type != Gst.MessageType.ERROR
    print_events(tracker.finish())
    # stopping may still warn (the element reports Vulkan validation messages):
    # read those in READY, as NULL empties the bus
    pipeline.set_state(Gst.State.READY)
    while (msg := bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
        print_problem(msg)
        ok = ok and msg.type != Gst.MessageType.ERROR
    pipeline.set_state(Gst.State.NULL)
    return ok


def main():
    parser = argparse.ArgumentParser(
        description="Print actions as they start and end (uniformerinfer bus messages).")
    parser.add_argument("input", nargs="?", help="video file name or URI (default: webcam)")
    parser.add_argument("--source", help="a source as gst-launch-1.0 describes it")
    parser.add_argument("--model", help="UniFormer model file (default: the installed one)")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="lowest top-1 probability that counts (default 0.5)")
    parser.add_argument("--windows", type=int, default=2,
                        help="classifications in a row to start or end an action (default 2)")
    parser.add_argument("--smoothing", type=int, default=1,
                        help="the element's smoothing: mean of the last N windows (default 1)")
    parser.add_argument("--annotate", metavar="OUT.mp4",
                        help="also write the video with the labels drawn on it")
    args = parser.parse_args()
    if args.input and args.source:
        parser.error("give either an input or --source")
    if not 0.0 <= args.threshold <= 1.0 or args.windows < 1 or not 1 <= args.smoothing <= 100:
        parser.error("--threshold must be in [0, 1], --windows at least 1, "
                     "--smoothing in 1..100")
    if args.model and not os.path.isfile(args.model):
        parser.error(f"no such model file: {args.model}")
    Gst.init(None)
    if not Gst.ElementFactory.find("uniformerinfer"):
        sys.exit("actions.py: the uniformer plugin is not visible to GStreamer: install it, "
                 "or set GST_PLUGIN_PATH to the build tree's gst-plugin folder")
    sink = "fakesink sync=false"
    if args.annotate:
        sink = ("uniformeroverlay ! videoconvert ! x264enc speed-preset=veryfast ! mp4mux ! "
                f'filesink location="{args.annotate}"')
    try:
        pipeline = Gst.parse_launch(
            f"{source_description(args)} ! videoconvert ! uniformerinfer name=infer top-k=3 "
            f"smoothing={args.smoothing} ! {sink}")
    except GLib.Error as e:
        sys.exit(f"actions.py: bad source: {e.message}")
    if args.model:
        pipeline.get_by_name("infer").set_property("model", args.model)
    return 0 if run(pipeline, ActionTracker(args.windows), args.threshold) else 1


if __name__ == "__main__":
    sys.exit(main())
