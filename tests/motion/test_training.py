#!/usr/bin/python3
"""tools/train: the motion-tuned stem initialisation is direction selective,
and a tiny end-to-end run of train_motion.py writes a state_dict that
tools/uniformer-convert turns into a model file uniformer-classify runs.
Exits 77 (skipped) without Debian's python3-torch."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
try:
    import torch
except ImportError:
    sys.exit(77)
from stem_init import COLOURS, motion_stem_init  # noqa: E402
from train_motion import ARCH  # noqa: E402
from uniformer_ref import Uniformer  # noqa: E402

CLASSIFY = os.environ.get("UF_CLASSIFY")


def moving_edge(step):
    """[1,3,T=3,H=4,W=8] a bright-left/dark-right vertical edge moving @step px per frame."""
    x = torch.zeros(1, 3, 3, 4, 8)
    for t in range(3):
        x[0, :, t, :, : 3 + step * (t - 1)] = 1.0   # centre frame: edge between columns 2 and 3
    return x


class StemInit(unittest.TestCase):
    def test_direction_selective(self):
        model = Uniformer(num_classes=9, **ARCH)
        n = motion_stem_init(model)
        self.assertEqual(n, 4 * len(COLOURS))
        conv = model.patch_embed1.proj

        def pair(step):  # luminance (I_x + I_t, I_x - I_t) at the patch holding the edge
            y = torch.nn.functional.conv3d(moving_edge(step), conv.weight, conv.bias,
                                           stride=(1, 4, 4))
            return abs(float(y[0, 0, 0, 0, 0])), abs(float(y[0, 1, 0, 0, 0]))

        right, left = pair(2), pair(-2)
        # bright side moving right: I_x < 0, I_t > 0 in the edge's patch, so |I_x - I_t|
        # wins; moving left the other way round
        self.assertGreater(right[1], 2 * right[0])
        self.assertGreater(left[0], 2 * left[1])


class TinyRun(unittest.TestCase):
    def test_train_convert_classify(self):
        with tempfile.TemporaryDirectory() as tmp:
            pth = os.path.join(tmp, "tiny.pth")
            train = os.path.join(ROOT, "tools", "train", "train_motion.py")
            r = subprocess.run([sys.executable, train, "--train-clips", "18", "--val-clips", "9",
                                "--plain-clips", "9", "--plain-steps", "2", "--steps", "2",
                                "--batch", "4", "--workers", "1", "--out", pth],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("step 4/4", r.stdout)
            model = os.path.join(tmp, "tiny.safetensors")
            labels = os.path.join(ROOT, "models", "uniformer-motion-labels.txt")
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "uniformer-convert"),
                                pth, model, "--frames", "8", "--sampling-rate", "4", "--crop", "64",
                                "--labels", labels, "--head-dim", "32", "--name", "tiny"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            if not CLASSIFY:
                self.skipTest("UF_CLASSIFY (uniformer-classify) not set")
            import numpy as np
            x = os.path.join(tmp, "x.npy")
            np.save(x, np.random.default_rng(0).standard_normal((1, 3, 8, 64, 64), np.float32))
            r = subprocess.run([CLASSIFY, "--model", model, "--input-npy", x, "--top-k", "3"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"(moving|rotating|growing|shrinking|standing)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
