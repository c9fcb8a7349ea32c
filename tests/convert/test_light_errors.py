"""uniformer-convert tests: light UniFormer (XXS/XS) checkpoints and options it refuses.

Each case must fail with one line that names the problem, leave no output
file, and exit 1 for a bad checkpoint or 2 for an option that does not suit
it (a usage error).
"""

import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import light_fixtures as lf  # noqa: E402
import vit_fixtures as vf  # noqa: E402
from fixtures import HEAD_DIM_ARGS, TempDirCase, need_torch, torch_save, \
    uniformer_state_dict  # noqa: E402


class LightErrors(TempDirCase):
    def check(self, edit, message, *options, args=lf.TINY_ARGS, rc=1, layer_scale=True,
              wrap=None):
        state = lf.state_dict(layer_scale=layer_scale)
        if edit is not None:
            edit(state)
        src = torch_save(wrap(state) if wrap else state, self.path("m.pth"))
        self.fails(src, self.path("out"), *args, *options, message=message, rc=rc)
        self.assertFalse(os.path.exists(self.path("out")))

    def test_keys_and_shapes(self):
        torch = need_torch()

        def drop_stage(s, stage):
            for key in [k for k in s if k.startswith(f"blocks{stage}.")]:
                del s[key]

        cases = {
            "missing": (lambda s: s.pop("blocks3.1.attn.qkv.bias"),
                        "missing key 'blocks3.1.attn.qkv.bias'"),
            "missing cls token": (lambda s: s.pop("cls_token"), "missing key 'cls_token'"),
            "missing cls_upsample": (lambda s: s.pop("cls_upsample.weight"),
                                     "missing key 'cls_upsample.weight'"),
            "missing stem BN": (lambda s: s.pop("patch_embed1.proj.4.running_var"),
                                "missing key 'patch_embed1.proj.4.running_var'"),
            "missing gamma": (lambda s: s.pop("blocks2.0.gamma_2"),
                              "missing key 'blocks2.0.gamma_2' (blocks1.0.gamma_1 is present, "
                              "so every block needs its layer scale)"),
            "cls token shape": (lambda s: s.__setitem__("cls_token", torch.zeros(1, 1, 32)),
                                "key 'cls_token' has shape [1, 1, 32], expected [1, 1, 64]"),
            "gamma shape": (lambda s: s.__setitem__("blocks3.0.gamma_1", torch.ones(1, 64)),
                            "key 'blocks3.0.gamma_1' has shape [1, 64], expected [64]"),
            "stem halves": (lambda s: s.__setitem__("patch_embed1.proj.0.weight",
                                                    torch.zeros(6, 3, 3, 3, 3)),
                            "patch_embed1.proj.0.weight has 6 output channels, not half of "
                            "patch_embed1.proj.3.weight's 16"),
            "stem kernel": (lambda s: s.__setitem__("patch_embed1.proj.3.weight",
                                                    torch.zeros(16, 8, 1, 3, 3)),
                            "key 'patch_embed1.proj.3.weight' has shape [16, 8, 1, 3, 3], "
                            "expected [16, 8, 3, 3, 3]"),
            "base stem": (lambda s: s.__setitem__("patch_embed1.proj.weight",
                                                  torch.zeros(16, 3, 3, 4, 4)),
                          "light UniFormer (XXS/XS), but 'patch_embed1.proj.weight' is the "
                          "base family's stem"),
            "head classes": (lambda s: s.__setitem__("head.bias", torch.zeros(11)),
                             "key 'head.bias' has shape [11], expected [10]"),
            "cls head classes": (lambda s: s.__setitem__("head_cls.bias", torch.zeros(11)),
                                 "key 'head_cls.bias' has shape [11], expected [10]"),
            "mlp ratio": (lambda s: s.__setitem__("blocks1.0.mlp.fc1.weight",
                                                  torch.zeros(40, 16, 1, 1, 1)),
                          "mlp_ratio must be an integer"),
            "extra": (lambda s: s.__setitem__("blocks3.0.t_attn.qkv.weight",
                                              torch.zeros(192, 64)),
                      "unexpected key 'blocks3.0.t_attn.qkv.weight'"),
            "integer": (lambda s: s.__setitem__("cls_token",
                                                torch.zeros(1, 1, 64, dtype=torch.int32)),
                        "key 'cls_token' has dtype int32, expected floating point"),
            "no stage 4": (lambda s: drop_stage(s, 4), "stage 4 has no blocks"),
            "nan gamma": (lambda s: s["blocks4.1.gamma_2"].view(-1).__setitem__(
                0, float("nan")), "key 'blocks4.1.gamma_2' holds NaN or infinite values"),
            "inf weight": (lambda s: s["cls_upsample.weight"].view(-1).__setitem__(
                0, float("inf")), "key 'cls_upsample.weight' holds NaN or infinite values"),
        }
        for name, (edit, message) in cases.items():
            with self.subTest(name):
                self.check(edit, message)
        with self.subTest("gamma without layer scale"):
            self.check(lambda s: s.__setitem__("blocks3.0.gamma_1", torch.ones(64)),
                       "unexpected key 'blocks3.0.gamma_1': not part of a light UniFormer with "
                       "depths 1,1,2,2: blocks1.0.gamma_1 is absent, so the checkpoint has no "
                       "layer scale", layer_scale=False)

    def test_frames_and_crop(self):
        for args, message in (
                (("--head-dim", "16"), "pass --frames and --crop"),
                (("--head-dim", "16", "--frames", "4"), "pass --frames and --crop"),
                (("--head-dim", "16", "--frames", "5", "--crop", "64"),
                 "frames must be even and positive (the stem halves time), not 5 (--frames)"),
                (("--head-dim", "16", "--frames", "4", "--crop", "80"),
                 "crop sides must be positive multiples of 32, not 80x80 (--crop)"),
                (("--head-dim", "16", "--frames", "4", "--crop", "64x48"),
                 "not 64x48 (--crop)")):
            with self.subTest(args):
                self.check(None, message, args=args, rc=2)
        cfg = lf.schedule_cfg(((1, 0.5), (0.5, 0.5)), frames=3)
        self.check(None, "frames must be even and positive (the stem halves time), not 3 "
                         "(the checkpoint's cfg DATA.NUM_FRAMES)",
                   args=(), wrap=lambda s: lf.training_checkpoint(s, cfg))

    def test_schedule(self):
        for options, message in (
                (("--prune-ratio", "1,0.5,0.5/0.5,0.5"),
                 "--prune-ratio gives 3 stage-3 prune ratios; this model has 2 stage-3 blocks"),
                (("--trade-off", "1,0.5/0.5"),
                 "--trade-off gives 1 stage-4 trade-offs; this model has 2 stage-4 blocks"),
                (("--prune-ratio", "1,0/0.5,0.5"),
                 "stage 3 block 1: prune ratio 0 is not in (0, 1]"),
                (("--prune-ratio", "1,0.5/1.5,0.5"),
                 "stage 4 block 0: prune ratio 1.5 is not in (0, 1]"),
                (("--prune-ratio", "0.5,0.5/0.5,0.5"),
                 "stage 3 block 0: prune ratio 0.5, but the first stage-3 block must keep "
                 "every token"),
                (("--prune-ratio", "1,0.01/0.5,0.5"),
                 "stage 3 block 1: prune ratio 0.01 keeps 0 of 32 tokens at 4 frames of 64x64; "
                 "a pruning block must keep at least one token and drop at least two"),
                (("--prune-ratio", "1,0.5/0.875,0.5"),
                 "stage 4 block 0: prune ratio 0.875 keeps 7 of 8 tokens"),
                (("--prune-ratio", "1,1/0.5,0.5"),
                 "stage 4 prunes, but the last stage-3 block keeps every token"),
                (("--trade-off", "1,0.5/0.5,-0.5"),
                 "stage 4 block 1: trade-off -0.5 is not in [0, 1]")):
            with self.subTest(options):
                self.check(None, message, *options, rc=2)
        for options, message in (
                (("--prune-ratio", "1,0.5"), "is not STAGE3/STAGE4"),
                (("--prune-ratio", "1,x/0.5,0.5"), "'x' is not a number"),
                (("--trade-off", "1,nan/0.5,0.5"), "'nan' is not a finite number")):
            with self.subTest(options):
                self.check(None, message, *options, rc=2)

    def test_cfg_schedule(self):
        for cfg, message in (
                (lf.schedule_cfg(((1, "x"), (0.5, 0.5))),
                 "the checkpoint's cfg UNIFORMER.PRUNE_RATIO has a stage-3 entry that is not a "
                 "number"),
                (lf.schedule_cfg(((1,), (0.5, 0.5))),
                 "the checkpoint's cfg UNIFORMER.PRUNE_RATIO gives 1 stage-3 prune ratios; "
                 "this model has 2 stage-3 blocks"),
                (lf.schedule_cfg(((1, 0.5), (0.5, 0.5)), ((1, 2), (0.5, 0.5))),
                 "stage 3 block 1: trade-off 2 is not in [0, 1]"),
                ("UNIFORMER:\n  HEAD_DIM: 16\n  PRUNE_RATIO: [1, 0.5]\n",
                 "the checkpoint's cfg UNIFORMER.PRUNE_RATIO is ['1', '0.5'], not one list per "
                 "stage")):
            with self.subTest(message):
                self.check(None, message, args=lf.TINY_ARGS[2:],
                           wrap=lambda s: lf.training_checkpoint(s, cfg))

    def test_head_dim(self):
        self.check(None, "the attention head size is unknown: this light UniFormer's layout "
                         "(depths 1,1,2,2, dims 16,32,64,128, mlp_ratio 3) is neither XXS",
                   args=lf.TINY_ARGS[2:])
        self.check(None, "head_dim 24 (from --head-dim) does not divide stage 3's dim 64",
                   "--head-dim", "24", args=lf.TINY_ARGS[2:])
        self.check(None, "--num-heads is for TimeSformer, ViViT and VideoMAE", "--num-heads",
                   "4", rc=2)

    def test_light_options_elsewhere(self):
        src = torch_save(collections.OrderedDict(uniformer_state_dict()), self.path("s.pth"))
        self.fails(src, self.path("out"), *HEAD_DIM_ARGS, "--prune-ratio", "1/1",
                   message="--prune-ratio is for the light UniFormers (XXS/XS); a "
                           "UniFormer-S/B does not prune tokens", rc=2)
        vm = vf.videomae_official()
        src = torch_save({"model": vm}, self.path("vm.pth"))
        self.fails(src, self.path("out"), "--trade-off", "1/1",
                   message="--trade-off is for the light UniFormers (XXS/XS); a VideoMAE does "
                           "not prune tokens", rc=2)

    def test_model_file_input(self):
        state = lf.state_dict()
        src = torch_save(state, self.path("m.pth"))
        first = self.path("first.safetensors")
        self.run_tool(src, first, *lf.TINY_ARGS)
        self.fails(first, self.path("out"), *lf.TINY_ARGS,
                   message="this is already a gst-uniformer uniformer-light model file")


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
