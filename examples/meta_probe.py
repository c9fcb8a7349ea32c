#!/usr/bin/python3
"""meta_probe.py: reads each classification off the buffers in a pad probe,
through the GstUniformer GObject-introspection typelib.

    SOURCE ! videoconvert ! uniformerinfer late-windows=wait ! fakesink sync=false
                                                    (probe on fakesink's sink pad)

    0.000-0.933 s  8 frames  moving left 0.912, moving up 0.051, ...

The probe is all it takes:

    def on_buffer(pad, info):
        meta = GstUniformer.buffer_get_uniformer_meta(info.get_buffer())
        if meta:
            print(meta.get_window_start(), meta.get_labels(), meta.get_scores())
        return Gst.PadProbeReturn.OK

    sinkpad.add_probe(Gst.PadProbeType.BUFFER, on_buffer)

(also get_class_ids, get_window_end, get_frames, get_inference_time,
get_model_name; times in nanoseconds). The meta rides on the first buffer
pushed after a window was classified.

Run from the build tree with Debian's Python (python3-gi, python3-gst-1.0);
the typelib and the library it describes are in build/gst-plugin/meta:

    GST_PLUGIN_PATH=build/gst-plugin GI_TYPELIB_PATH=build/gst-plugin/meta \\
        LD_LIBRARY_PATH=build/gst-plugin/meta examples/meta_probe.py clip.mp4

installed: $prefix/libexec/gst-uniformer/examples/meta_probe.py clip.mp4 (with a
prefix other than /usr, GI_TYPELIB_PATH=$prefix/lib/<arch>/girepository-1.0).
Options: --model FILE, --top-k K, --source "gst-launch source" instead of a
file, --json (one JSON object per result, every field, for scripts).
"""
import argparse
import json
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

try:
    gi.require_version("GstUniformer", "1.0")
    from gi.repository import GstUniformer  # noqa: E402
except (ValueError, ImportError):
    sys.exit("meta_probe.py: the GstUniformer typelib is not found: install gst-uniformer, or "
             "set GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree's gst-plugin/meta")


def meta_to_record(meta, pts):
    """Every field of one GstUniformerMeta, read through its GI accessors."""
    return {
        "pts": pts,
        "window_start": meta.get_window_start(),
        "window_end": meta.get_window_end(),
        "frames": meta.get_frames(),
        "labels": list(meta.get_labels()),
        "class_ids": list(meta.get_class_ids()),
        "scores": list(meta.get_scores()),
        "inference_time": meta.get_inference_time(),
        "model": meta.get_model_name(),
    }


def print_record(r, as_json):
    if as_json:
        print(json.dumps(r), flush=True)
        return
    classes = ", ".join(f"{label} {score:.3f}" for label, score in zip(r["labels"], r["scores"]))
    print(f"{r['window_start'] / Gst.SECOND:.3f}-{r['window_end'] / Gst.SECOND:.3f} s  "
          f"{r['frames']} frames  {classes}", flush=True)


def source_description(args):
    if args.source:
        return args.source
    if Gst.uri_is_valid(args.input):
        return f'uridecodebin uri="{args.input}"'
    if not os.path.isfile(args.input):
        sys.exit(f"meta_probe.py: no such file: {args.input}")
    return f'uridecodebin uri="{Gst.filename_to_uri(os.path.abspath(args.input))}"'


def print_problem(msg):
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print(f"meta_probe.py: error from {msg.src.get_name()}: {err.message}\n{debug or ''}",
              file=sys.stderr)
    else:
        err, _ = msg.parse_warning()
        print(f"meta_probe.py: warning from {msg.src.get_name()}: {err.message}",
              file=sys.stderr)


def run(pipeline, as_json):
    """Prints each result until EOS; False on an error."""
    def on_buffer(pad, info):
        buf = info.get_buffer()
        meta = GstUniformer.buffer_get_uniformer_meta(buf)
        if meta:
            print_record(meta_to_record(meta, buf.pts), as_json)
        return Gst.PadProbeReturn.OK

    sinkpad = pipeline.get_by_name("sink").get_static_pad("sink")
    sinkpad.add_probe(Gst.PadProbeType.BUFFER, on_buffer)
    bus = pipeline.get_bus()
    wanted = Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.EOS
    ok = pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    while ok:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, wanted)
        if msg.type == Gst.MessageType.EOS:
            break
        print_problem(msg)
        ok = msg.type != Gst.MessageType.ERROR
    # warnings at the stop (Vulkan validation) are read in READY: NULL empties the bus
    pipeline.set_state(Gst.State.READY)
    while (msg := bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
        print_problem(msg)
        ok = ok and msg.type != Gst.MessageType.ERROR
    pipeline.set_state(Gst.State.NULL)
    return ok


def main():
    parser = argparse.ArgumentParser(
        description="Print uniformerinfer's results, read from the buffers' meta through GI.")
    parser.add_argument("input", nargs="?", help="video file name or URI")
    parser.add_argument("--source", help="a source as gst-launch-1.0 describes it")
    parser.add_argument("--model", help="UniFormer model file (default: the installed one)")
    parser.add_argument("--top-k", type=int, default=5, help="classes per result (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON object per result")
    args = parser.parse_args()
    if bool(args.input) == bool(args.source):
        parser.error("give an input file or --source")
    if args.top_k < 1:
        parser.error("--top-k must be at least 1")
    if args.model and not os.path.isfile(args.model):
        parser.error(f"no such model file: {args.model}")
    Gst.init(None)
    if not Gst.ElementFactory.find("uniformerinfer"):
        sys.exit("meta_probe.py: the uniformer plugin is not visible to GStreamer: install it, "
                 "or set GST_PLUGIN_PATH to the build tree's gst-plugin folder")
    try:
        pipeline = Gst.parse_launch(
            f"{source_description(args)} ! videoconvert ! uniformerinfer name=infer "
            f"late-windows=wait top-k={args.top_k} ! fakesink name=sink sync=false")
    except GLib.Error as e:
        sys.exit(f"meta_probe.py: bad source: {e.message}")
    if args.model:
        pipeline.get_by_name("infer").set_property("model", args.model)
    return 0 if run(pipeline, args.json) else 1


if __name__ == "__main__":
    sys.exit(main())
