#!/usr/bin/python3
"""tools/motionclips: determinism, every class, the object inside the centre
square, label maps of mirrors and time reversal, the engine's preprocessing,
H.264 round trip, the CLI's outputs and errors."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from motionclips import CLASSES, render_frames, sample_scene, window_times  # noqa: E402
from motionclips.classes import HFLIP, REVERSE, VFLIP, parse_classes  # noqa: E402
from motionclips.clips import clip_scene, sequence_scenes, window_frames  # noqa: E402
from motionclips.preprocess import resize_crop  # noqa: E402
from motionclips.render import object_box  # noqa: E402
from motionclips.scene import clip_rng  # noqa: E402

CLI = os.path.join(TOOLS, "uniformer-motion-clips")
ALL = tuple(range(len(CLASSES)))


def read(path):
    with open(path) as f:
        return f.read()


def window(seed, index, size=(160, 120)):
    scene, rng = clip_scene(seed, index, ALL, window_times()[-1])
    return scene, window_frames(scene, rng, size[0], size[1], 8, 4)


class Determinism(unittest.TestCase):
    def test_same_seed_same_bytes(self):
        for i in range(len(CLASSES)):
            self.assertEqual(window(11, i)[1].tobytes(), window(11, i)[1].tobytes())

    def test_other_seed_or_index_differs(self):
        a = window(11, 3)[1]
        self.assertNotEqual(a.tobytes(), window(12, 3)[1].tobytes())
        self.assertNotEqual(a.tobytes(), window(11, 12)[1].tobytes())

    def test_frames_change_over_time_unless_still(self):
        for i in range(len(CLASSES) - 1):  # the last, standing still, may have no noise
            scene, frames = window(5, i)
            diff = np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean()
            self.assertGreater(diff, 0.1, CLASSES[i])

    def test_plain_scene_keeps_motion_drops_clutter(self):
        for i in range(len(CLASSES)):
            full = sample_scene(clip_rng(6, i), i, 1.0)
            plain = sample_scene(clip_rng(6, i), i, 1.0, plain=True)
            t = np.array([0.0, 0.5, 1.0])
            np.testing.assert_array_equal(full.centre(t), plain.centre(t))
            np.testing.assert_array_equal(full.size(t), plain.size(t))
            np.testing.assert_array_equal(full.bg_colour, plain.bg_colour)
            self.assertEqual((plain.distractors, len(plain.bg_waves), plain.noise), ([], 0, 0.0))
            self.assertFalse(plain.shake[:, 0].any() or plain.flicker[0])


class Classes(unittest.TestCase):
    def test_every_class_in_order(self):
        labels = [clip_scene(3, i, ALL, 1.0)[0].label for i in range(2 * len(CLASSES))]
        self.assertEqual(labels, list(ALL) * 2)

    def test_subset(self):
        sub = parse_classes("growing,0,moving-up")
        self.assertEqual(sub, (6, 0, 2))
        self.assertEqual([clip_scene(3, i, sub, 1.0)[0].label for i in range(4)], [6, 0, 2, 6])
        with self.assertRaisesRegex(ValueError, "unknown class 'jumping'"):
            parse_classes("jumping")

    def test_motion_matches_class(self):
        t = np.array([0.0, 1.0])
        for i, name in enumerate(CLASSES):
            s = sample_scene(clip_rng(8, i), i, 1.0)
            (x0, y0), (x1, y1) = s.centre(t)
            a0, a1 = s.angle(t)
            r0, r1 = s.size(t)
            moved = {"moving left": x1 < x0, "moving right": x1 > x0, "moving up": y1 < y0,
                     "moving down": y1 > y0, "rotating clockwise": a1 > a0,
                     "rotating counter-clockwise": a1 < a0, "growing": r1 > r0,
                     "shrinking": r1 < r0, "standing still": True}
            self.assertTrue(moved[name], name)
            still = name == "standing still" or name.startswith("rotating")
            if still:
                self.assertEqual((x0, y0, r0), (x1, y1, r1), name)

    def test_mirror_and_reverse_maps_are_involutions(self):
        for perm in (HFLIP, VFLIP, REVERSE):
            self.assertEqual(sorted(perm), list(ALL))
            self.assertEqual([perm[perm[i]] for i in ALL], list(ALL))
        self.assertEqual(CLASSES[REVERSE[CLASSES.index("growing")]], "shrinking")
        self.assertEqual(CLASSES[HFLIP[CLASSES.index("moving left")]], "moving right")


class CentreSquare(unittest.TestCase):
    def test_object_stays_inside(self):
        for duration in (window_times()[-1], 2.0, 3.0, 6.0):
            for i in range(60):
                scene = sample_scene(clip_rng(21, i), i % len(CLASSES), duration)
                box = object_box(scene, np.linspace(0, duration, 31))
                self.assertTrue((box >= 0).all() and (box <= 1).all(),
                                f"{CLASSES[scene.label]} {duration} s leaves: {box.min()} {box.max()}")

    def test_sequence_segments_stay_inside(self):
        scenes, truth, _ = sequence_scenes(4, ALL, 3.0)
        self.assertEqual([t[0] for t in truth], list(CLASSES))
        self.assertEqual(truth[-1][2], 27.0)
        for scene, seconds in scenes:
            box = object_box(scene, np.linspace(0, seconds, 31))
            self.assertTrue((box >= 0).all() and (box <= 1).all(), CLASSES[scene.label])
            self.assertIs(scene.distractors, scenes[0][0].distractors)  # one room

    def test_object_pixels_inside_square(self):
        """The rendered object itself: pixels that differ between a clip and the
        same clip without the object lie in the centre square."""
        for i in range(len(CLASSES)):
            scene, _ = clip_scene(2, i, ALL, 1.0)
            scene.noise, scene.flicker[0] = 0.0, 0.0
            t = np.linspace(0, 1.0, 5)
            full = render_frames(scene, t, 160, 120, None).astype(int)
            scene.obj.colour1 = scene.obj.colour2 = scene.bg_colour * 0 + 2.0  # clipped to white
            white = render_frames(scene, t, 160, 120, None).astype(int)
            changed = np.abs(full - white).sum(-1).sum(0) > 0
            cols = np.nonzero(changed.any(0))[0]
            self.assertTrue(len(cols) > 0)
            self.assertGreaterEqual(cols.min(), 20)
            self.assertLess(cols.max(), 140)


class Preprocess(unittest.TestCase):
    def test_matches_torch_interpolate(self):
        try:
            import torch
            import torch.nn.functional as F
        except ImportError:
            self.skipTest("python3-torch missing")
        x = np.random.default_rng(0).integers(0, 256, (2, 240, 320, 3)).astype(np.uint8)
        ref = F.interpolate(torch.tensor(x).permute(0, 3, 1, 2).float(), size=(64, 85),
                            mode="bilinear", align_corners=False)[..., 11:75]
        got = resize_crop(x, 64)
        self.assertLess(np.abs(got - ref.permute(0, 2, 3, 1).numpy()).max(), 1e-3)


class Video(unittest.TestCase):
    def test_h264_round_trip(self):
        from motionclips.clips import frame_chunks
        from motionclips.video import read_video, write_mp4
        scene, rng = clip_scene(6, 0, ALL, 1.0)
        frames = np.concatenate(list(frame_chunks([(scene, 1.0)], 160, 120, rng)))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.mp4")
            self.assertEqual(write_mp4(path, iter([frames]), 160, 120, bitrate_kbps=2000), 30)
            back, pts = read_video(path)
        self.assertEqual(back.shape, (30, 120, 160, 3))
        self.assertAlmostEqual(int(pts[1] - pts[0]), 33333333, delta=1)  # 30 fps
        self.assertLess(np.abs(back.astype(int) - frames.astype(int)).mean(), 8)

    def test_bad_frames_rejected(self):
        from motionclips.video import VideoError, write_mp4
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(VideoError, "uint8"):
                write_mp4(os.path.join(tmp, "b.mp4"), iter([np.zeros((2, 10, 10, 3))]), 16, 16)


class Cli(unittest.TestCase):
    def run_cli(self, *args):
        return subprocess.run([sys.executable, CLI, *args], capture_output=True, text=True)

    def test_help_lists_classes(self):
        r = self.run_cli("--help")
        self.assertEqual(r.returncode, 0)
        for name in CLASSES:
            self.assertIn(name, r.stdout)

    def test_npy_and_tensor_outputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = self.run_cli("clips", "--seed", "9", "--count", "3", "--format", "npy",
                             "--size", "128x96", "--out", tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = [line.split("\t") for line in read(os.path.join(tmp, "labels.tsv")).splitlines()]
            self.assertEqual([int(r[1]) for r in rows], [0, 1, 2])
            a = np.load(os.path.join(tmp, rows[1][0]))
            self.assertEqual((a.shape, a.dtype), ((8, 96, 128, 3), np.uint8))
            self.assertEqual(a.tobytes(), window(9, 1, (128, 96))[1].tobytes())
            r = self.run_cli("clips", "--seed", "9", "--count", "1", "--format", "tensor",
                             "--crop", "64", "--out", tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            t = np.load(os.path.join(tmp, rows[0][0]))
            self.assertEqual((t.shape, t.dtype), ((1, 3, 8, 64, 64), np.float32))

    def test_sequence(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "demo.mp4")
            r = self.run_cli("sequence", "--seed", "1", "--classes", "growing,moving-left",
                             "--segment", "1", "--size", "160x120", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(os.path.getsize(out), 1000)
            self.assertEqual(read(os.path.join(tmp, "demo.tsv")),
                             "class\tstart_s\tend_s\ngrowing\t0\t1\nmoving left\t1\t2\n")

    def test_bad_input(self):
        for args, message in ((("clips", "--out", "x", "--classes", "jumping"), "unknown class"),
                              (("clips", "--out", "x", "--size", "big"), "WIDTHxHEIGHT"),
                              (("clips", "--out", "x", "--count", "0"), "must be > 0")):
            r = self.run_cli(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)
        r = self.run_cli("sequence", "--out", "/nonexistent/dir/a.mp4", "--segment", "0.1",
                         "--size", "64x48")
        self.assertEqual(r.returncode, 1)
        self.assertIn("uniformer-motion-clips: error:", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
