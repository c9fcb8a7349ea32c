"""uniformer-convert tests: where head_dim comes from, and what it must satisfy.

No tensor shape shows the attention head size. It comes from --head-dim, or
from what the container records (a SlowFast training checkpoint's cfg, a
gst-uniformer model file's metadata), or -- for the released UniFormer-S/B
layouts only -- is the release's 64. Any other layout without one is refused,
not guessed; and whatever the source, head_dim must divide the stage 3 and 4
dims and be a multiple of 4 (the engine's attention shader reads vec4s).
"""

import collections
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import TempDirCase, torch_save, uniformer_state_dict  # noqa: E402

from ufconvert import arch, checkpoint  # noqa: E402
from ufconvert import safetensors as st  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402

S = dict(depths=(3, 4, 8, 3), dims=(64, 128, 320, 512), mlp_ratio=4, num_classes=400)
B = dict(S, depths=(5, 8, 20, 7))

# What yacs' cfg.dump() writes for a UniFormer-S training run (abridged; the
# block-style YAML of PyYAML's safe_dump, keys sorted).
CFG_YAML = """\
BN:
  NUM_BATCHES_PRECISE: 200
  USE_PRECISE_STATS: false
DATA:
  MEAN:
  - 0.45
  - 0.45
  - 0.45
  NUM_FRAMES: 16
MODEL:
  ARCH: uniformer
  HEAD_DIM: 999
  NUM_CLASSES: 10
UNIFORMER:
  ATTENTION_DROPOUT_RATE: 0
  DEPTH:
  - 1
  - 1
  - 1
  - 1
  DROP_DEPTH_RATE: 0.1
  EMBED_DIM:
  - 16
  - 32
  - 64
  - 128
  HEAD_DIM: {head_dim}
  MLP_RATIO: 4
  PRETRAIN_NAME: ''
  QKV_BIAS: true
  SPLIT: false
  STD: false
"""


class Resolution(unittest.TestCase):
    """arch.resolve_head_dim on layouts, without files."""

    def test_released_layouts_default_to_64(self):
        for name, layout in (("UniFormer-S", S), ("UniFormer-B", B)):
            for classes in (400, 600, 174, 7):
                with self.subTest(name=name, classes=classes):
                    a, source = arch.resolve_head_dim(arch.Arch(**dict(layout,
                                                                       num_classes=classes)))
                    self.assertEqual(a.head_dim, 64)
                    self.assertEqual(source, f"the released {name} value")

    def test_near_released_layouts_are_not_guessed(self):
        for change in (dict(depths=(3, 4, 8, 2)), dict(depths=(5, 8, 20, 6)),
                       dict(dims=(64, 128, 256, 512)), dict(mlp_ratio=3)):
            with self.subTest(change):
                with self.assertRaisesRegex(ConvertError, "attention head size is unknown.*"
                                            "pass --head-dim N"):
                    arch.resolve_head_dim(arch.Arch(**dict(S, **change)))

    def test_given_and_recorded(self):
        a = arch.Arch(**S)
        self.assertEqual(arch.resolve_head_dim(a, 32)[0].head_dim, 32)  # explicit wins over 64
        self.assertEqual(arch.resolve_head_dim(a, None, (32, "cfg X")),
                         (arch.Arch(**S, head_dim=32), "from the checkpoint's cfg X"))
        self.assertEqual(arch.resolve_head_dim(a, 32, (32, "cfg X"))[0].head_dim, 32)
        with self.assertRaisesRegex(ConvertError, "^--head-dim 64 contradicts the checkpoint's "
                                                  "cfg X, which is 32$"):
            arch.resolve_head_dim(a, 64, (32, "cfg X"))

    def test_checks_name_the_stage_and_dim(self):
        cases = (
            ((16, 32, 48, 128), 32, "does not divide stage 3's dim 48 (attention"),
            ((16, 32, 64, 96), 64, "does not divide stage 4's dim 96 (attention"),
            ((16, 32, 64, 128), 48, "does not divide stage 3's dim 64 or stage 4's dim 128"),
            ((16, 32, 64, 128), 2, "head_dim 2 is not a multiple of 4, which the engine's "
                                   "attention shader needs (from --head-dim)"),
            ((16, 32, 64, 128), 0, "head_dim 0 (from --head-dim) is not positive"),
        )
        for dims, head_dim, message in cases:
            with self.subTest(dims=dims, head_dim=head_dim):
                a = arch.Arch((1, 1, 1, 1), dims, 4, 10)
                with self.assertRaises(ConvertError) as caught:
                    arch.resolve_head_dim(a, head_dim)
                self.assertIn(message, str(caught.exception))
        # stage 1-2 dims are convolutions: head_dim need not divide them
        a = arch.Arch((1, 1, 1, 1), (6, 10, 64, 128), 4, 10)
        self.assertEqual(arch.resolve_head_dim(a, 32)[0].head_dim, 32)

    def test_cfg_parsing(self):
        found = lambda cfg: checkpoint.wrapper_head_dim({"model_state": {}, "cfg": cfg})
        where = "cfg UNIFORMER.HEAD_DIM"
        self.assertEqual(found(CFG_YAML.format(head_dim=32)), (32, where))
        self.assertEqual(found(CFG_YAML.format(head_dim="'32'  # quoted")), (32, where))
        self.assertEqual(found({"UNIFORMER": {"HEAD_DIM": 32}}), (32, where))
        self.assertEqual(found("UNIFORMER:\n  FOO:\n    HEAD_DIM: 8\n  HEAD_DIM: 16\n"),
                         (16, where))  # only the section's own keys
        for cfg in ("MODEL:\n  HEAD_DIM: 32\n", "UNIFORMER:\n  DEPTH: 3\n", "", None, 3,
                    {"MODEL": {"HEAD_DIM": 32}}):
            with self.subTest(cfg=cfg):
                self.assertIsNone(found(cfg))
        self.assertIsNone(checkpoint.wrapper_head_dim({"cfg": CFG_YAML}))  # not a wrapper
        for bad in ("abc", "-3", "0", "3.5", ""):
            with self.subTest(bad=bad):
                with self.assertRaisesRegex(ConvertError, "the checkpoint's cfg UNIFORMER."
                                                          "HEAD_DIM is .*(not an integer|not a "
                                                          "positive integer)"):
                    found(CFG_YAML.format(head_dim=bad))


class OnTheCommandLine(TempDirCase):
    def setUp(self):
        super().setUp()
        self.state = uniformer_state_dict()  # dims 16,32,64,128: no released layout
        self.src = torch_save(self.state, self.path("m.pth"))

    def meta(self, path):
        return self.read(path)[1]

    def test_missing_on_unreleased_layout_is_refused(self):
        out = self.path("o.safetensors")
        line = self.fails(self.src, out,
                          message="the attention head size is unknown: it shows in no tensor "
                                  "shape, the checkpoint does not record it, and its layout "
                                  "(depths 1,1,1,1, dims 16,32,64,128, mlp_ratio 4) is not a "
                                  "released UniFormer-S/B one")
        self.assertIn("pass --head-dim N", line)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth"])

    def test_given_head_dim_must_divide(self):
        out = self.path("o.safetensors")
        self.fails(self.src, out, "--head-dim", 48,
                   message="head_dim 48 (from --head-dim) does not divide stage 3's dim 64 "
                           "or stage 4's dim 128")
        self.fails(self.src, out, "--head-dim", 128,
                   message="head_dim 128 (from --head-dim) does not divide stage 3's dim 64")
        self.assertFalse(os.path.exists(out))

    def test_not_a_multiple_of_4_is_a_usage_error(self):
        out = self.path("o.safetensors")
        self.fails(self.src, out, "--head-dim", 2, rc=2,
                   message="head_dim 2 is not a multiple of 4, which the engine's attention "
                           "shader needs")
        self.assertFalse(os.path.exists(out))

    def test_given_head_dim_is_written(self):
        out = self.path("o.safetensors")
        for head_dim in (4, 16, 32, 64):
            with self.subTest(head_dim=head_dim):
                stdout, _ = self.run_tool(self.src, out, "--head-dim", head_dim)
                self.assertIn(f"head_dim {head_dim} (from --head-dim)", stdout)
                self.assertEqual(self.meta(out)["head_dim"], str(head_dim))

    def test_training_checkpoint_cfg(self):
        out = self.path("o.safetensors")

        def training(cfg):
            return torch_save({"epoch": 3, "model_state": self.state, "cfg": cfg},
                              self.path("train.pth"))

        src = training(CFG_YAML.format(head_dim=32))
        stdout, _ = self.run_tool(src, out)
        self.assertIn("head_dim 32 (from the checkpoint's cfg UNIFORMER.HEAD_DIM)", stdout)
        self.assertEqual(self.meta(out)["head_dim"], "32")
        self.run_tool(src, out, "--head-dim", 32)
        self.fails(src, out, "--head-dim", 16,
                   message="--head-dim 16 contradicts the checkpoint's cfg UNIFORMER.HEAD_DIM, "
                           "which is 32")
        self.fails(training(CFG_YAML.format(head_dim=48)), out,
                   message="head_dim 48 (from the checkpoint's cfg UNIFORMER.HEAD_DIM) does "
                           "not divide stage 3's dim 64")
        self.fails(training(CFG_YAML.format(head_dim=2)), out,
                   message="head_dim 2 is not a multiple of 4")
        self.fails(training(CFG_YAML.format(head_dim="thirty-two")), out,
                   message="cfg UNIFORMER.HEAD_DIM is 'thirty-two', not an integer")
        self.fails(training("MODEL:\n  ARCH: uniformer\n"), out,
                   message="the attention head size is unknown")
        self.assertEqual(self.meta(out)["head_dim"], "32")  # the failures left it alone

    def test_model_file_metadata(self):
        first, again = self.path("first.safetensors"), self.path("again.safetensors")
        self.run_tool(self.src, first, "--head-dim", 32)
        stdout, _ = self.run_tool(first, again)
        self.assertIn('head_dim 32 (from the checkpoint\'s gst-uniformer metadata "head_dim")',
                      stdout)
        self.assertEqual(self.meta(again)["head_dim"], "32")
        self.fails(first, again, "--head-dim", 64,
                   message='--head-dim 64 contradicts the checkpoint\'s gst-uniformer metadata '
                           '"head_dim", which is 32')
        # Only a gst-uniformer model file's metadata counts; another's is no record.
        tensors, meta = self.read(first)
        plain = self.path("plain.safetensors")
        st.write(plain, tensors, {"head_dim": "32"})
        self.fails(plain, again, message="the attention head size is unknown")
        broken = self.path("broken.safetensors")
        st.write(broken, tensors, dict(meta, head_dim="x"))
        self.fails(broken, again, message='gst-uniformer metadata "head_dim" is \'x\', '
                                          'not an integer')

    def test_released_layout_converts_with_the_default(self):
        # UniFormer-S shapes with a 4-class head (a fine-tuned release): 64, no option.
        state = uniformer_state_dict(**dict(S, num_classes=4))
        state = collections.OrderedDict(state)
        src = torch_save(state, self.path("uniformer_small_custom.pth"))
        out = self.path("s.safetensors")
        stdout, _ = self.run_tool(src, out)
        self.assertIn("head_dim 64 (the released UniFormer-S value)", stdout)
        meta = self.meta(out)
        self.assertEqual((meta["dims"], meta["depths"], meta["head_dim"]),
                         ("64,128,320,512", "3,4,8,3", "64"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
