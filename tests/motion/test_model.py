#!/usr/bin/python3
"""The shipped model (models/uniformer-motion.safetensors): it loads in the
engine, its metadata is what the generator and training assume, and it
classifies held-out clips (seeds never used in training) correctly after an
H.264 round trip, through uniformer-classify on lavapipe with validation on."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
from motionclips import CLASSES  # noqa: E402
from motionclips.clips import clip_scene, frame_chunks  # noqa: E402
from motionclips.preprocess import model_input  # noqa: E402
from motionclips.video import read_video, write_mp4  # noqa: E402
from ufconvert import safetensors  # noqa: E402

MODEL = os.path.join(ROOT, "models", "uniformer-motion.safetensors")
CLASSIFY = os.environ.get("UF_CLASSIFY")
HELD_OUT_SEED = 4242  # training used base seeds 1, 2, 7, 8 and 1001


def metadata():
    return safetensors.read(MODEL)[1]


class ShippedModel(unittest.TestCase):
    def test_metadata(self):
        m = metadata()
        self.assertEqual(json.loads(m["labels"]), list(CLASSES))
        self.assertEqual((m["frames"], m["sampling_rate"], m["source_fps"]), ("8", "4", "30"))
        self.assertEqual(m["name"], "uniformer-motion")
        self.assertLess(os.path.getsize(MODEL), 8 << 20)

    @unittest.skipUnless(CLASSIFY, "UF_CLASSIFY (uniformer-classify) not set")
    def test_classifies_held_out_clips(self):
        m = metadata()
        all_classes = tuple(range(len(CLASSES)))
        correct = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in all_classes:
                scene, rng = clip_scene(HELD_OUT_SEED, i, all_classes, 1.0)
                path = os.path.join(tmp, f"{i}.mp4")
                write_mp4(path, frame_chunks([(scene, 1.0)], 320, 240, rng), 320, 240)
                frames, _ = read_video(path)
                np.save(os.path.join(tmp, "x.npy"), model_input(frames[0:29:4], m))
                r = subprocess.run([CLASSIFY, "--model", MODEL, "--input-npy",
                                    os.path.join(tmp, "x.npy"), "--logits-npy",
                                    os.path.join(tmp, "y.npy")], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                pred = int(np.load(os.path.join(tmp, "y.npy")).reshape(-1).argmax())
                print(f"{CLASSES[i]:28s} -> {CLASSES[pred]}", flush=True)
                correct.append(pred == i)
        self.assertGreaterEqual(sum(correct), 8, f"{sum(correct)}/9 held-out clips right")


if __name__ == "__main__":
    unittest.main(verbosity=2)
