#!/usr/bin/python3
"""Many cameras in one process: N live sources, each through its own
uniformerinfer, with the model shared (share-model=true, the default) and
not (share-model=false), measured in the same run. A benchmark, not a test:

    GST_PLUGIN_PATH=build/gst-plugin tests/plugin/bench_streams.py \
        [--streams 1,4,16] [--seconds 15] [--model FILE]

Each run is a fresh process (so its RSS is its own): N branches of
videotestsrc is-live=true (160x120, 30 fps) ! uniformerinfer
inference-interval=8 ! fakesink in one pipeline. Prints, per run: windows
classified and skipped, windows per second, the peak RSS (VmHWM) and the
RSS per stream, and the ratio shared / unshared.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "..", "models", "uniformer-motion.safetensors")


def child(n, seconds, model, share):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    branch = ("videotestsrc is-live=true pattern=ball ! video/x-raw,width=160,height=120,"
              "framerate=30/1 ! uniformerinfer name=infer%d model=\"%s\" inference-interval=8 "
              "share-model=%s post-messages=false ! fakesink")
    desc = "  ".join(branch % (i, model, "true" if share else "false") for i in range(n))
    pipeline = Gst.parse_launch(desc)
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    msg = bus.timed_pop_filtered(int(seconds * Gst.SECOND), Gst.MessageType.ERROR)
    if msg is not None:
        sys.exit("error: %s" % msg.parse_error()[0].message)
    infers = [pipeline.get_by_name("infer%d" % i) for i in range(n)]
    classified = sum(e.get_property("windows-classified") for e in infers)
    skipped = sum(e.get_property("windows-skipped") for e in infers)
    users = infers[0].get_property("model-users")
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    pipeline.set_state(Gst.State.NULL)
    print(json.dumps(dict(classified=classified, skipped=skipped, users=users,
                          rss_mib=hwm / 1024.0)))


def run(n, seconds, model, share):
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--seconds",
                          str(seconds), "--model", model, "--share", "1" if share else "0"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%d streams: %s" % (n, out.stderr.strip() or out.stdout.strip()))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--child", type=int)
    ap.add_argument("--share", type=int)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.seconds, args.model, bool(args.share))
        return
    print("%d s per run, 160x120 live 30 fps, inference-interval=8, %s" % (
        args.seconds, os.path.basename(args.model)))
    print("%7s %-8s %9s %8s %8s %10s %12s %7s" % (
        "streams", "model", "windows", "skipped", "per s", "RSS MiB", "MiB/stream", "users"))
    for n in (int(s) for s in args.streams.split(",")):
        results = {}
        for share in (False, True):
            r = results[share] = run(n, args.seconds, args.model, share)
            print("%7d %-8s %9d %8d %8.1f %10.0f %12.1f %7d" % (
                n, "shared" if share else "own", r["classified"], r["skipped"],
                r["classified"] / args.seconds, r["rss_mib"], r["rss_mib"] / n, r["users"]))
        print("%7s shared/own: RSS %.2fx, windows %.2fx" % (
            "", results[True]["rss_mib"] / results[False]["rss_mib"],
            results[True]["classified"] / max(results[False]["classified"], 1)))


if __name__ == "__main__":
    main()
