#!/usr/bin/python3
"""file-to-jsonl.py: classifies every window of a video file, one JSON line each.

    uridecodebin uri=FILE ! videoconvert ! uniformerinfer late-windows=wait ! \\
        uniformerpublish location=OUT ! fakesink sync=false

uniformerpublish writes a line per classified window, and per action start
and end (docs/result-schema.md), like

    {"schema": 1, "type": "result", "source": "src", "pts": 1000000000,
     "window_start": 66666666, "window_end": 1000000000, "frames": 8,
     "labels": ["moving left", ...], "class_ids": [0, ...], "scores": [0.97, ...],
     "inference_time": 32126000, "model": "uniformer-motion", ...}

(times in nanoseconds of the file's timeline; scores best first). late-windows=wait
makes the element classify every window however long inference takes, and the
sink does not wait for the clock, so the whole file is analysed as fast as the
device allows and the output is the same on every run (but for "utc", the
wall-clock time each line was made).

Run from the build tree with Debian's Python (python3-gi, python3-gst-1.0):

    GST_PLUGIN_PATH=build/gst-plugin examples/file-to-jsonl.py clip.mp4 > clip.jsonl

installed: $prefix/libexec/gst-uniformer/examples/file-to-jsonl.py clip.mp4.
Options: --model FILE, --top-k K, --output FILE (default: standard output).
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

PIPELINE = ("uridecodebin name=src ! videoconvert ! "
            "uniformerinfer name=infer late-windows=wait ! "
            "uniformerpublish name=publish ! fakesink sync=false")


def fail(text):
    print(f"file-to-jsonl: {text}", file=sys.stderr)
    sys.exit(1)


def input_uri(name):
    if Gst.uri_is_valid(name):
        return name
    if not os.path.isfile(name):
        fail(f"no such file: {name}")
    return Gst.filename_to_uri(os.path.abspath(name))


def report_problem(msg):
    """Prints an error or warning message; True for an error."""
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print(f"file-to-jsonl: error from {msg.src.get_name()}: {err.message}\n{debug or ''}",
              file=sys.stderr)
        return True
    err, _ = msg.parse_warning()
    print(f"file-to-jsonl: warning from {msg.src.get_name()}: {err.message}", file=sys.stderr)
    return False


def run(uri, model, top_k, output):
    """Writes the lines to @output ("-": standard output); returns how many
    windows were classified, or None on error."""
    pipeline = Gst.parse_launch(PIPELINE)
    pipeline.get_by_name("src").set_property("uri", uri)
    infer = pipeline.get_by_name("infer")
    infer.set_property("top-k", top_k)
    if model:
        infer.set_property("model", model)
    publish = pipeline.get_by_name("publish")
    publish.set_property("location", output)
    bus = pipeline.get_bus()
    windows, failed = 0, False
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.ELEMENT
                                     | Gst.MessageType.ERROR | Gst.MessageType.WARNING
                                     | Gst.MessageType.EOS)
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ELEMENT:
            windows += msg.get_structure().has_name("uniformer")
        elif report_problem(msg):
            failed = True
            break
    # stopping may still warn (the element reports Vulkan validation messages):
    # read those in READY, as NULL empties the bus; READY also has every line written
    pipeline.set_state(Gst.State.READY)
    while (msg := bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
        failed |= report_problem(msg)
    dropped = publish.get_property("messages-dropped")
    if dropped:
        print(f"file-to-jsonl: {dropped} lines dropped", file=sys.stderr)
        failed = True
    pipeline.set_state(Gst.State.NULL)
    return None if failed else windows


def main():
    parser = argparse.ArgumentParser(
        description="Classify every window of a video file; one JSON line per result.")
    parser.add_argument("input", help="video file name or URI")
    parser.add_argument("--model", help="UniFormer model file (default: the installed one)")
    parser.add_argument("--top-k", type=int, default=5, help="classes per line (default 5)")
    parser.add_argument("--output", default="-",
                        help="write the lines here instead of standard output")
    args = parser.parse_args()
    if args.top_k < 1:
        fail("--top-k must be at least 1")
    if args.model and not os.path.isfile(args.model):
        fail(f"no such model file: {args.model}")
    Gst.init(None)
    if not Gst.ElementFactory.find("uniformerpublish"):
        fail("the uniformer plugin is not visible to GStreamer: install it, or set "
             "GST_PLUGIN_PATH to the build tree's gst-plugin folder")
    windows = run(input_uri(args.input), args.model, args.top_k, args.output)
    if windows is None:
        return 1
    print(f"file-to-jsonl: {windows} windows classified", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
