#!/usr/bin/python3
"""Many cameras in one process: N live sources, each through its own
uniformerinfer, with the model shared and its windows batched
(share-model=true, the default) and not (share-model=false), measured in
the same run. A benchmark, not a test:

    GST_PLUGIN_PATH=build/gst-plugin tests/plugin/bench_streams.py \\
        [--streams 1,4,16,64] [--seconds 20] [--interval 8] [--model FILE]
        [--max-batch B] [--phase P]
    GST_PLUGIN_PATH=build/gst-plugin tests/plugin/bench_streams.py --tracks 1,4,16

A short unmeasured run first fills Mesa's shader cache. Each run is a
fresh process (so its RSS is its own): N branches of
videotestsrc is-live=true (160x120, 30 fps) ! uniformerinfer
inference-interval=I ! fakesink in one pipeline. Prints, per run: windows
classified per second in all, windows skipped, the latency from a window's
last frame to its result (median and 99th percentile: the pipeline's
running time when the element posts the result, less the PTS of the
window's last frame, which a live source stamps with its capture time),
the peak RSS (VmHWM) and per stream, the device memory (every element's
frames, plus the model's weights and batch memory once per loaded model),
and the mean batch size. Shared elements each take the lowest phase no
other running element of the model holds (inference-phase -1, the
default), so the streams' windows fall due on different frames; with --phase, each N also runs
shared with inference-phase=P on every element (0: all on the same
frames, queueing behind each other in one pass). --phase needs a build
that has the property.

With --tracks, one live 320x240 source goes through one uniformerinfer in
region-mode=fixed with T rectangles (a grid over the frame, so every
track's window is a crop of its own), for each T: the same figures, with
RSS and device memory per track.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WARM_UP_LIMIT_SECONDS = 120
DEFAULT_MODEL = os.path.join(HERE, "..", "..", "models", "uniformer-motion.safetensors")


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def grid(tracks, width, height):
    """@tracks rectangles tiling a width x height frame, as the regions property."""
    cols = 1
    while cols * cols < tracks:
        cols += 1
    rows = (tracks + cols - 1) // cols
    w, h = width // cols, height // rows
    return ";".join("%d,%d,%d,%d" % ((k % cols) * w, (k // cols) * h, w, h)
                    for k in range(tracks))


def child(n, seconds, model, share, interval, tracks=0, max_batch=0, phase=None):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    size, regions = "width=160,height=120", ""
    if tracks:
        size = "width=320,height=240"
        regions = 'region-mode=fixed max-tracks=%d regions="%s"' % (tracks, grid(tracks, 320, 240))
    branch = ("videotestsrc is-live=true pattern=ball ! video/x-raw," + size + ","
              "framerate=30/1 ! uniformerinfer name=infer%d model=\"%s\" "
              "inference-interval=%d share-model=%s actions=false " + regions
              + (" max-batch=%d" % max_batch if max_batch else "")
              + (" inference-phase=%d" % phase if phase is not None else "") + " ! fakesink")
    desc = "  ".join(branch % (i, model, interval, "true" if share else "false")
                     for i in range(n))
    pipeline = Gst.parse_launch(desc)
    latencies = []

    def on_sync(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s is not None and s.get_name() == "uniformer":
            clock = pipeline.get_clock()
            if clock is not None:
                now = clock.get_time() - pipeline.get_base_time()
                latencies.append((now - s.get_value("window-end")) / 1e6)
            return Gst.BusSyncReply.DROP
        return Gst.BusSyncReply.PASS

    bus = pipeline.get_bus()
    bus.set_sync_handler(on_sync)
    pipeline.set_state(Gst.State.PLAYING)
    infers = [pipeline.get_by_name("infer%d" % i) for i in range(n)]
    # seconds 0: the warm-up, until every element has classified two windows
    deadline = time.monotonic() + (seconds or WARM_UP_LIMIT_SECONDS)
    while time.monotonic() < deadline:
        msg = bus.timed_pop_filtered(int(min(0.2, seconds or 0.2) * Gst.SECOND),
                                     Gst.MessageType.ERROR)
        if msg is not None:
            sys.exit("error: %s" % msg.parse_error()[0].message)
        if not seconds and all(e.get_property("windows-classified") >= 2 for e in infers):
            break

    def prop(e, name):
        # a build from before batching has no such property: not measured
        return e.get_property(name) if e.find_property(name) else float("nan")

    counts = [e.get_property("windows-classified") for e in infers]
    classified = sum(counts)
    skipped = sum(e.get_property("windows-skipped") for e in infers)
    batch = sum(prop(e, "mean-batch-size") * c for e, c in zip(infers, counts))
    users = infers[0].get_property("model-users")
    own = sum(prop(e, "device-memory") for e in infers)
    models = 1 if share else n
    shared = prop(infers[0], "shared-device-memory") * models
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    pipeline.set_state(Gst.State.NULL)
    print(json.dumps(dict(classified=classified, skipped=skipped, users=users,
                          rss_mib=hwm / 1024.0, device_mib=(own + shared) / 1048576.0,
                          own_mib=own / 1048576.0, batch=batch / max(classified, 1),
                          lat_median=percentile(latencies, 0.5),
                          lat_p99=percentile(latencies, 0.99))))


def run(n, seconds, model, share, interval, tracks=0, max_batch=0, phase=None):
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--seconds",
                          str(seconds), "--model", model, "--share", "1" if share else "0",
                          "--interval", str(interval), "--tracks", str(tracks),
                          "--max-batch", str(max_batch)]
                         + (["--phase", str(phase)] if phase is not None else []),
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("%d streams: %s" % (n, out.stderr.strip() or out.stdout.strip()))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", default="1,4,16,64")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--interval", type=int, default=8)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--child", type=int)
    ap.add_argument("--share", type=int)
    ap.add_argument("--max-batch", type=int, default=0, help="the elements' max-batch "
                    "(0: the default)")
    ap.add_argument("--tracks", default="", help="one stream with these numbers of fixed "
                    "regions instead, e.g. 1,4,16")
    ap.add_argument("--phase", type=int, help="also run shared with this inference-phase "
                    "(-1: each element its place among the model's users)")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.seconds, args.model, bool(args.share), args.interval,
              int(args.tracks or 0), args.max_batch, args.phase)
        return
    # lavapipe compiles a shader at its first dispatch and keeps the machine
    # code in Mesa's disk cache: a first run on a cold cache would count
    # that compilation as latency and skipped windows
    for share in (False, True):
        run(1, 0, args.model, share, args.interval, int(args.tracks or 0) and 1,
            args.max_batch)
    if args.tracks:
        tracks_main(args)
        return
    print("%d s per run, 160x120 live 30 fps, inference-interval=%d, %s%s" % (
        args.seconds, args.interval, os.path.basename(args.model),
        ", max-batch=%d" % args.max_batch if args.max_batch else ""))
    print("%7s %-7s %8s %8s %8s %9s %9s %8s %10s %9s %9s %6s" % (
        "streams", "model", "windows", "per s", "skipped", "lat p50", "lat p99", "RSS MiB",
        "MiB/stream", "dev MiB", "batch", "users"))
    for n in (int(s) for s in args.streams.split(",")):
        results = {}
        modes = [(False, None), (True, None)]
        if args.phase is not None:
            modes.append((True, args.phase))
        for share, phase in modes:
            r = run(n, args.seconds, args.model, share, args.interval,
                    max_batch=args.max_batch, phase=phase)
            if phase is None:
                results[share] = r
            name = ("phase %d" % phase if phase is not None else "shared") if share else "own"
            print("%7d %-7s %8d %8.1f %8d %7.0fms %7.0fms %8.0f %10.1f %9.1f %9.2f %6d" % (
                n, name, r["classified"],
                r["classified"] / args.seconds, r["skipped"], r["lat_median"], r["lat_p99"],
                r["rss_mib"], r["rss_mib"] / n, r["device_mib"], r["batch"], r["users"]))
        print("%7s shared/own: RSS %.2fx, device memory %.2fx, windows %.2fx" % (
            "", results[True]["rss_mib"] / results[False]["rss_mib"],
            results[True]["device_mib"] / results[False]["device_mib"],
            results[True]["classified"] / max(results[False]["classified"], 1)))


def tracks_main(args):
    print("%d s per run, one 320x240 live 30 fps stream, region-mode=fixed, "
          "inference-interval=%d, %s" % (args.seconds, args.interval,
                                         os.path.basename(args.model)))
    print("%7s %8s %8s %8s %9s %9s %8s %9s %9s %9s %6s" % (
        "tracks", "windows", "per s", "skipped", "lat p50", "lat p99", "RSS MiB",
        "MiB/track", "dev MiB", "dev/track", "batch"))
    for t in (int(x) for x in args.tracks.split(",")):
        r = run(1, args.seconds, args.model, True, args.interval, t, args.max_batch)
        print("%7d %8d %8.1f %8d %7.0fms %7.0fms %8.0f %9.1f %9.1f %9.2f %6.2f" % (
            t, r["classified"], r["classified"] / args.seconds, r["skipped"],
            r["lat_median"], r["lat_p99"], r["rss_mib"], r["rss_mib"] / t, r["device_mib"],
            r["own_mib"] / t, r["batch"]))


if __name__ == "__main__":
    main()
