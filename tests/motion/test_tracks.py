#!/usr/bin/python3
"""uniformerinfer region-mode=meta (issue #17, actions per person) on the
shipped motion model: held-out multi-object clips (tools/motionclips multi,
base seed 9001: clips 0-4 of four objects, clip 1 of three, clip 3 of two,
2 s at 320x240: 25 objects, 2 or 3 of every class) played through the region source (one GstVideoRegionOfInterestMeta
per object, its id the track id) into

  uniformerinfer region-mode=meta late-windows=wait smoothing=1 top-k=1
                 threshold=0 post-messages=true ! fakesink

- every "uniformer" message carries the fields of a frame-mode one plus
  track-id (int) of an object of its clip, region-x/y/width/height (uint)
  equal to that object's box, and region-type "object"; every object gets
  a window;
- per-track top-1 is at least 0.9 x the whole-frame top-1 of the same
  objects' scenes rendered as single-object clips (filesrc ! decodebin !
  uniformerinfer, tools/uniformer-motion-accuracy's pipeline mode);
- a track filtered out by region-type, one never seen and one seen from
  frame 15 on, one whose box is pushed half out of the frame.

Needs the built plugin on GST_PLUGIN_PATH (meson test motion-tracks sets it):
  GST_PLUGIN_PATH=build/gst-plugin GST_REGISTRY=/tmp/uf-registry.bin \\
      /usr/bin/python3 tests/motion/test_tracks.py
"""
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import time
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TOOL = os.path.join(ROOT, "tools", "uniformer-motion-accuracy")
sys.path.insert(0, os.path.join(ROOT, "tools"))

from motionclips.regions import Drop, Shift  # noqa: E402
from motionclips.video import Gst  # noqa: E402
from gi.repository import GObject  # noqa: E402


def load_tool():
    loader = importlib.machinery.SourceFileLoader("uniformer_motion_accuracy", TOOL)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


acc = load_tool()

SETS = ((4, 0, 5), (3, 1, 1), (2, 3, 1))    # (objects a clip, first clip, clips)
COMMON = ["--seed", "9001", "--duration", "2", "--size", "320x240", "--mode", "tracks,pipeline"]
RATIO = 0.9
FIELDS = {"track-id": GObject.TYPE_INT, "region-x": GObject.TYPE_UINT,
          "region-y": GObject.TYPE_UINT, "region-width": GObject.TYPE_UINT,
          "region-height": GObject.TYPE_UINT, "region-type": GObject.TYPE_STRING,
          "window-start": GObject.TYPE_UINT64, "window-end": GObject.TYPE_UINT64,
          "timestamp": GObject.TYPE_UINT64, "frames": GObject.TYPE_UINT,
          "model": GObject.TYPE_STRING}
LISTS = ("labels", "class-ids", "scores")


def has_region_mode():
    infer = Gst.ElementFactory.make("uniformerinfer", None)
    return infer is not None and infer.find_property("region-mode") is not None


class Tracks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not has_region_mode():
            raise AssertionError("uniformerinfer (GST_PLUGIN_PATH=%s) is missing or has no "
                                 "region-mode property" % os.environ.get("GST_PLUGIN_PATH"))
        cls.tmp = tempfile.TemporaryDirectory()
        t = time.time()
        cls.multi, cls.singles, cls.args = [], [], None
        for objects, first, clips in SETS:
            args = acc.parse_args(COMMON + ["--objects", str(objects), "--clips", str(clips)])
            out = os.path.join(cls.tmp.name, f"objects{objects}")
            os.makedirs(out)
            multi = acc.make_multi_clips(out, args, first)
            cls.multi += multi
            cls.singles += acc.make_object_clips(out, multi, args)
            cls.args = cls.args or args
        print(f"rendered {len(cls.multi)} multi-object clips and {len(cls.singles)} "
              f"whole-frame clips in {time.time() - t:.0f} s", flush=True)
        t = time.time()
        cls.records, cls.windows = acc.tracks_predictions(cls.multi, cls.args)
        cls.tracks_s = time.time() - t

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_messages_name_their_object(self):
        self.assertTrue(self.records)
        truth = {(mp4, t.track_id): t for mp4, _, clip in self.multi for t in clip.objects}
        for r in self.records:
            s = r["message"]
            where = f"{os.path.basename(r['clip'])}: {s.to_string()}"
            for name, gtype in FIELDS.items():
                self.assertTrue(s.has_field(name), f"no {name}: {where}")
                self.assertEqual(s.get_field_type(name), gtype, f"{name}: {where}")
            for name in LISTS:
                self.assertEqual(len(list(s.get_value(name))), 1, f"{name} (top-k=1): {where}")
            self.assertIn((r["clip"], r["track"]), truth, f"not a track of the clip: {where}")
            tile = truth[(r["clip"], r["track"])]
            self.assertEqual(r["box"], tile.box, f"not track {r['track']}'s box: {where}")
            self.assertEqual(r["type"], "object", where)
            self.assertLessEqual(s.get_value("window-end"), 2 * Gst.SECOND, where)
        silent = [k for k, v in self.windows.items() if v == 0]
        self.assertEqual(silent, [], "objects without a window")
        self.assertEqual(len(self.windows), sum(o * c for o, _, c in SETS))

    def test_top1_per_track_near_whole_frame(self):
        pairs = [(r["label"], r["pred"]) for r in self.records if r["label"] is not None]
        tracks = acc.report("tracks (region-mode=meta)", pairs, self.tracks_s)
        t = time.time()
        whole = acc.report("pipeline (whole frame, the same objects)",
                           acc.pipeline_predictions(self.singles, self.args), time.time() - t)
        print(f"per-track / whole-frame top-1: {tracks:.3f} / {whole:.3f}", flush=True)
        self.assertGreaterEqual(whole, 0.8, "the model itself is off")
        self.assertGreaterEqual(tracks, RATIO * whole)

    def test_track_behaviour(self):
        """On the three-object clip: track 1 typed "person" and region-type=object
        (never classified), track 2 unseen on frames 0..14, track 3's box half
        out of the frame on the right."""
        mp4, js, clip = next(m for m in self.multi if len(m[2].objects) == 3)
        x, y, w, h = clip.objects[2].box
        dx = clip.width - x - w // 2
        tail = acc.TRACKS_TAIL.replace("region-mode=meta", "region-mode=meta region-type=object")
        records, _ = acc.tracks_predictions(
            [(mp4, js, clip)], self.args, tail, types={1: "person"},
            drops=[Drop(2, 0, 14)], shifts=[Shift(3, dx, 0)])
        by_track = {}
        for r in records:
            by_track.setdefault(r["track"], []).append(r)
        with self.subTest("region-type filters"):
            self.assertNotIn(1, by_track)
        with self.subTest("a track seen from frame 15"):
            self.assertIn(2, by_track)
            first = Gst.util_uint64_scale(15, Gst.SECOND, 30)
            for r in by_track.get(2, []):
                self.assertGreaterEqual(r["message"].get_value("window-start"), first,
                                        r["message"].to_string())
        with self.subTest("a box half outside"):
            self.assertIn(3, by_track)
            for r in by_track.get(3, []):
                # the box as given, or cut to the frame
                self.assertIn(r["box"], ((x + dx, y, w, h), (x + dx, y, clip.width - x - dx, h)),
                              r["message"].to_string())
        self.assertEqual(set(by_track) - {2, 3}, set())


if __name__ == "__main__":
    unittest.main(verbosity=2)
