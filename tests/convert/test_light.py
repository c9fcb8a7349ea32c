"""uniformer-convert tests: light UniFormers (XXS/XS) end to end.

Every official wrapping, XXS and XS told apart by their shapes, layer scale
on (folded exactly) and off, the schedule from the release, the cfg and the
options, and the metadata docs/model-format.md ("Light UniFormers") lists;
then the reference run on a converted file against the reference run on the
checkpoint.
"""

import collections
import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import light_fixtures as lf  # noqa: E402
from fixtures import TempDirCase, need_torch, torch_save  # noqa: E402

from ufconvert import safetensors  # noqa: E402

RELEASED_SCHEDULE = {"stage3_prune_ratio": "1,0.5", "stage4_prune_ratio": "0.5,0.5",
                     "stage3_trade_off": "1,0.5", "stage4_trade_off": "0.5,0.5"}


def dropped(key):
    """What the model file leaves out (docs/model-format.md)."""
    return (key.endswith("num_batches_tracked") or key.startswith(("norm_cls.", "head_cls."))
            or key.rsplit(".", 1)[-1] in ("gamma_1", "gamma_2"))


def expected_tensors(state):
    """The model file's tensors, computed independently: gamma_1 scales conv2 (stages
    1-2) or attn.proj (3-4), gamma_2 mlp.fc2; rows and bias, product in float64."""
    out = collections.OrderedDict()
    for key, value in state.items():
        if dropped(key):
            continue
        value = value.double()
        parts = key.split(".")
        if parts[0].startswith("blocks") and ".".join(parts[2:-1]) in (
                "conv2", "attn.proj", "mlp.fc2"):
            gamma_key = ".".join(parts[:2]) + (".gamma_2" if parts[2] == "mlp" else ".gamma_1")
            if gamma_key in state:
                gamma = state[gamma_key].double().reshape(-1)
                value = value * gamma.reshape((-1,) + (1,) * (value.dim() - 1))
        out[key] = value.float().numpy()
    return out


class LightConversion(TempDirCase):
    def setUp(self):
        super().setUp()
        self.state = lf.state_dict()

    def convert(self, obj, *args, name="light.pth"):
        src = torch_save(obj, self.path(name))
        out = self.path("out.safetensors")
        stdout, _ = self.run_tool(src, out, *args)
        tensors, meta = self.read(out)
        return tensors, meta, stdout

    def assert_tensors(self, tensors, state):
        want = expected_tensors(state)
        self.assertEqual(list(tensors), list(want))
        for key, value in want.items():
            self.assertEqual(tensors[key].dtype, np.float32, key)
            np.testing.assert_array_equal(tensors[key], value, key)

    def test_tensors_and_metadata(self):
        tensors, meta, stdout = self.convert(self.state, *lf.TINY_ARGS)
        self.assert_tensors(tensors, self.state)
        self.assertNotIn("blocks1.0.gamma_1", tensors)
        self.assertFalse(np.array_equal(tensors["blocks1.0.conv2.weight"],
                                        self.state["blocks1.0.conv2.weight"].numpy()))
        with open(self.path("light.pth"), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(meta, {
            "format": "gst-uniformer", "format_version": "1", "architecture": "uniformer-light",
            "num_classes": "10", "frames": "4", "sampling_rate": "75", "source_fps": "30",
            "crop_height": "64", "crop_width": "64", "mean": "0.45,0.45,0.45",
            "std": "0.225,0.225,0.225", "color_order": "rgb",
            "labels": json.dumps([f"class {i}" for i in range(10)]), "name": "light",
            "provenance": f"converted from light.pth (sha256 {digest}) by uniformer-convert "
                          "0.1.0",
            "depths": "1,1,2,2", "dims": "16,32,64,128", "head_dim": "16", "mlp_ratio": "3",
            **RELEASED_SCHEDULE, "stage3_kept_tokens": "32,16", "stage4_kept_tokens": "4,4",
            "layer_scale": "folded", "sampling": "sparse"})
        self.assertIn("UniFormer light custom layout, depths 1,1,2,2", stdout)
        self.assertIn("head_dim 16 (from --head-dim), layer scale folded", stdout)
        self.assertIn("kept tokens 32,16/4,4 (prune ratios from the release, trade-offs from "
                      "the release)", stdout)

    def test_wrappings(self):
        torch = need_torch()
        prefixed = collections.OrderedDict(("module." + k, v) for k, v in self.state.items())
        cases = {
            "raw": self.state,
            "model": {"model": self.state},
            "module prefix": prefixed,
            "model + module prefix": {"model": prefixed, "epoch": 3},
            "training": lf.training_checkpoint(self.state, "MODEL:\n  NUM_CLASSES: 10\n"),
            "parameters": collections.OrderedDict(
                (k, torch.nn.Parameter(v, requires_grad=False) if v.is_floating_point() else v)
                for k, v in self.state.items()),
        }
        for name, obj in cases.items():
            with self.subTest(name):
                tensors, meta, _ = self.convert(obj, *lf.TINY_ARGS)
                self.assert_tensors(tensors, self.state)
                self.assertEqual(meta["architecture"], "uniformer-light")
        with self.subTest("safetensors"):
            src = self.path("light.safetensors")
            safetensors.write(src, {k: v.numpy() for k, v in self.state.items()})
            out = self.path("st.safetensors")
            self.run_tool(src, out, *lf.TINY_ARGS)
            self.assert_tensors(self.read(out)[0], self.state)

    def test_training_cfg(self):
        cfg = lf.schedule_cfg(((1, 0.75), (0.5, 0.25, 0.5)), ((1, 0.25), (0.5, 1, 0.5)))
        obj = lf.training_checkpoint(self.state, cfg)
        # frames, crop, head_dim and the schedule all from the cfg; stage 4's lists are
        # longer than the 2 blocks (as the official defaults' are), entry i for block i
        _, meta, stdout = self.convert(obj)
        self.assertEqual((meta["frames"], meta["crop_height"], meta["head_dim"]),
                         ("4", "64", "16"))
        self.assertEqual(meta["stage3_prune_ratio"], "1,0.75")
        self.assertEqual(meta["stage4_prune_ratio"], "0.5,0.25")
        self.assertEqual(meta["stage3_trade_off"], "1,0.25")
        self.assertEqual(meta["stage4_trade_off"], "0.5,1")
        self.assertEqual((meta["stage3_kept_tokens"], meta["stage4_kept_tokens"]),
                         ("32,24", "4,2"))
        self.assertIn("head_dim 16 (from the checkpoint's cfg UNIFORMER.HEAD_DIM)", stdout)
        self.assertIn("prune ratios from the checkpoint's cfg UNIFORMER.PRUNE_RATIO", stdout)
        # options win over the cfg
        _, meta, _ = self.convert(obj, "--frames", "8", "--crop", "128x64",
                                  "--prune-ratio", "1,0.5/0.5,0.5", "--trade-off", "1,1/0,0")
        self.assertEqual((meta["frames"], meta["crop_height"], meta["crop_width"]),
                         ("8", "128", "64"))
        self.assertEqual((meta["stage3_prune_ratio"], meta["stage4_prune_ratio"]),
                         ("1,0.5", "0.5,0.5"))
        self.assertEqual((meta["stage3_trade_off"], meta["stage4_trade_off"]), ("1,1", "0,0"))
        # 4 frames of 128x64: 4x8x4 = 128 tokens in stage 3, 4x4x2 = 32 in stage 4
        self.assertEqual((meta["stage3_kept_tokens"], meta["stage4_kept_tokens"]),
                         ("128,64", "16,16"))

    def test_schedule_options(self):
        _, meta, stdout = self.convert(self.state, *lf.TINY_ARGS, "--prune-ratio",
                                       "1,0.29/0.75,0.5", "--trade-off", "0.5,0.1/0.2,0.3")
        self.assertEqual(meta["stage3_prune_ratio"], "1,0.29")
        self.assertEqual(meta["stage4_prune_ratio"], "0.75,0.5")
        # int(32 * 0.29) = int(9.28) = 9, int(8 * 0.75) = 6
        self.assertEqual(meta["stage3_kept_tokens"], "32,9")
        self.assertEqual(meta["stage4_kept_tokens"], "6,4")
        self.assertEqual((meta["stage3_trade_off"], meta["stage4_trade_off"]),
                         ("0.5,0.1", "0.2,0.3"))
        self.assertIn("from --prune-ratio", stdout)
        # every block keeps every token: an unpruned model
        _, meta, _ = self.convert(self.state, *lf.TINY_ARGS, "--prune-ratio", "1,1/1,1")
        self.assertEqual((meta["stage3_kept_tokens"], meta["stage4_kept_tokens"]),
                         ("32,32", "8,8"))

    def test_sampling_window(self):
        for args, rate in (((), "75"), (("--frames", "8"), "38"), (("--frames", "16"), "19"),
                           (("--frames", "32"), "9"), (("--frames", "8", "--source-fps", "25"),
                                                       "31"),
                           (("--sampling-rate", "16"), "16")):
            with self.subTest(args):
                _, meta, _ = self.convert(self.state, *lf.TINY_ARGS, *args)
                self.assertEqual(meta["sampling_rate"], rate)
                self.assertEqual(meta["sampling"], "sparse")

    def test_no_layer_scale(self):
        state = lf.state_dict(layer_scale=False)
        tensors, meta, stdout = self.convert(state, *lf.TINY_ARGS)
        self.assert_tensors(tensors, state)
        for key, value in tensors.items():
            np.testing.assert_array_equal(value, state[key].numpy(), key)
        self.assertEqual(meta["layer_scale"], "none")
        self.assertIn("no layer scale", stdout)

    def test_training_only_tensors_optional(self):
        state = collections.OrderedDict((k, v) for k, v in self.state.items()
                                        if not k.startswith(("norm_cls.", "head_cls.")))
        tensors, _, _ = self.convert(state, *lf.TINY_ARGS)
        self.assert_tensors(tensors, self.state)

    def test_f16(self):
        tensors, _, _ = self.convert(self.state, *lf.TINY_ARGS, "--dtype", "f16")
        want = expected_tensors(self.state)
        for key, value in want.items():
            got = tensors[key]
            self.assertEqual(got.dtype, np.float16 if value.ndim >= 2 else np.float32, key)
        # the fold is rounded once, from float64, straight to f16
        w = self.state["blocks3.0.attn.proj.weight"].double()
        g = self.state["blocks3.0.gamma_1"].double()
        np.testing.assert_array_equal(tensors["blocks3.0.attn.proj.weight"],
                                      (w * g[:, None]).numpy().astype(np.float16))

    def test_released_layouts(self):
        ref = lf.reference()
        for layout, ls, variant, frames, crop, kept in (
                (ref.XXS, True, "XXS", "8", "128", ("256," + ",".join(["128"] * 7), "32,32")),
                (ref.XS, False, "XS", "32", "192", ("2304," + ",".join(["1152"] * 8),
                                                    "288,288,288"))):
            with self.subTest(variant):
                state = lf.state_dict(layout, ls, num_classes=400)
                tensors, meta, stdout = self.convert(state, "--frames", frames, "--crop", crop)
                self.assertEqual(len(tensors), 313 if variant == "XXS" else 361)
                self.assertEqual(meta["head_dim"], str(layout["head_dim"]))
                self.assertEqual((meta["depths"], meta["dims"]),
                                 (",".join(map(str, layout["depths"])),
                                  ",".join(map(str, layout["dims"]))))
                self.assertEqual(meta["mlp_ratio"], "3")
                self.assertEqual(meta["layer_scale"], "folded" if ls else "none")
                self.assertEqual((meta["stage3_kept_tokens"], meta["stage4_kept_tokens"]), kept)
                self.assertIn(f"UniFormer light {variant}, ", stdout)
                self.assertIn(f"(the released {variant} value)", stdout)


class ReferenceOnModelFile(TempDirCase):
    """The reference on a converted file (gammas folded, so built without layer scale)
    gives the logits and kept sets of the reference on the checkpoint."""

    def test_same_logits_and_kept_sets(self):
        torch = need_torch()
        ref = lf.reference()
        schedule = dict(prune_ratio=((1, 0.5), (0.5, 0.5)), trade_off=((1, 0.5), (0.5, 0.5)))
        original = lf.model(seed=3, **schedule).double()
        src = torch_save(original.float().state_dict(), self.path("light.pth"))
        out = self.path("light.safetensors")
        self.run_tool(src, out, *lf.TINY_ARGS)
        tensors, _ = self.read(out)
        converted = ref.LightUniformer(**lf.TINY, num_classes=lf.TINY_CLASSES, **schedule)
        missing, unexpected = converted.load_state_dict(
            {k: torch.from_numpy(v) for k, v in tensors.items()}, strict=False)
        self.assertEqual(unexpected, [])
        self.assertTrue(all(k.endswith("num_batches_tracked") or
                            k.startswith(("norm_cls.", "head_cls.")) for k in missing), missing)
        clip = torch.randn((1, 3, 4, 64, 64), generator=torch.Generator().manual_seed(5),
                           dtype=torch.float64)
        with torch.no_grad():
            want, want_trace = original.double().run(clip)
            got, got_trace = converted.double().run(clip)
        self.assertGreater(min(r.gap for r in want_trace), 1e-3)
        self.assertEqual([r.kept_set for r in got_trace], [r.kept_set for r in want_trace])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=0,
                                   atol=1e-5 * float(want.abs().max()))


class GeneratedCase(TempDirCase):
    """make_light_case.py's files convert as they are, and agree with each other."""

    def test_xxs8x128(self):
        need_torch()
        import make_light_case
        outdir = self.path("case")
        info = make_light_case.generate("xxs8x128", outdir)
        self.assertEqual(info["convert_args"], [])  # the training wrapping's cfg says it all
        out = self.path("xxs.safetensors")
        stdout, _ = self.run_tool(os.path.join(outdir, "model.pth"), out)
        self.assertIn("UniFormer light XXS", stdout)
        self.assertIn("from the checkpoint's cfg UNIFORMER.PRUNE_RATIO", stdout)
        _, meta = self.read(out)
        with open(os.path.join(outdir, "kept.json")) as f:
            kept = json.load(f)
        self.assertEqual([k["kept"] for k in kept], [128] * 7 + [32, 32])
        self.assertEqual(meta["stage3_kept_tokens"], "256," + ",".join(["128"] * 7))
        self.assertEqual(meta["stage4_kept_tokens"], "32,32")
        self.assertEqual((meta["frames"], meta["crop_height"], meta["layer_scale"]),
                         ("8", "128", "folded"))
        self.assertTrue(all(k["gap"] >= make_light_case.MIN_GAP for k in kept))
        self.assertTrue(all(k["kept_set"] == sorted(k["kept_set"]) and len(k["kept_set"])
                            == k["kept"] for k in kept))
        self.assertEqual(np.load(os.path.join(outdir, "logits.npy")).shape, (400,))
        self.assertEqual(np.load(os.path.join(outdir, "clip.npy")).shape, (1, 3, 8, 128, 128))


if __name__ == "__main__":
    unittest.main(verbosity=2)
