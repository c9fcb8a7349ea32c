"""uniformer-convert tests: bad TimeSformer, ViViT and VideoMAE input.

Each case must end in one clear line naming the problem, exit status 1 (2 for
an option the checkpoint cannot take), no output file, and nothing executed:
hostile pickles in pytorch_model.bin and in VideoMAE's args are refused or
skipped without their payload running or their module being imported.
"""

import collections
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vit_fixtures as vf  # noqa: E402
from fixtures import TOOL, TempDirCase, need_torch, torch_save  # noqa: E402


class Calls:
    """Pickles as a call fn(*args) -- the classic pickle payload."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


PROBE = '''\
import os
_sentinel = os.environ.get("UF_PROBE_SENTINEL")
if _sentinel:
    open(_sentinel, "w").close()


class Thing:
    pass


def hook():
    pass
'''


class Case(TempDirCase):
    def refuse(self, src, *args, message, rc=1):
        out = self.path("out.safetensors")
        line = self.fails(src, out, *args, message=message, rc=rc)
        self.assertFalse(os.path.exists(out), "an output was written")
        return line

    def hf_dir(self, family, state=None, formats=("bin",), name="hf", **config):
        state = state if state is not None else {
            "timesformer": lambda: vf.timesformer_hf(vf.timesformer_official(prefix="")),
            "vivit": vf.vivit_hf, "videomae": vf.videomae_hf}[family]()
        return vf.write_hf_dir(self.path(name), state, vf.hf_config(family, **config), formats)


class ConfigDisagrees(Case):
    """config.json (or cfg, args) sizes that do not match the tensors."""

    def test_timesformer(self):
        cases = {
            "hidden_size": (dict(hidden_size=32), "config.json hidden_size is 32, but key "
                            "'timesformer.embeddings.patch_embeddings.projection.weight' "
                            "(patch_embed.proj.weight) [64, 3, 16, 16] has output channels 64"),
            "layers": (dict(num_hidden_layers=3), "config.json num_hidden_layers is 3, but the "
                       "checkpoint's blocks number 2"),
            "mlp": (dict(intermediate_size=256), "config.json intermediate_size is 256, but key "
                    "'timesformer.encoder.layer.0.intermediate.dense.weight'"),
            "frames": (dict(num_frames=8), "config.json num_frames is 8, but key "
                       "'timesformer.embeddings.time_embeddings' (time_embed) has frames 4"),
            "image_size": (dict(image_size=48), "config.json image_size is 48x48, but key "
                           "'timesformer.embeddings.position_embeddings' (pos_embed) has "
                           "positions for 32x32"),
            "patch": (dict(patch_size=8), "config.json patch_size is 8"),
            "channels": (dict(num_channels=1), "config.json num_channels is 1"),
            "labels": (dict(id2label={str(i): f"c{i}" for i in range(4)}),
                       "config.json id2label's size is 4, but key 'classifier.weight' "
                       "(head.weight) has rows 5"),
        }
        for name, (config, message) in cases.items():
            with self.subTest(name):
                self.refuse(self.hf_dir("timesformer", name=name, **config),
                            "--sampling-rate", 8, message=message)

    def test_vivit_and_videomae(self):
        cases = {
            "vivit frames": ("vivit", dict(num_frames=8), "config.json num_frames 8 and "
                             "config.json image_size 32x32 make 16 tubelets, but key "
                             "'vivit.embeddings.position_embeddings' (pos_embed) has 8 positions"),
            "vivit tubelet": ("vivit", dict(tubelet_size=[4, 16, 16]),
                              "config.json tubelet_size[0] is 4, but key"),
            "vivit patch": ("vivit", dict(tubelet_size=[2, 8, 8]),
                            "config.json tubelet_size[1:] is 8"),
            "videomae pooling": ("videomae", dict(use_mean_pooling=False),
                                 "config.json use_mean_pooling is false, but the checkpoint "
                                 "has 'fc_norm.weight'"),
            "videomae tubelet": ("videomae", dict(tubelet_size=4),
                                 "config.json tubelet_size is 4"),
            "videomae hidden": ("videomae", dict(hidden_size=128),
                                "config.json hidden_size is 128"),
            "videomae frames": ("videomae", dict(num_frames=5),
                                "config.json num_frames is 5, not a multiple of the tubelet "
                                "size 2"),
        }
        for name, (family, config, message) in cases.items():
            with self.subTest(name):
                self.refuse(self.hf_dir(family, name=name.replace(" ", "_"), **config),
                            message=message)

    def test_defaults_named(self):
        config = vf.hf_config("vivit")
        del config["num_frames"]
        d = vf.write_hf_dir(self.path("v"), vf.vivit_hf(), config)
        self.refuse(d, message="HF's default num_frames (config.json has none) 32 and "
                               "config.json image_size 32x32 make 64 tubelets")

    def test_official_records(self):
        state = vf.timesformer_official()
        src = vf.timesformer_pyth(self.path("a.pyth"), state, vf.timesformer_cfg(frames=8))
        self.refuse(src, message="the checkpoint's cfg DATA.NUM_FRAMES is 8, but key "
                                 "'model.time_embed' (time_embed) has frames 4")
        src = vf.timesformer_pyth(self.path("b.pyth"), state, vf.timesformer_cfg(classes=7))
        self.refuse(src, message="the checkpoint's cfg MODEL.NUM_CLASSES is 7, but key "
                                 "'model.head.weight' (head.weight) has rows 5")
        src = vf.timesformer_pyth(self.path("c.pyth"), state, vf.timesformer_cfg(train_crop=64))
        self.refuse(src, message="the checkpoint's cfg DATA.TRAIN_CROP_SIZE is 64x64, but key "
                                 "'model.pos_embed' (pos_embed) has positions for 32x32")
        src = vf.timesformer_pyth(self.path("e.pyth"), state, vf.timesformer_cfg(test_crop=40))
        self.refuse(src, message="the checkpoint's cfg DATA.TEST_CROP_SIZE is 40, not a "
                                 "multiple of the patch size 16; pass --crop")
        src = vf.timesformer_pyth(self.path("d.pyth"), state,
                                  vf.timesformer_cfg().replace("NUM_FRAMES: 4", "NUM_FRAMES: x"))
        self.refuse(src, message="the checkpoint's cfg DATA.NUM_FRAMES is 'x', not a positive")
        vm = vf.videomae_official()
        for field, message in ((dict(nb_classes=7), "the checkpoint's args.nb_classes is 7"),
                               (dict(tubelet_size=4), "the checkpoint's args.tubelet_size is 4"),
                               (dict(use_mean_pooling=False), "args.use_mean_pooling is false"),
                               (dict(num_frames="16"), "args.num_frames is '16', not a "
                                                       "positive integer")):
            with self.subTest(field):
                src = vf.videomae_pth(self.path("v.pth"), vm, args=vf.videomae_args(**field))
                self.refuse(src, "--num-heads", 4, message=message)


class MissingConfig(Case):
    def test_directory_without_config(self):
        d = vf.write_hf_dir(self.path("noconfig"), vf.vivit_hf(), None)
        self.refuse(d, message="a Hugging Face model directory needs config.json (the "
                               "attention head count and the frame count are in no tensor), "
                               "but it has only pytorch_model.bin")
        self.refuse(os.path.join(d, "pytorch_model.bin"),
                    message="a Hugging Face vivit checkpoint needs its config.json")

    def test_directory_without_weights_or_sharded(self):
        d = self.path("empty")
        os.makedirs(d)
        self.refuse(d, message=f"{d} is a directory, but not a Hugging Face model directory")
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(vf.hf_config("vivit"), f)
        self.refuse(d, message="no weights: neither model.safetensors nor pytorch_model.bin")
        with open(os.path.join(d, "pytorch_model.bin.index.json"), "w") as f:
            f.write("{}")
        self.refuse(d, message="sharded checkpoints (pytorch_model.bin.index.json) are not "
                               "supported")

    def test_bad_config_files(self):
        d = self.hf_dir("vivit")
        for text, message in (("{not json", "config.json: not valid JSON"),
                              ("[1, 2]", "config.json: not a JSON object")):
            with self.subTest(text):
                with open(os.path.join(d, "config.json"), "w") as f:
                    f.write(text)
                self.refuse(d, message=message)


class Heads(Case):
    def test_config_heads(self):
        for heads, message in ((5, "5 attention heads (from config.json num_attention_heads) "
                                   "do not divide the hidden size 64"),
                               (32, "32 attention heads (from config.json "
                                    "num_attention_heads) give a head size of 2, not a "
                                    "multiple of 4")):
            with self.subTest(heads):
                self.refuse(self.hf_dir("videomae", name=f"h{heads}",
                                        num_attention_heads=heads), message=message)
        d = self.hf_dir("videomae", name="h4")
        self.refuse(d, "--num-heads", 8, message="--num-heads 8 contradicts config.json "
                                                 "num_attention_heads, which is 4")
        config = vf.hf_config("videomae")
        del config["num_attention_heads"]
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config, f)
        self.refuse(d, message="config.json has no num_attention_heads; pass --num-heads N")

    def test_option_heads(self):
        src = vf.videomae_pth(self.path("m.pth"), vf.videomae_official())
        self.refuse(src, "--num-heads", 3, message="3 attention heads (from --num-heads) do "
                                                   "not divide the hidden size 64")
        self.refuse(src, "--num-heads", 32, message="give a head size of 2, not a multiple of 4")
        self.refuse(src, "--num-heads", 0, message="number of heads must be positive", rc=2)
        # no rule fits 96 channels (no multiple of 64): the count must be given
        state = vf.videomae_official(hidden=96)
        self.refuse(torch_save({"model": state}, self.path("odd.pth")),
                    message="96 channels are no multiple of the released head size 64; pass "
                            "--num-heads N")


class Hostile(Case):
    def setUp(self):
        super().setUp()
        self.sentinel = self.path("SENTINEL")

    def assert_not_run(self):
        self.assertFalse(os.path.exists(self.sentinel), "the payload ran")

    def test_pytorch_model_bin(self):
        touch = f"touch {self.sentinel}"
        state = vf.vivit_hf()
        for name, payload in (("posix.system", Calls(os.system, touch)),
                              ("builtins.eval", Calls(eval, f"open({self.sentinel!r}, 'w')"))):
            with self.subTest(name):
                d = self.hf_dir("vivit", state=collections.OrderedDict(state, evil=payload),
                                name=name)
                self.refuse(d, message=f"refusing to load checkpoint: it references {name}, "
                                       "which a state_dict never needs")
                self.assert_not_run()
        # control: an unrestricted loader runs it
        need_torch().load(os.path.join(self.path("posix.system"), "pytorch_model.bin"))
        self.assertTrue(os.path.exists(self.sentinel))

    def probe(self):
        """A module whose import leaves the sentinel (when UF_PROBE_SENTINEL says where)."""
        directory = self.path("probe")
        os.makedirs(directory)
        with open(os.path.join(directory, "uf_probe_mod.py"), "w") as f:
            f.write(PROBE)
        sys.path.insert(0, directory)
        self.addCleanup(sys.path.remove, directory)
        self.addCleanup(sys.modules.pop, "uf_probe_mod", None)
        import uf_probe_mod
        return directory, uf_probe_mod

    def run_with_probe(self, argv, directory):
        env = dict(os.environ, PYTHONPATH=directory, UF_PROBE_SENTINEL=self.sentinel)
        return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=self.dir,
                              timeout=120)

    def test_args_importing_a_module_are_skipped(self):
        directory, probe = self.probe()
        thing = probe.Thing()
        thing.value = 3
        args = vf.videomae_args(callback=probe.hook, thing=thing, helper=os.getcwd)
        src = vf.videomae_pth(self.path("m.pth"), vf.videomae_official(), args=args)
        out = self.path("out.safetensors")
        proc = self.run_with_probe([TOOL, src, out, "--num-heads", "4"], directory)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.read(out)[1]["frames"], "4")  # the rest of args still read
        self.assert_not_run()
        # control: torch.load imports the module, and the sentinel appears
        proc = self.run_with_probe([sys.executable, "-c", "import sys, torch; "
                                    "torch.load(sys.argv[1])", src], directory)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.exists(self.sentinel))

    def test_args_running_code_are_refused(self):
        args = vf.videomae_args(evil=Calls(os.system, f"touch {self.sentinel}"))
        src = vf.videomae_pth(self.path("m.pth"), vf.videomae_official(), args=args)
        self.refuse(src, "--num-heads", 4, message="refusing to load checkpoint: it references "
                                                   "posix.system")
        self.assert_not_run()

    def test_args_not_a_namespace(self):
        # an "args" of another kind is ignored (nothing recorded): release defaults
        src = vf.videomae_pth(self.path("m.pth"), vf.videomae_official(),
                              args={"num_frames": 8})
        out = self.path("o.safetensors")
        self.run_tool(src, out, "--num-heads", 4)
        self.assertEqual(self.read(out)[1]["frames"], "16")


class Keys(Case):
    def test_hf_keys(self):
        torch = need_torch()
        ts = vf.timesformer_hf(vf.timesformer_official(prefix=""))
        cases = {
            "extra": (dict(ts, **{"timesformer.encoder.layer.0.foo.weight": torch.zeros(3)}),
                      "unexpected key 'timesformer.encoder.layer.0.foo.weight': not part of a "
                      "Hugging Face timesformer video classification checkpoint"),
            "missing": ({k: v for k, v in ts.items()
                         if k != "timesformer.encoder.layer.1.temporal_dense.bias"},
                        "missing key 'timesformer.encoder.layer.1.temporal_dense.bias' "
                        "(blocks.1.temporal_fc.bias)"),
            "shape": (dict(ts, **{"classifier.bias": torch.zeros(6)}),
                      "key 'classifier.bias' (head.bias) has shape [6], expected [5]"),
            "integer": (dict(ts, **{"classifier.bias": torch.zeros(5, dtype=torch.int64)}),
                        "key 'classifier.bias' (head.bias) has dtype int64, expected floating"),
            "nan": (dict(ts, **{"classifier.bias": torch.tensor([0, 1, float("nan"), 3, 4.])}),
                    "key 'head.bias' holds NaN or infinite values"),
        }
        for name, (state, message) in cases.items():
            with self.subTest(name):
                self.refuse(self.hf_dir("timesformer", state=state, name=name),
                            "--sampling-rate", 8, message=message)
        vm = vf.videomae_hf()
        dropped = "videomae.encoder.layer.1.attention.attention.q_bias"
        vm = collections.OrderedDict((k, v) for k, v in vm.items() if k != dropped)
        self.refuse(self.hf_dir("videomae", state=vm, name="vm"),
                    message="missing key 'videomae.encoder.layer.1.attention.attention.q_bias' "
                            "(blocks.1.attn.q_bias)")
        pretrain = collections.OrderedDict(vf.videomae_hf(), **{
            "decoder.head.weight": torch.zeros(2, 2)})
        self.refuse(self.hf_dir("videomae", state=pretrain, name="pre"),
                    message="(a VideoMAE pre-training checkpoint, which has no classifier)")

    def test_official_keys(self):
        torch = need_torch()
        vm = vf.videomae_official()
        ts = vf.timesformer_official()
        gone = lambda state, key: collections.OrderedDict((k, v) for k, v in state.items()
                                                          if k != key)
        cases = {
            "missing v_bias": ({"model": gone(vm, "blocks.1.attn.v_bias")},
                               "missing key 'blocks.1.attn.v_bias'"),
            "layer scale": ({"model": dict(vm, **{"blocks.0.gamma_1": torch.ones(64)})},
                            "unexpected key 'blocks.0.gamma_1': not part of a VideoMAE with 2 "
                            "blocks: layer scale (init_values > 0) is not supported"),
            "learned pos": ({"model": dict(vm, pos_embed=torch.zeros(1, 8, 64))},
                            "a learned position embedding is not supported"),
            "both norms": ({"model": dict(vm, **{"norm.weight": torch.ones(64),
                                                 "norm.bias": torch.ones(64)})},
                           "a VideoMAE has either fc_norm (mean pooling) or norm, not both"),
            "ts extra": ({"model_state": dict(ts, **{"model.blocks.0.foo": torch.ones(1)})},
                         "unexpected key 'model.blocks.0.foo' (blocks.0.foo)"),
            "ts missing": ({"model_state": gone(ts, "model.blocks.1.temporal_fc.weight")},
                           "missing key 'model.blocks.1.temporal_fc.weight' "
                           "(blocks.1.temporal_fc.weight)"),
            "ts non-square": ({"model_state": dict(ts, **{"model.pos_embed":
                                                          torch.zeros(1, 7, 64)})},
                              "has 6 patch positions, not a square grid"),
            "ts gap": ({"model_state": collections.OrderedDict(
                (k.replace("blocks.1.", "blocks.2."), v) for k, v in ts.items())},
                "missing key 'model.blocks.1.norm1.weight' (blocks.1.norm1.weight) "),
        }
        for name, (obj, message) in cases.items():
            with self.subTest(name):
                self.refuse(torch_save(obj, self.path("m.pth")), "--num-heads", 4,
                            "--sampling-rate", 8, message=message)

    def test_videomae_pretraining(self):
        torch = need_torch()
        state = collections.OrderedDict(
            [("encoder.patch_embed.proj.weight", torch.zeros(64, 3, 2, 16, 16)),
             ("encoder.blocks.0.attn.q_bias", torch.zeros(64)),
             ("decoder.blocks.0.attn.q_bias", torch.zeros(32)), ("mask_token", torch.zeros(1))])
        self.refuse(torch_save({"model": state}, self.path("pre.pth")),
                    message="this is a VideoMAE pre-training checkpoint (encoder.* and "
                            "decoder.* keys), which has no classifier")

    def test_model_type(self):
        ts = vf.timesformer_hf(vf.timesformer_official(prefix=""))
        d = vf.write_hf_dir(self.path("a"), ts, vf.hf_config("timesformer", model_type="vivit"))
        self.refuse(d, message="config.json model_type is 'vivit', but the keys are a "
                               "timesformer model's")
        other = collections.OrderedDict(("bert." + k, v) for k, v in ts.items())
        d = vf.write_hf_dir(self.path("b"), other, vf.hf_config("timesformer", model_type="bert"))
        self.refuse(d, message="config.json model_type 'bert' is not supported (timesformer, "
                               "vivit or videomae)")

    def test_already_a_model_file(self):
        src = vf.videomae_pth(self.path("m.pth"), vf.videomae_official())
        self.run_tool(src, self.path("model.safetensors"), "--num-heads", 4)
        self.refuse(self.path("model.safetensors"),
                    message="this is already a gst-uniformer videomae model file")


class Unsupported(Case):
    def test_attention_types(self):
        ts = vf.timesformer_official()
        for attention in ("joint_space_time", "space_only"):
            with self.subTest(attention):
                src = vf.timesformer_pyth(self.path("m.pyth"), ts,
                                          vf.timesformer_cfg(attention=attention))
                self.refuse(src, message=f"the checkpoint's cfg TIMESFORMER.ATTENTION_TYPE is "
                                         f"'{attention}': only divided_space_time TimeSformers "
                                         "are supported")
        plain = collections.OrderedDict((k, v) for k, v in ts.items() if "temporal" not in k)
        self.refuse(torch_save({"model_state": plain}, self.path("p.pth")),
                    message="no temporal attention (no blocks.*.temporal_attn keys): attention "
                            "type space_only or joint_space_time, which is not supported")
        self.refuse(self.hf_dir("timesformer", attention_type="space_only"),
                    message="config.json attention_type is 'space_only': only "
                            "divided_space_time TimeSformers are supported")

    def test_activations_and_labels(self):
        cases = {
            "relu": (dict(hidden_act="relu"), "config.json hidden_act is 'relu': only 'gelu' "
                                              "(exact) and 'gelu_fast' (tanh) are supported"),
            "gelu_new": (dict(hidden_act="gelu_new"), "hidden_act is 'gelu_new'"),
            "gap": (dict(id2label={"0": "a", "1": "b", "2": "c", "3": "d", "5": "e"}),
                    "config.json id2label keys must be 0..4, but 4 is missing"),
            "leading zero": (dict(id2label={"00": "a", "1": "b", "2": "c", "3": "d",
                                            "4": "e"}),
                             "config.json id2label key '00' is not a class index"),
            "duplicate": (dict(id2label={"0": "a", "1": "b", "2": "a", "3": "d", "4": "e"}),
                          "config.json id2label names 'a' twice (0 and 2)"),
            "empty name": (dict(id2label={"0": "a", "1": " ", "2": "c", "3": "d", "4": "e"}),
                           "config.json id2label['1'] is ' ', not a class name"),
            "eps": (dict(layer_norm_eps="1e-6"), "config.json layer_norm_eps is '1e-6', not "
                                                 "a small positive number"),
            "qkv_bias": (dict(qkv_bias=False), "config.json qkv_bias is false, but the "
                                               "checkpoint's block 0 attention bias: present "
                                               "is true"),
            "image size": (dict(image_size=[32]), "config.json image_size is [32], not a "
                                                  "positive size"),
        }
        for name, (config, message) in cases.items():
            with self.subTest(name):
                self.refuse(self.hf_dir("vivit", name=name.replace(" ", "_"), **config),
                            message=message)


class OptionsThatDoNotFit(Case):
    def test_usage_errors(self):
        ts = torch_save(vf.timesformer_official(), self.path("ts.pth"))
        vivit = self.hf_dir("vivit")
        from fixtures import uniformer_state_dict
        uni = torch_save(uniformer_state_dict(), self.path("u.pth"))
        for src, args, message in (
                (ts, ["--head-dim", 16], "--head-dim is UniFormer's; a TimeSformer's attention "
                                         "is set with --num-heads"),
                (uni, ["--num-heads", 4, "--head-dim", 16], "--num-heads is for TimeSformer, "
                                                            "ViViT and VideoMAE"),
                (vivit, ["--frames", 3], "frames must be a positive multiple of the tubelet "
                                         "size 2, not 3"),
                (ts, ["--crop", 40], "crop sides must be positive multiples of the patch size "
                                     "16, not 40x40"),
                (ts, ["--frames", 0], "frames must be positive, not 0")):
            with self.subTest(args):
                self.refuse(src, *args, message=message, rc=2)

    def test_fixed_size_families_refuse_resizing(self):
        vivit = self.hf_dir("vivit")
        self.refuse(vivit, "--frames", 8, message="--frames 8: this ViViT takes 4 frames "
                                                  "(config.json num_frames); its official code "
                                                  "accepts no other count")
        self.refuse(vivit, "--crop", 48, message="--crop 48x48: this ViViT takes 32x32 input "
                                                 "(config.json image_size)")
        vm = vf.videomae_pth(self.path("vm.pth"), vf.videomae_official())
        self.refuse(vm, "--num-heads", 4, "--frames", 8,
                    message="--frames 8: this VideoMAE takes 4 frames (the checkpoint's "
                            "args.num_frames)")
        self.refuse(vm, "--num-heads", 4, "--crop", "32x48",
                    message="--crop 32x48: this VideoMAE takes 32x32 input (the checkpoint's "
                            "args.input_size)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
