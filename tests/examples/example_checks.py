"""What the example tests share: where the examples and the test model are,
running an example the way its documentation says, and the checks every
run must pass (exit status, no Vulkan validation message, no warning).

meson sets the environment: UF_EXAMPLES_DIR (examples/ in the source tree),
UF_EXAMPLES_BUILD_DIR (the built C examples), UF_TEST_MODEL (the tiny random
test model), GST_PLUGIN_PATH (the built plugin), UF_VULKAN_VALIDATION=1.
"""
import os
import select
import subprocess
import time

PYTHON = "/usr/bin/python3"
EXAMPLES = os.environ["UF_EXAMPLES_DIR"]
EXAMPLES_BUILD = os.environ["UF_EXAMPLES_BUILD_DIR"]
MODEL = os.environ["UF_TEST_MODEL"]

# A guard against hangs only: the runs take seconds.
RUN_LIMIT_S = 150


def example(name):
    """The path of an example: a script in the source tree or a built program."""
    built = os.path.join(EXAMPLES_BUILD, name)
    return built if os.path.exists(built) else os.path.join(EXAMPLES, name)


def assert_clean(text, who):
    """No validation message, warning or critical in @who's output."""
    lowered = text.lower()
    for bad in ("validation", "warning", "critical"):
        assert bad not in lowered, f"{who} printed {bad!r}:\n{text}"


def run(args, env=None, expect_failure=False):
    """Runs an example to the end; returns (stdout, stderr) after checking the
    exit status (0, or not 0 with @expect_failure) and, for a successful run,
    that the output is clean."""
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run(args, env=full_env, capture_output=True, text=True,
                       timeout=RUN_LIMIT_S)
    who = os.path.basename(args[0]) if args[0] != PYTHON else os.path.basename(args[1])
    assert (p.returncode != 0) == expect_failure, (
        f"{who} exited with {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    if not expect_failure:
        assert_clean(p.stdout + p.stderr, who)
    return p.stdout, p.stderr


def make_clip(path, frames=90, pattern="ball"):
    """Encodes a short H.264 MP4 test clip (30 fps, 160x120)."""
    subprocess.run(
        ["gst-launch-1.0", "-q", "videotestsrc", f"num-buffers={frames}", f"pattern={pattern}",
         "!", "video/x-raw,width=160,height=120,framerate=30/1",
         "!", "x264enc", "speed-preset=ultrafast", "!", "mp4mux",
         "!", "filesink", f"location={path}"],
        check=True, timeout=RUN_LIMIT_S)
    assert os.path.getsize(path) > 0


def expected_windows(frames, fps=30, rate=7.5, window=8, interval=4):
    """Windows uniformerinfer classifies in a file of @frames frames: it
    samples at @rate Hz, classifies when @window samples are in, then every
    @interval samples (the tiny model and the element's defaults)."""
    samples = len(range(0, frames, round(fps / rate)))
    return 0 if samples < window else 1 + (samples - window) // interval


def read_line(proc, limit_s=60):
    """The next line of @proc's stdout, waiting at most @limit_s."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline()
        assert proc.poll() is None, f"{proc.args[0]} exited with {proc.returncode}"
    raise AssertionError(f"no line from {proc.args} in {limit_s} s")


def stop(proc, who):
    """Ends a server started with Popen (SIGINT, as Ctrl-C) and returns its
    remaining output, checked clean."""
    if proc.poll() is None:
        proc.send_signal(2)
    out, err = proc.communicate(timeout=30)
    assert_clean(out + err, who)
    return out + err
