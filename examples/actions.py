#!/usr/bin/python3
"""actions.py: prints actions as they start and end, from uniformerinfer's
"uniformer-action" bus messages.

    SOURCE ! videoconvert ! uniformerinfer action-start-threshold=P ... ! fakesink
    (with --annotate OUT.mp4: ... ! uniformeroverlay ! x264enc ! mp4mux ! filesink)

       0.1 s  moving left started
       3.1 s  moving left ended
       3.3 s  rotating clockwise started
       6.3 s  rotating clockwise ended
       5.9 s  growing started
       9.0 s  growing ended (eos)

The element decides (see its action-* properties): an action starts once
--windows consecutive classifications give its class a probability of at
least --threshold, and ends at the first one below --end-threshold; several
may be open at once. Times are PTS in seconds, of window edges: "started" at
the first frame of the first window that counted, "ended" at the last frame
of the last window still above --end-threshold, so the next action may start
before the previous one's end. An action that ends for another reason than
its score (the end of the stream, a seek, a break in the stream) says why.

Run from the build tree with Debian's Python (python3-gi, python3-gst-1.0):

    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py            # the webcam
    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py clip.mp4   # a file or URI
    GST_PLUGIN_PATH=build/gst-plugin examples/actions.py --source "v4l2src device=/dev/video1"

installed: $prefix/libexec/gst-uniformer/examples/actions.py. Options:
--model FILE, --threshold P (action-start-threshold, default 0.6),
--end-threshold P (action-end-threshold, default 0.4 or --threshold if
lower), --windows N (action-min-windows, default 2), --smoothing N (the
element's score smoothing), --annotate OUT.mp4 (also write the video with
the labels drawn on it, H.264 in MP4). Ctrl-C ends the stream cleanly, so
the open actions' ends are printed.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def describe(s):
    """The line printed for a "uniformer-action" structure."""
    label, state = s.get_value("label"), s.get_value("state")
    if state == "started":
        return f"{s.get_value('start-pts') / Gst.SECOND:6.1f} s  {label} started"
    reason = s.get_value("reason")
    why = "" if reason == "score-dropped" else f" ({reason})"
    return f"{s.get_value('end-pts') / Gst.SECOND:6.1f} s  {label} ended{why}"


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


def run(pipeline):
    """Prints the action messages until EOS; False on an error."""
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
            if s.has_name("uniformer-action"):
                print(describe(s), flush=True)
        else:
            print_problem(msg)
            ok = msg.type != Gst.MessageType.ERROR
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
    parser.add_argument("--threshold", type=float, default=0.6,
                        help="probability at which a class's windows count toward starting "
                             "its action (action-start-threshold, default 0.6)")
    parser.add_argument("--end-threshold", type=float,
                        help="probability below which an open action ends "
                             "(action-end-threshold, default 0.4 or --threshold if lower)")
    parser.add_argument("--windows", type=int, default=2,
                        help="classifications in a row at --threshold that start an action "
                             "(action-min-windows, default 2)")
    parser.add_argument("--smoothing", type=int, default=1,
                        help="the element's smoothing: mean of the last N windows (default 1)")
    parser.add_argument("--annotate", metavar="OUT.mp4",
                        help="also write the video with the labels drawn on it")
    args = parser.parse_args()
    if args.input and args.source:
        parser.error("give either an input or --source")
    if args.end_threshold is None:
        args.end_threshold = min(0.4, args.threshold)
    if not 0.0 <= args.end_threshold <= args.threshold <= 1.0:
        parser.error("--threshold and --end-threshold must be in [0, 1], the end one not "
                     "above the other")
    if not 1 <= args.windows <= 1000 or not 1 <= args.smoothing <= 100:
        parser.error("--windows must be in 1..1000, --smoothing in 1..100")
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
            f"smoothing={args.smoothing} action-start-threshold={args.threshold} "
            f"action-end-threshold={args.end_threshold} action-min-windows={args.windows} "
            f"! {sink}")
    except GLib.Error as e:
        sys.exit(f"actions.py: bad source: {e.message}")
    if args.model:
        pipeline.get_by_name("infer").set_property("model", args.model)
    return 0 if run(pipeline) else 1


if __name__ == "__main__":
    sys.exit(main())
