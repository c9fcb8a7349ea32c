"""A region source standing in for a detector and a tracker: plays a clip and
its ground truth (multi.truth, the .json next to a multi clip) through an
appsrc, one GstVideoRegionOfInterestMeta per object on every buffer, its `id`
the object's track id, so that uniformerinfer region-mode=meta can classify
every object on its own.

  source = RegionSource("clip0000.mp4", tail="uniformerinfer region-mode=meta ! fakesink")
  result = source.run()        # pushes every frame, waits for EOS
  result.messages              # the element messages' structures, in bus order

Frames are decoded to RGB (video.read_video) and pushed as fresh buffers with
PTS = n / fps and their duration, caps video/x-raw,format=RGB at the clip's
size and fps.  For tests of tracks that come and go or leave the frame:
Drop(track, first, last) removes a track's region on frames first..last,
Shift(track, dx, dy, first, last) moves its box by (dx, dy) pixels.  The meta's
x and y are unsigned, so a box moved past the left or top edge is cut at the
edge (and a box cut to nothing dropped on that frame); past the right or
bottom edge it is kept as it is, partly or wholly outside the frame.
"""
import dataclasses
import json
import os

import numpy as np

import gi

gi.require_version("GstVideo", "1.0")
from gi.repository import GstVideo  # noqa: E402

from .video import Gst, VideoError, _error_text, read_video  # noqa: E402

DEFAULT_TAIL = "uniformerinfer region-mode=meta ! fakesink"
ROI_TYPE = "object"
QUEUED_FRAMES = 8     # frames queued in the appsrc at most


def _covers(change, track, frame):
    """Whether @change (a Drop or a Shift) applies to @track on @frame."""
    return (track == change.track and frame >= change.first
            and (change.last is None or frame <= change.last))


@dataclasses.dataclass(frozen=True)
class Drop:
    """No region of @track on frames @first..@last (inclusive; None: to the end)."""
    track: int
    first: int = 0
    last: object = None

    def covers(self, track, frame):
        return _covers(self, track, frame)


@dataclasses.dataclass(frozen=True)
class Shift:
    """@track's box moved by (@dx, @dy) pixels on frames @first..@last."""
    track: int
    dx: int
    dy: int
    first: int = 0
    last: object = None

    def covers(self, track, frame):
        return _covers(self, track, frame)


def _frame_range(text):
    """'A-B', 'A-' or 'A' (frame numbers from 0) -> (first, last or None)."""
    a, sep, b = text.partition("-")
    first = int(a) if a else 0
    last = (int(b) if b else None) if sep else first
    if first < 0 or (last is not None and last < first):
        raise ValueError(f"bad frame range {text!r}")
    return first, last


def parse_drop(text):
    """'ID' (all frames), 'ID:A-B', 'ID:A-' or 'ID:A' -> Drop."""
    try:
        track, sep, frames = text.partition(":")
        return Drop(int(track), *(_frame_range(frames) if sep else (0, None)))
    except ValueError:
        raise ValueError(f"--drop wants ID[:FIRST-LAST], got {text!r}") from None


def parse_shift(text):
    """'ID:DX,DY' or 'ID:DX,DY:A-B' -> Shift."""
    try:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ValueError
        dx, dy = (int(v) for v in parts[1].split(","))
        frames = _frame_range(parts[2]) if len(parts) == 3 else (0, None)
        return Shift(int(parts[0]), dx, dy, *frames)
    except ValueError:
        raise ValueError(f"--shift wants ID:DX,DY[:FIRST-LAST], got {text!r}") from None


def load_truth(path):
    with open(path) as f:
        truth = json.load(f)
    for key in ("width", "height", "fps", "frames", "objects"):
        if key not in truth:
            raise ValueError(f"{path}: no {key!r}")
    for obj in truth["objects"]:
        if len(obj.get("boxes", ())) != truth["frames"]:
            raise ValueError(f"{path}: object {obj.get('id')} has {len(obj.get('boxes', ()))} "
                             f"boxes for {truth['frames']} frames")
    return truth


def default_json(clip):
    return os.path.splitext(clip)[0] + ".json"


def frame_regions(truth, frame, drops=(), shifts=(), types=None):
    """The regions of @frame: [(track id, type name, x, y, w, h)] after the
    drops and shifts; @types maps track ids to a type name (default "object")."""
    out = []
    for obj in truth["objects"]:
        track = int(obj["id"])
        if any(d.covers(track, frame) for d in drops):
            continue
        x, y, w, h = (int(v) for v in obj["boxes"][min(frame, len(obj["boxes"]) - 1)])
        for s in shifts:
            if s.covers(track, frame):
                x, y = x + s.dx, y + s.dy
        if x < 0:
            x, w = 0, w + x
        if y < 0:
            y, h = 0, h + y
        if w <= 0 or h <= 0:
            continue
        out.append((track, (types or {}).get(track, ROI_TYPE), x, y, w, h))
    return out


def add_regions(buf, regions):
    """Attaches one ROI meta per region to @buf, its id the track id."""
    for track, kind, x, y, w, h in regions:
        meta = GstVideo.buffer_add_video_region_of_interest_meta(buf, kind, x, y, w, h)
        meta.id = track


def read_regions(buf, tracks):
    """The ROI metas on @buf, looked up by the track ids @tracks (PyGObject
    cannot walk a buffer's metas): ({track: (type, x, y, w, h)}, number of ROI
    metas on the buffer in all)."""
    from gi.repository import GLib
    found = {}
    for track in tracks:
        meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, track)
        if meta is not None:
            found[track] = (GLib.quark_to_string(meta.roi_type), meta.x, meta.y, meta.w, meta.h)
    return found, buf.get_n_meta(GstVideo.video_region_of_interest_meta_api_get_type())


@dataclasses.dataclass
class Result:
    frames: int               # frames pushed
    messages: list            # element messages' Gst.Structures, in bus order
    warnings: list            # warning texts


class RegionSource:
    """appsrc name=regionsrc ! @tail, fed with @clip's frames and regions."""

    def __init__(self, clip, truth=None, tail=DEFAULT_TAIL, drops=(), shifts=(), types=None,
                 frames=None):
        self.truth = truth if isinstance(truth, dict) else load_truth(truth or default_json(clip))
        if frames is None:
            frames, _ = read_video(clip)
        t = self.truth
        if frames.shape[1:] != (t["height"], t["width"], 3):
            raise VideoError(f"{clip}: frames of {frames.shape[2]}x{frames.shape[1]}, "
                             f"its ground truth says {t['width']}x{t['height']}")
        self.frames = frames
        self.fps = int(t["fps"])
        self.drops, self.shifts, self.types = tuple(drops), tuple(shifts), dict(types or {})
        caps = (f"video/x-raw,format=RGB,width={t['width']},height={t['height']},"
                f"framerate={self.fps}/1,pixel-aspect-ratio=1/1")
        frame_bytes = t["width"] * t["height"] * 3
        self.pipeline = Gst.parse_launch(
            f'appsrc name=regionsrc format=time is-live=false block=false '
            f'max-bytes={QUEUED_FRAMES * frame_bytes} caps="{caps}" ! {tail}')
        self.src = self.pipeline.get_by_name("regionsrc")
        self.max_bytes = QUEUED_FRAMES * frame_bytes
        self.what = f"playing {clip}"

    def element(self, name):
        return self.pipeline.get_by_name(name)

    def regions(self, frame):
        return frame_regions(self.truth, frame, self.drops, self.shifts, self.types)

    def _drain(self, bus, result, timeout, until=None):
        """Records the element messages and warnings that come within @timeout
        ns (then the ones already queued); returns the first message of type
        @until if one came, raises VideoError on an ERROR."""
        types = Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.ELEMENT
        if until is not None:
            types |= until
        while True:
            msg = bus.timed_pop_filtered(timeout, types)
            if msg is None:
                return None
            if msg.type == Gst.MessageType.ERROR:
                raise VideoError(_error_text(msg, self.what))
            if msg.type == Gst.MessageType.WARNING:
                err, debug = msg.parse_warning()
                result.warnings.append(f"{err.message} ({debug})")
            elif msg.type == Gst.MessageType.ELEMENT:
                s = msg.get_structure()
                if s is not None:
                    result.messages.append(s.copy())
            else:
                return msg
            timeout = timeout if until is not None else 0

    def run(self, timeout_s=120):
        """Pushes every frame, then EOS, and waits for EOS (at most @timeout_s
        after the last frame went in); raises VideoError on an error."""
        bus = self.pipeline.get_bus()
        result = Result(0, [], [])
        try:
            if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
                self._drain(bus, result, 0)
                raise VideoError(f"{self.what}: the pipeline cannot start")
            for n, frame in enumerate(self.frames):
                # Non-blocking pushes with back-pressure of our own, so that an
                # error downstream ends the loop instead of blocking it forever.
                while self.src.get_property("current-level-bytes") >= self.max_bytes:
                    self._drain(bus, result, 10 * Gst.MSECOND)
                self._drain(bus, result, 0)
                buf = Gst.Buffer.new_wrapped(np.ascontiguousarray(frame).tobytes())
                buf.pts = Gst.util_uint64_scale(n, Gst.SECOND, self.fps)
                buf.duration = Gst.util_uint64_scale(n + 1, Gst.SECOND, self.fps) - buf.pts
                buf.offset = n
                add_regions(buf, self.regions(n))
                if self.src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                    break
                result.frames += 1
            self.src.emit("end-of-stream")
            if self._drain(bus, result, timeout_s * Gst.SECOND, Gst.MessageType.EOS) is None:
                raise VideoError(f"{self.what}: no EOS {timeout_s} s after the last frame")
            return result
        finally:
            self.pipeline.set_state(Gst.State.NULL)


def uniformer_messages(result):
    return [s for s in result.messages if s.get_name() == "uniformer"]
