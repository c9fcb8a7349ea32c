#!/usr/bin/python3
"""tools/motionclips multi-object clips and the region source, without the
plugin: the tile grid (inside the frame, disjoint, covering it), determinism
by (seed, index), every tile exactly the single-object scene of its seed, the
ground truth JSON (one box per frame per object), the CLI's multi command,
and tools/uniformer-region-source into a fakesink: one ROI meta per object
on every buffer with the track id as its id and the object's box, PTS at the
clip's fps, drops, shifts and type names."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from motionclips import CLASSES  # noqa: E402
from motionclips.clips import frame_chunks  # noqa: E402
from motionclips.multi import (grid, multi_chunks, multi_clip, object_scene,  # noqa: E402
                               single_chunks, tile_boxes, truth, write_multi)
from motionclips.regions import (Drop, RegionSource, Shift, frame_regions,  # noqa: E402
                                 parse_drop, parse_shift, read_regions)
from motionclips.render import object_box  # noqa: E402
from motionclips.video import Gst  # noqa: E402

CLI = os.path.join(TOOLS, "uniformer-motion-clips")
SOURCE = os.path.join(TOOLS, "uniformer-region-source")
ALL = tuple(range(len(CLASSES)))


def frames_of(clip):
    return np.concatenate(list(multi_chunks(clip)))


def disjoint(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay


class Grid(unittest.TestCase):
    def test_layouts(self):
        self.assertEqual(grid(2, 320, 240), (2, 1))
        self.assertEqual(grid(2, 240, 320), (1, 2))
        self.assertEqual(grid(2, 640, 160), (2, 1))
        for n in (3, 4):
            self.assertEqual(grid(n, 320, 240), (2, 2))
        for n in (1, 5):
            with self.assertRaisesRegex(ValueError, "objects must be 2..4"):
                grid(n, 320, 240)
        with self.assertRaisesRegex(ValueError, "too small"):
            grid(4, 40, 30)

    def test_boxes_inside_disjoint_covering(self):
        for size in ((320, 240), (240, 320), (161, 97), (64, 48)):
            for n in (2, 3, 4):
                clip = multi_clip(3, 1, n, size[0], size[1], 0.5)
                boxes = [t.box for t in clip.tiles]
                self.assertEqual(len(clip.objects), n)
                self.assertEqual(len(boxes), 2 if n == 2 else 4)
                self.assertEqual(sum(w * h for _, _, w, h in boxes), size[0] * size[1])
                for i, (x, y, w, h) in enumerate(boxes):
                    self.assertTrue(x >= 0 and y >= 0 and w > 0 and h > 0)
                    self.assertTrue(x + w <= size[0] and y + h <= size[1], (size, n, boxes))
                    for other in boxes[i + 1:]:
                        self.assertTrue(disjoint(boxes[i], other), (size, n, boxes))
        self.assertEqual(tile_boxes(2, 2, 320, 240),
                         [(0, 0, 160, 120), (160, 0, 160, 120), (0, 120, 160, 120), (160, 120, 160, 120)])

    def test_objects_stay_in_their_tiles_centre_square(self):
        for i in range(12):
            clip = multi_clip(21, i, 4, 320, 240, 2.0)
            for tile in clip.objects:
                box = object_box(tile.scene, np.linspace(0, 2.0, 31))
                self.assertTrue((box >= 0).all() and (box <= 1).all(), CLASSES[tile.label])
            for tile in clip.empty:
                self.assertTrue((object_box(tile.scene, np.array([0.0, 2.0])) < -5).all())


class Determinism(unittest.TestCase):
    def test_same_seed_and_index_same_bytes(self):
        a, b = multi_clip(11, 2, 4, 160, 120, 0.5), multi_clip(11, 2, 4, 160, 120, 0.5)
        fa = frames_of(a)
        self.assertEqual(fa.shape, (15, 120, 160, 3))
        self.assertEqual(fa.tobytes(), frames_of(b).tobytes())
        self.assertEqual(fa.tobytes(), frames_of(a).tobytes())   # rendering twice
        self.assertEqual(truth(a), truth(b))

    def test_other_seed_or_index_differs(self):
        a = frames_of(multi_clip(11, 2, 3, 160, 120, 0.3))
        self.assertNotEqual(a.tobytes(), frames_of(multi_clip(12, 2, 3, 160, 120, 0.3)).tobytes())
        self.assertNotEqual(a.tobytes(), frames_of(multi_clip(11, 3, 3, 160, 120, 0.3)).tobytes())

    def test_classes_go_round(self):
        labels = [t.label for i in range(5) for t in multi_clip(4, i, 4, 160, 120, 0.5).objects]
        self.assertEqual(labels, [k % len(CLASSES) for k in range(20)])
        sub = (6, 0, 2)
        labels = [t.label for i in range(2) for t in multi_clip(4, i, 2, 160, 120, 0.5, sub).objects]
        self.assertEqual(labels, [6, 0, 2, 6])
        ids = [t.track_id for t in multi_clip(4, 0, 3, 160, 120, 0.5).objects]
        self.assertEqual(ids, [1, 2, 3])

    def test_layout_varies(self):
        first = {multi_clip(5, i, 4, 160, 120, 0.5).objects[0].box for i in range(12)}
        self.assertGreater(len(first), 1)


class Tiles(unittest.TestCase):
    def test_tile_is_its_single_object_scene(self):
        """Each object's tile equals its scene rendered alone at the tile's
        size from the documented seed (default_rng([seed, index, k + 1]))."""
        for n, size in ((4, (160, 120)), (2, (160, 120)), (3, (96, 128))):
            clip = multi_clip(7, 5, n, size[0], size[1], 1.2)   # 36 frames: two chunks
            frames = frames_of(clip)
            for k, tile in enumerate(clip.objects):
                x, y, w, h = tile.box
                scene, rng = object_scene(7, 5, k, tile.label, 1.2)
                alone = np.concatenate(list(frame_chunks([(scene, 1.2)], w, h, rng)))
                np.testing.assert_array_equal(frames[:, y:y + h, x:x + w], alone,
                                              f"{n} objects, track {tile.track_id}")
            for tile in clip.empty:   # a background without the object differs from none
                x, y, w, h = tile.box
                self.assertGreater(frames[:, y:y + h, x:x + w].std(), 0)

    def test_single_chunks_is_the_scene_whole_frame(self):
        clip = multi_clip(7, 1, 4, 160, 120, 0.5)
        tile = clip.objects[2]
        scene, rng = object_scene(7, 1, 2, tile.label, 0.5)
        np.testing.assert_array_equal(np.concatenate(list(single_chunks(tile, 320, 240))),
                                      np.concatenate(list(frame_chunks([(scene, 0.5)], 320, 240, rng))))


class Files(unittest.TestCase):
    def check_truth(self, data, clip):
        self.assertEqual({k: data[k] for k in ("width", "height", "fps", "frames")},
                         {"width": clip.width, "height": clip.height, "fps": 30,
                          "frames": clip.frames})
        self.assertEqual([o["id"] for o in data["objects"]], list(range(1, len(clip.objects) + 1)))
        for o, tile in zip(data["objects"], clip.objects):
            self.assertEqual((o["class_id"], o["motion"]), (tile.label, CLASSES[tile.label]))
            self.assertEqual(len(o["boxes"]), clip.frames)
            self.assertTrue(all(b == list(tile.box) for b in o["boxes"]))

    def test_write_multi(self):
        from motionclips.video import read_video
        clip = multi_clip(9, 0, 3, 160, 120, 0.5)
        with tempfile.TemporaryDirectory() as tmp:
            mp4, js = os.path.join(tmp, "a.mp4"), os.path.join(tmp, "a.json")
            self.assertEqual(write_multi(mp4, js, clip, bitrate_kbps=2000), 15)
            with open(js) as f:
                self.check_truth(json.load(f), clip)
            back, pts = read_video(mp4)
        self.assertEqual(back.shape, (15, 120, 160, 3))
        self.assertLess(np.abs(back.astype(int) - frames_of(clip).astype(int)).mean(), 8)

    def test_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, CLI, "multi", "--objects", "2", "--count", "2",
                                "--seed", "9", "--size", "128x96", "--duration", "0.4",
                                "--out", tmp], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sorted(os.listdir(tmp)), ["clip0000.json", "clip0000.mp4",
                                                       "clip0001.json", "clip0001.mp4"])
            with open(os.path.join(tmp, "clip0001.json")) as f:
                self.check_truth(json.load(f), multi_clip(9, 1, 2, 128, 96, 0.4))
            self.assertGreater(os.path.getsize(os.path.join(tmp, "clip0001.mp4")), 1000)
        for args, message in ((("--objects", "5"), "must be 2..4"),
                              (("--objects", "4", "--size", "32x24"), "too small")):
            r = subprocess.run([sys.executable, CLI, "multi", "--out", "/nonexistent/x", *args],
                               capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(message, r.stderr)


class Regions(unittest.TestCase):
    TRUTH = {"width": 100, "height": 80, "fps": 30, "frames": 3,
             "objects": [{"id": 1, "boxes": [[0, 0, 50, 40]] * 3},
                         {"id": 4, "boxes": [[50, 40, 50, 40]] * 3}]}

    def test_parse(self):
        self.assertEqual(parse_drop("2"), Drop(2, 0, None))
        self.assertEqual(parse_drop("2:5-9"), Drop(2, 5, 9))
        self.assertEqual(parse_drop("2:5-"), Drop(2, 5, None))
        self.assertEqual(parse_drop("2:5"), Drop(2, 5, 5))
        self.assertEqual(parse_shift("3:-10,20"), Shift(3, -10, 20, 0, None))
        self.assertEqual(parse_shift("3:10,0:4-6"), Shift(3, 10, 0, 4, 6))
        for bad in ("x", "2:9-5", "2:a-b"):
            self.assertRaises(ValueError, parse_drop, bad)
        for bad in ("3", "3:10", "3:1,2:x", "3:1,2:3:4"):
            self.assertRaises(ValueError, parse_shift, bad)

    def test_frame_regions(self):
        t = self.TRUTH
        self.assertEqual(frame_regions(t, 0), [(1, "object", 0, 0, 50, 40), (4, "object", 50, 40, 50, 40)])
        self.assertEqual(frame_regions(t, 1, drops=[Drop(4, 1, 1)], types={1: "person"}),
                         [(1, "person", 0, 0, 50, 40)])
        # past the right/bottom edge kept, past the left/top one cut, cut to nothing dropped
        self.assertEqual(frame_regions(t, 2, shifts=[Shift(4, 30, 0, 2, None), Shift(1, -20, -50)]),
                         [(4, "object", 80, 40, 50, 40)])
        self.assertEqual(frame_regions(t, 2, shifts=[Shift(1, -20, -10)]),
                         [(1, "object", 0, 0, 30, 30), (4, "object", 50, 40, 50, 40)])


class Source(unittest.TestCase):
    """The region source into fakesink, its buffers seen by a pad probe."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.clip = multi_clip(13, 0, 3, 160, 120, 0.5)
        cls.mp4 = os.path.join(cls.tmp.name, "clip0000.mp4")
        write_multi(cls.mp4, os.path.join(cls.tmp.name, "clip0000.json"), cls.clip)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def play(self, **kw):
        source = RegionSource(self.mp4, tail="identity name=check ! fakesink name=sink sync=false",
                              **kw)
        seen = []

        def probe(pad, info):
            buf = info.get_buffer()
            seen.append((buf.pts, buf.duration, read_regions(buf, range(0, 8))))
            return Gst.PadProbeReturn.OK
        source.element("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
        caps = []
        source.element("check").get_static_pad("src").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM,
            lambda pad, info: (caps.append(info.get_event().parse_caps().to_string())
                               if info.get_event().type == Gst.EventType.CAPS else None)
            or Gst.PadProbeReturn.OK)
        result = source.run(timeout_s=30)
        self.assertEqual(result.frames, 15)
        self.assertEqual(len(seen), 15)
        return seen, caps

    def test_metas_and_ids(self):
        seen, caps = self.play()
        self.assertEqual(len(caps), 1)
        for key in ("format=(string)RGB", "width=(int)160", "height=(int)120", "framerate=(fraction)30/1"):
            self.assertIn(key, caps[0])
        for n, (pts, duration, (found, count)) in enumerate(seen):
            self.assertEqual(pts, Gst.util_uint64_scale(n, Gst.SECOND, 30))
            self.assertEqual(pts + duration, Gst.util_uint64_scale(n + 1, Gst.SECOND, 30))
            self.assertEqual(count, 3)
            self.assertEqual(found, {t.track_id: ("object",) + tuple(t.box) for t in self.clip.objects})

    def test_drop_shift_type(self):
        one, two, three = (t.box for t in self.clip.objects)
        seen, _ = self.play(drops=[Drop(2, 5, 9)], shifts=[Shift(3, 100, 0, 10, None)],
                            types={1: "person"})
        for n, (_, _, (found, count)) in enumerate(seen):
            want = {1: ("person",) + one}
            if not 5 <= n <= 9:
                want[2] = ("object",) + two
            want[3] = ("object", three[0] + (100 if n >= 10 else 0)) + three[1:]
            self.assertEqual((found, count), (want, len(want)), n)

    def test_script(self):
        r = subprocess.run([sys.executable, SOURCE, "--clip", self.mp4, "--drop", "1:0-3",
                            "--print-regions", "!", "fakesink"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], "15 frames, 3 objects, 0 uniformer messages")
        self.assertTrue(lines[0].startswith("frame 0: 2:object:") and " 1:" not in lines[0], lines[0])
        self.assertIn(" 1:object:", lines[4])
        r = subprocess.run([sys.executable, SOURCE, "--clip", self.mp4, "--shift", "1",
                            "!", "fakesink"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--shift wants", r.stderr)
        r = subprocess.run([sys.executable, SOURCE, "--clip", self.mp4, "!", "video/x-raw,format=I420",
                            "!", "fakesink"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not-negotiated", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
