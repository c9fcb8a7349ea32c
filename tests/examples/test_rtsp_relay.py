"""examples/rtsp-relay end to end on loopback: a stand-in camera
(rtsp_source.py, one flat colour) -> rtsp-relay (--port 0) -> a client
(rtspsrc ! decodebin ! appsink). The client must see the camera's colour,
and, once the first window is classified, the relay's overlay box: pixels in
the box's corner that differ from the camera's colour (and none before)."""
import os
import re
import subprocess
import sys
import time

import gi
import numpy as np

from example_checks import MODEL, PYTHON, example, read_line, stop

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RELAY = example("rtsp-relay")
# rtsp_source.py's ARGB 0xff2850c8 in BT.601 limited-range luma
SOURCE_LUMA = round(16 + (65.481 * 0x28 + 128.553 * 0x50 + 24.966 * 0xc8) / 255)
BOX_PIXELS = 1000               # the box of 5 rows is far larger on 320x240
WANT_BOX_FRAMES = 5
CLIENT_LIMIT_S = 120            # a guard against hangs only


def luma(sample):
    caps = sample.get_caps().get_structure(0)
    width, height = caps.get_value("width"), caps.get_value("height")
    stride = (width + 3) & ~3   # GRAY8 rows are 4-byte aligned
    ok, info = sample.get_buffer().map(Gst.MapFlags.READ)
    assert ok
    try:
        return np.frombuffer(info.data, np.uint8)[:stride * height].reshape(
            height, stride)[:, :width].astype(np.int16)
    finally:
        sample.get_buffer().unmap(info)


def box_pixels(y):
    """Pixels of the top-left quarter (where the box is drawn) that differ
    from the colour of the bottom-right quarter (which it never reaches)."""
    h, w = y.shape
    background = int(np.median(y[h // 2:, w // 2:]))
    assert abs(background - SOURCE_LUMA) <= 8, (background, SOURCE_LUMA)
    return int(np.count_nonzero(np.abs(y[:h // 2, :w // 2] - background) > 40))


def watch(url):
    """Frames seen and frames with the box, reading @url."""
    pipeline = Gst.parse_launch(
        f"rtspsrc location={url} latency=100 ! decodebin ! videoconvert ! "
        "video/x-raw,format=GRAY8 ! appsink name=sink sync=false max-buffers=30 drop=true")
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    frames = boxed = 0
    deadline = time.monotonic() + CLIENT_LIMIT_S
    try:
        while boxed < WANT_BOX_FRAMES and time.monotonic() < deadline:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            assert msg is None, msg.parse_error()
            sample = sink.emit("try-pull-sample", Gst.SECOND)
            if sample is None:
                continue
            frames += 1
            boxed += box_pixels(luma(sample)) >= BOX_PIXELS
    finally:
        pipeline.set_state(Gst.State.NULL)
    return frames, boxed


def main():
    Gst.init(None)
    source = subprocess.Popen([PYTHON, os.path.join(HERE, "rtsp_source.py")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    relay = None
    try:
        camera = read_line(source).strip()
        assert re.fullmatch(r"rtsp://127\.0\.0\.1:\d+/camera", camera), camera
        relay = subprocess.Popen([RELAY, "--port", "0", "--model", MODEL, camera],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        m = re.search(r"at (rtsp://127\.0\.0\.1:\d+/labels)$", read_line(relay).strip())
        assert m, "rtsp-relay did not print its address"
        frames, boxed = watch(m.group(1))
    finally:
        relay_output = stop(relay, "rtsp-relay") if relay else ""
        stop(source, "rtsp_source.py")
    assert boxed >= WANT_BOX_FRAMES, (frames, boxed, relay_output)
    # the first second of frames came before any classification: no box yet
    assert boxed < frames, (frames, boxed)
    assert "a client connected, reading " + camera in relay_output, relay_output
    print(f"ok: {boxed} of {frames} relayed frames show the overlay")
    return 0


if __name__ == "__main__":
    sys.exit(main())
