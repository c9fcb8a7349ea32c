#!/usr/bin/python3
"""soak.py: a long run of uniformerinfer on a live source, to see that nothing
grows. A benchmark to run by hand, not a test (CI does not run it).

    scripts/soak.py [--minutes 60] [--interval 10] [--build build] [--size 320x240]
                    [--fps 30] [--pattern ball] [--model FILE] [--warmup S]

Runs, in this process,

    videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,
        framerate=30/1 ! uniformerinfer ! uniformeroverlay ! fakesink sync=true

with the shipped default model (the plugin finds models/ from the build tree;
--model overrides it) for --minutes (default 60, or $UF_SOAK_MINUTES), and
every --interval seconds (default 10) samples, from /proc/self and the
elements:

  rss       resident memory (VmRSS), MiB
  fds       open file descriptors (entries of /proc/self/fd)
  threads   threads of the process (Threads: in /proc/self/status)
  cls, skip windows-classified and windows-skipped of uniformerinfer (totals;
            +cls and +skip are the counts within the interval)
  frames    buffers that reached fakesink within the interval
  cpu       process CPU time within the interval, % of one core
  latency   of each result, from its `uniformer` bus message: the pipeline
            clock's running time when the application's main loop receives
            the message, minus the running time of the window's last frame
            (the message's window-end PTS, put in running time with the
            offset between its running-time and timestamp fields). So it
            counts sampling, the inference on the worker thread, the wait
            for the next buffer to carry the result, and bus delivery. With a
            live source a frame leaves videotestsrc at its running time, so
            this is how long after the window's last frame was produced the
            application knows what it showed. Per interval: n, median, p95,
            max (ms).

At the end it prints the table and, for each metric, the least-squares slope
per hour over the samples after the warm-up (default: 10% of the run, at
least 30 s, at most 5 minutes; shader compilation, font loading and the
first windows are not the steady state) with twice its standard error.

Flatness: a metric is "flat" when |slope| + 2 SE <= its tolerance per hour
(listed with it), i.e. the data exclude a drift larger than the tolerance;
"GROWING" (or "SHRINKING") when |slope| - 2 SE > tolerance and the fitted
change over the measured span is at least the metric's resolution floor
(RSS 1 MiB, one fd, one thread, ...: a 90 KiB step in a 2-minute run is not
a leak verdict); otherwise "inconclusive" (too short or too noisy; run
longer). The SE is that of ordinary least squares, which takes the samples
as independent; memory moves in steps, so the SE is optimistic and a
verdict near the boundary wants a longer run. The exit status is 1 when a
metric is GROWING or SHRINKING or the pipeline failed, else 0.

The script's own bookkeeping is kept in fixed-width arrays (under 0.1 MiB
per hour of run), so it does not show up as growth of the process's RSS.
"""
import argparse
import array
import math
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Tolerated drift per hour (absolute, and relative to the metric's mean: the
# larger counts) and the smallest fitted change over the run that can be
# called growth.
TOLERANCES = {
    "rss": (2.0, 0.0, 1.0),         # MiB
    "fds": (1.0, 0.0, 1.0),
    "threads": (1.0, 0.0, 1.0),
    "+cls": (0.5, 0.05, 1.0),       # windows per interval
    "+skip": (0.5, 0.05, 1.0),
    "frames": (1.0, 0.01, 3.0),     # buffers per interval
    "cpu": (5.0, 0.0, 2.0),         # percentage points
    "lat p50": (10.0, 0.0, 5.0),    # ms
    "lat p95": (20.0, 0.0, 10.0),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float,
                   default=float(os.environ.get("UF_SOAK_MINUTES", "60")),
                   help="how long to run (default 60, or $UF_SOAK_MINUTES)")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds left out of the slopes (default 10%% of the run, 30-300 s)")
    p.add_argument("--build", default="build",
                   help="build directory whose gst-plugin/ to load when GST_PLUGIN_PATH "
                        "is not set (default: build)")
    p.add_argument("--size", default="320x240", help="WIDTHxHEIGHT (default 320x240)")
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--pattern", default="ball", help="videotestsrc pattern (default ball)")
    p.add_argument("--model", default=None, help="model file (default: the shipped one)")
    args = p.parse_args()
    if args.minutes <= 0 or args.interval <= 0:
        p.error("--minutes and --interval must be positive")
    try:
        args.width, args.height = (int(v) for v in args.size.split("x"))
    except ValueError:
        p.error("--size wants WIDTHxHEIGHT")
    if args.warmup is None:
        args.warmup = min(300.0, max(30.0, 0.1 * args.minutes * 60))
    return args


def proc_status():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def percentile(values, q):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def fit(ts, ys):
    """Least-squares slope of ys over ts (seconds) per hour, and its SE."""
    n = len(ts)
    if n < 3:
        return None, None
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx == 0:
        return None, None
    b = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / sxx
    a = my - b * mt
    rss = sum((y - a - b * t) ** 2 for t, y in zip(ts, ys))
    se = math.sqrt(rss / (n - 2) / sxx)
    return b * 3600, se * 3600


def verdict(slope, se, tol, floor, span_h):
    if slope is None:
        return "inconclusive (too few samples)"
    if abs(slope) + 2 * se <= tol:
        return "flat"
    if abs(slope) - 2 * se > tol:
        if abs(slope) * span_h >= floor:
            return "GROWING" if slope > 0 else "SHRINKING"
        return "inconclusive (drift below resolution; run longer)"
    return "inconclusive (run longer)"


def main():
    args = parse_args()
    if "GST_PLUGIN_PATH" not in os.environ:
        os.environ["GST_PLUGIN_PATH"] = str((REPO / args.build / "gst-plugin").resolve())

    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
    Gst.init(None)
    if not Gst.ElementFactory.find("uniformerinfer"):
        sys.exit(f"soak: no uniformerinfer (GST_PLUGIN_PATH={os.environ['GST_PLUGIN_PATH']}); "
                 "build first (meson setup build && ninja -C build) or set GST_PLUGIN_PATH")

    desc = (f"videotestsrc is-live=true pattern={args.pattern} ! "
            f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 ! "
            "uniformerinfer name=infer ! uniformeroverlay ! fakesink name=sink sync=true")
    pipeline = Gst.parse_launch(desc)
    infer = pipeline.get_by_name("infer")
    if args.model:
        infer.set_property("model", args.model)
    sink_pad = pipeline.get_by_name("sink").get_static_pad("sink")

    state = {"frames": 0, "latencies": [], "all_latencies": array.array("d"), "failed": None}

    def count_frame(pad, info):
        state["frames"] += 1
        return Gst.PadProbeReturn.OK

    sink_pad.add_probe(Gst.PadProbeType.BUFFER, count_frame)

    loop = GLib.MainLoop()
    samples = Samples()
    n_samples = max(1, round(args.minutes * 60 / args.interval))
    started = time.monotonic()
    last = {"t": 0.0, "cpu": sum(os.times()[:2]), "cls": 0, "skip": 0}

    def running_now():
        clock = pipeline.get_clock()
        if clock is None:
            return None
        return clock.get_time() - pipeline.get_base_time()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.has_name("uniformer"):
                now = running_now()
                ok_end, window_end = s.get_uint64("window-end")
                ok_rt, rt = s.get_uint64("running-time")
                ok_ts, ts = s.get_uint64("timestamp")
                if now is not None and ok_end and ok_rt and ok_ts:
                    lat = (now - (window_end + (rt - ts))) / 1e6
                    state["latencies"].append(lat)
                    state["all_latencies"].append(lat)
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            state["failed"] = f"{msg.src.get_name()}: {err.message} ({dbg})"
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            print(f"soak: warning from {msg.src.get_name()}: {err.message}", file=sys.stderr)
        elif msg.type == Gst.MessageType.EOS:
            state["failed"] = "unexpected EOS"
            loop.quit()
        return True

    def sample():
        t = time.monotonic() - started
        st = proc_status()
        cpu = sum(os.times()[:2])
        cls = infer.get_property("windows-classified")
        skip = infer.get_property("windows-skipped")
        lats = state["latencies"]
        row = {
            "t": t,
            "rss": int(st["VmRSS"].split()[0]) / 1024,
            "fds": len(os.listdir("/proc/self/fd")),
            "threads": int(st["Threads"]),
            "cls": cls,
            "skip": skip,
            "+cls": cls - last["cls"],
            "+skip": skip - last["skip"],
            "frames": state["frames"],
            "cpu": 100 * (cpu - last["cpu"]) / max(1e-9, t - last["t"]),
            "lat n": len(lats),
            "lat p50": statistics.median(lats) if lats else None,
            "lat p95": percentile(lats, 95) if lats else None,
            "lat max": max(lats) if lats else None,
        }
        samples.append(row)
        print_row(row, flush=True)
        last.update(t=t, cpu=cpu, cls=cls, skip=skip)
        state["frames"] = 0
        state["latencies"] = []
        if len(samples) >= n_samples:
            loop.quit()
            return False
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    print(f"soak: {desc}")
    print(f"soak: {args.minutes:g} min, a sample every {args.interval:g} s, slopes after "
          f"{args.warmup:g} s of warm-up; GST_PLUGIN_PATH={os.environ['GST_PLUGIN_PATH']}")
    print_header()
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        state["failed"] = "could not start the pipeline"
    else:
        GLib.timeout_add(int(args.interval * 1000), sample)
        loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()

    if state["failed"]:
        print(f"soak: FAILED: {state['failed']}", file=sys.stderr)
    status = summarize(samples, state["all_latencies"], args) if len(samples) else 1
    return 1 if state["failed"] else status


COLUMNS = [("t", "t s", "{:6.0f}"), ("rss", "rss MiB", "{:8.1f}"), ("fds", "fds", "{:4d}"),
           ("threads", "thr", "{:4d}"), ("cls", "cls", "{:6d}"), ("skip", "skip", "{:5d}"),
           ("+cls", "+cls", "{:5d}"), ("+skip", "+skip", "{:5d}"),
           ("frames", "frames", "{:6d}"), ("cpu", "cpu %", "{:6.1f}"),
           ("lat n", "lat n", "{:5d}"), ("lat p50", "p50 ms", "{:7.1f}"),
           ("lat p95", "p95 ms", "{:7.1f}"), ("lat max", "max ms", "{:7.1f}")]


class Samples:
    """The table, one array of doubles per column (NaN for no value)."""

    def __init__(self):
        self.columns = {key: array.array("d") for key, _, _ in COLUMNS}

    def __len__(self):
        return len(self.columns["t"])

    def append(self, row):
        for key, column in self.columns.items():
            column.append(math.nan if row[key] is None else float(row[key]))

    def row(self, i):
        row = {}
        for key, _, fmt in COLUMNS:
            v = self.columns[key][i]
            row[key] = None if math.isnan(v) else (int(v) if fmt.endswith("d}") else v)
        return row

    def rows(self):
        return (self.row(i) for i in range(len(self)))


def print_header():
    print(" ".join(f"{title:>{len(fmt.format(0))}}" for _, title, fmt in COLUMNS))


def print_row(row, flush=False):
    cells = []
    for key, _, fmt in COLUMNS:
        width = len(fmt.format(0))
        cells.append(f"{'-':>{width}}" if row[key] is None else fmt.format(row[key]))
    print(" ".join(cells), flush=flush)


def summarize(samples, all_latencies, args):
    print()
    print("== samples")
    print_header()
    for row in samples.rows():
        print_row(row)
    steady = [r for r in samples.rows() if r["t"] >= args.warmup]
    span = (steady[-1]["t"] - steady[0]["t"]) if len(steady) > 1 else 0.0
    print()
    print(f"== slopes over {len(steady)} samples from t = {args.warmup:g} s "
          f"({span:.0f} s)")
    print("   flat: |slope| + 2 SE <= tol; GROWING/SHRINKING: |slope| - 2 SE > tol and "
          "|slope| x span >= floor")
    print(f"{'metric':>8} {'mean':>9} {'min':>9} {'max':>9} {'slope/h':>10} {'2 SE/h':>9} "
          f"{'tol/h':>7} {'floor':>6}  verdict")
    status = 0
    for key, (tol_abs, tol_rel, floor) in TOLERANCES.items():
        pts = [(r["t"], r[key]) for r in steady if r[key] is not None]
        if not pts:
            print(f"{key:>8} {'-':>9} {'-':>9} {'-':>9} {'-':>10} {'-':>9} {'-':>7} {'-':>6}  "
                  "no data")
            continue
        ys = [y for _, y in pts]
        mean = statistics.fmean(ys)
        tol = max(tol_abs, tol_rel * abs(mean))
        slope, se = fit([t for t, _ in pts], ys)
        v = verdict(slope, se, tol, floor, span / 3600)
        if v in ("GROWING", "SHRINKING"):
            status = 1
        slope_s = "-" if slope is None else f"{slope:+.2f}"
        se_s = "-" if se is None else f"{2 * se:.2f}"
        print(f"{key:>8} {mean:9.2f} {min(ys):9.2f} {max(ys):9.2f} {slope_s:>10} {se_s:>9} "
              f"{tol:7.2f} {floor:6.1f}  {v}")
    if all_latencies:
        print()
        print(f"== latency of all {len(all_latencies)} results (ms): median "
              f"{statistics.median(all_latencies):.1f}, p95 {percentile(all_latencies, 95):.1f}, "
              f"max {max(all_latencies):.1f}, min {min(all_latencies):.1f}")
    last = samples.row(len(samples) - 1)
    print(f"== windows: {last['cls']} classified, {last['skip']} skipped in {last['t']:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
