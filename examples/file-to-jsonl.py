#!/usr/bin/python3
"""file-to-jsonl.py: classifies every window of a video file, one JSON line each.

    uridecodebin uri=FILE ! videoconvert ! uniformerinfer late-windows=wait ! fakesink

The element's "uniformer" bus messages become lines like

    {"window_start": 0.0, "window_end": 0.933333333, "frames": 8,
     "labels": ["moving left", ...], "class_ids": [3, ...], "scores": [0.91, ...],
     "inference_ms": 85.7, "model": "uniformer-motion"}

(times in seconds of the file's timeline; scores best first). late-windows=wait
makes the element classify every window however long inference takes, and the
sink does not wait for the clock, so the whole file is analysed as fast as the
device allows and the output is the same on every run.

Run from the build tree with Debian's Python (python3-gi, python3-gst-1.0):

    GST_PLUGIN_PATH=build/gst-plugin examples/file-to-jsonl.py clip.mp4 > clip.jsonl

installed: $prefix/libexec/gst-uniformer/examples/file-to-jsonl.py clip.mp4.
Options: --model FILE, --top-k K, --output FILE (default: standard output).
"""
import argparse
import json
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

PIPELINE = ("uridecodebin name=src ! videoconvert ! "
            "uniformerinfer name=infer late-windows=wait ! fakesink sync=false")


def fail(text):
    print(f"file-to-jsonl: {text}", file=sys.stderr)
    sys.exit(1)


def input_uri(name):
    if Gst.uri_is_valid(name):
        return name
    if not os.path.isfile(name):
        fail(f"no such file: {name}")
    return Gst.filename_to_uri(os.path.abspath(name))


def message_to_record(s):
    """The JSON object for one "uniformer" message structure."""
    return {
        "window_start": s.get_value("window-start") / Gst.SECOND,
        "window_end": s.get_value("window-end") / Gst.SECOND,
        "frames": s.get_value("frames"),
        "labels": list(s.get_value("labels")),
        "class_ids": list(s.get_value("class-ids")),
        "scores": list(s.get_value("scores")),
        "inference_ms": s.get_value("inference-time") / 1e6,
        "model": s.get_value("model"),
    }


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


def run(uri, model, top_k, out):
    """Writes one line per classification; returns how many, or None on error."""
    pipeline = Gst.parse_launch(PIPELINE)
    pipeline.get_by_name("src").set_property("uri", uri)
    infer = pipeline.get_by_name("infer")
    infer.set_property("top-k", top_k)
    if model:
        infer.set_property("model", model)
    bus = pipeline.get_bus()
    wanted = (Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING
              | Gst.MessageType.EOS)
    lines, failed = 0, False
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, wanted)
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.has_name("uniformer"):
                out.write(json.dumps(message_to_record(s)) + "\n")
                out.flush()
                lines += 1
        elif report_problem(msg):
            failed = True
            break
    # stopping may still warn (the element reports Vulkan validation messages):
    # read those in READY, as NULL empties the bus
    pipeline.set_state(Gst.State.READY)
    while (msg := bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
        failed |= report_problem(msg)
    pipeline.set_state(Gst.State.NULL)
    return None if failed else lines


def main():
    parser = argparse.ArgumentParser(
        description="Classify every window of a video file; one JSON line per result.")
    parser.add_argument("input", help="video file name or URI")
    parser.add_argument("--model", help="UniFormer model file (default: the installed one)")
    parser.add_argument("--top-k", type=int, default=5, help="classes per line (default 5)")
    parser.add_argument("--output", help="write the lines here instead of standard output")
    args = parser.parse_args()
    if args.top_k < 1:
        fail("--top-k must be at least 1")
    if args.model and not os.path.isfile(args.model):
        fail(f"no such model file: {args.model}")
    Gst.init(None)
    if not Gst.ElementFactory.find("uniformerinfer"):
        fail("the uniformer plugin is not visible to GStreamer: install it, or set "
             "GST_PLUGIN_PATH to the build tree's gst-plugin folder")
    uri = input_uri(args.input)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        lines = run(uri, args.model, args.top_k, out)
    finally:
        if out is not sys.stdout:
            out.close()
    if lines is None:
        return 1
    print(f"file-to-jsonl: {lines} windows classified", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
