"""H.264 MP4 files through GStreamer (python3-gst-1.0): writing rendered frames
and decoding files back to RGB arrays."""
import numpy as np

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)


class VideoError(RuntimeError):
    pass


def _error_text(msg, what):
    err, debug = msg.parse_error()
    return f"{what}: {err.message} ({debug})"


def write_mp4(path, chunks, width, height, fps=30, bitrate_kbps=800):
    """Encodes the uint8 [F,height,width,3] arrays yielded by @chunks, in order,
    to an H.264 MP4 at @fps; returns the number of frames written."""
    what = f"writing {path}"
    pipeline = Gst.parse_launch(
        f"appsrc name=src format=time is-live=false block=false max-bytes={4 << 20} "
        f"caps=video/x-raw,format=RGB,width={width},height={height},framerate={fps}/1 "
        f"! videoconvert ! x264enc bitrate={bitrate_kbps} speed-preset=faster "
        f"! video/x-h264,profile=high ! mp4mux ! filesink name=sink")
    pipeline.get_by_name("sink").set_property("location", str(path))
    src = pipeline.get_by_name("src")
    bus = pipeline.get_bus()
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            raise VideoError(_error_text(msg, what) if msg else f"{what}: cannot start")
        n = 0
        for chunk in chunks:
            if chunk.shape[1:] != (height, width, 3) or chunk.dtype != np.uint8:
                raise VideoError(f"frames must be uint8 [F,{height},{width},3], got "
                                 f"{chunk.dtype} {list(chunk.shape)}")
            for frame in chunk:
                # Non-blocking push with our own back-pressure, so that an error
                # downstream ends the loop instead of blocking it forever.
                while src.get_property("current-level-bytes") >= (4 << 20):
                    msg = bus.timed_pop_filtered(10 * Gst.MSECOND, Gst.MessageType.ERROR)
                    if msg:
                        raise VideoError(_error_text(msg, what))
                buf = Gst.Buffer.new_wrapped(np.ascontiguousarray(frame).tobytes())
                buf.pts = Gst.util_uint64_scale(n, Gst.SECOND, fps)
                buf.duration = Gst.util_uint64_scale(n + 1, Gst.SECOND, fps) - buf.pts
                if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                    break
                n += 1
        src.emit("end-of-stream")
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg.type == Gst.MessageType.ERROR:
            raise VideoError(_error_text(msg, what))
        return n
    finally:
        pipeline.set_state(Gst.State.NULL)


def read_video(path):
    """Decodes a video file to (uint8 [F,H,W,3] RGB frames, their PTS in ns)."""
    what = f"reading {path}"
    pipeline = Gst.parse_launch(
        "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGB "
        "! appsink name=sink sync=false emit-signals=false max-buffers=8")
    pipeline.get_by_name("src").set_property("location", str(path))
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    frames, pts = [], []
    try:
        pipeline.set_state(Gst.State.PLAYING)
        while not sink.get_property("eos"):
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg:
                raise VideoError(_error_text(msg, what))
            sample = sink.emit("try-pull-sample", 50 * Gst.MSECOND)
            if sample is None:
                continue
            s = sample.get_caps().get_structure(0)
            w, h = s.get_value("width"), s.get_value("height")
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            try:
                stride = info.size // h
                rows = np.frombuffer(info.data, np.uint8)[:stride * h].reshape(h, stride)
                frames.append(rows[:, :w * 3].reshape(h, w, 3).copy())
            finally:
                buf.unmap(info)
            pts.append(buf.pts)
    finally:
        pipeline.set_state(Gst.State.NULL)
    if not frames:
        raise VideoError(f"{path}: no video frames decoded")
    return np.stack(frames), np.array(pts, dtype=np.uint64)
