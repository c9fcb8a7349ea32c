"""uniformer-convert tests: TimeSformer, ViViT and VideoMAE conversions end to end.

Each family in each on-disk format its saving code writes (official training
checkpoints, Hugging Face directories with pytorch_model.bin, with
model.safetensors, with both), small configs. The output tensors must be the
inputs mapped as docs/model-format.md ("Video ViT families") says -- q/k/v
assembly, renames, the TimeSformer patch reshape, nearest resizing against
hand-computed indices -- and the metadata the documented values.
"""

import collections
import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import vit_fixtures as vf  # noqa: E402
from fixtures import TempDirCase, need_torch, torch_save  # noqa: E402

from ufconvert import vit  # noqa: E402

C = vf.C
IMAGENET = ("0.485,0.456,0.406", "0.229,0.224,0.225")


def numpy_state(state, prefix=""):
    return collections.OrderedDict((k[len(prefix):], v.numpy()) for k, v in state.items()
                                   if k.startswith(prefix))


def model_keys(family, depth, pooling):
    """The model file's tensor names, from the docs/model-format.md table."""
    keys = ["patch_embed.proj.weight", "patch_embed.proj.bias"]
    if family in ("timesformer", "vivit"):
        keys += ["cls_token", "pos_embed"]
    if family == "timesformer":
        keys += ["time_embed"]
    for i in range(depth):
        b = f"blocks.{i}."
        for n in ("norm1", "norm2", "attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"):
            keys += [f"{b}{n}.weight", f"{b}{n}.bias"]
        if family == "timesformer":
            for n in ("temporal_norm1", "temporal_attn.qkv", "temporal_attn.proj",
                      "temporal_fc"):
                keys += [f"{b}{n}.weight", f"{b}{n}.bias"]
    keys += ["fc_norm.weight", "fc_norm.bias"] if pooling == "mean" else ["norm.weight",
                                                                         "norm.bias"]
    return sorted(keys + ["head.weight", "head.bias"])


def timesformer_expected(official):
    """Official TimeSformer names (unprefixed, numpy) -> the model file's tensors."""
    out = dict(official)
    out["patch_embed.proj.weight"] = official["patch_embed.proj.weight"][:, :, None]
    return out


def videomae_official_expected(official):
    out = {}
    for key, value in official.items():
        if key.endswith("attn.q_bias"):
            b = key[:-len("q_bias")]
            out[b + "qkv.bias"] = np.concatenate(
                [value, np.zeros(C, np.float32), official[b + "v_bias"]])
        elif not key.endswith("attn.v_bias"):
            out[key] = value
    return out


def vivit_expected(hf):
    out = {"patch_embed.proj.weight": hf["vivit.embeddings.patch_embeddings.projection.weight"],
           "patch_embed.proj.bias": hf["vivit.embeddings.patch_embeddings.projection.bias"],
           "cls_token": hf["vivit.embeddings.cls_token"],
           "pos_embed": hf["vivit.embeddings.position_embeddings"],
           "norm.weight": hf["vivit.layernorm.weight"], "norm.bias": hf["vivit.layernorm.bias"],
           "head.weight": hf["classifier.weight"], "head.bias": hf["classifier.bias"]}
    for i in range(vf.DEPTH):
        h, b = f"vivit.encoder.layer.{i}.", f"blocks.{i}."
        att = h + "attention.attention."
        out[b + "attn.qkv.weight"] = np.concatenate(
            [hf[att + "query.weight"], hf[att + "key.weight"], hf[att + "value.weight"]])
        out[b + "attn.qkv.bias"] = np.concatenate(
            [hf[att + "query.bias"], hf[att + "key.bias"], hf[att + "value.bias"]])
        for ours, theirs in (("attn.proj", "attention.output.dense"),
                             ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense"),
                             ("norm1", "layernorm_before"), ("norm2", "layernorm_after")):
            for p in ("weight", "bias"):
                out[f"{b}{ours}.{p}"] = hf[f"{h}{theirs}.{p}"]
    return out


def videomae_hf_expected(hf):
    out = {"patch_embed.proj.weight":
           hf["videomae.embeddings.patch_embeddings.projection.weight"],
           "patch_embed.proj.bias": hf["videomae.embeddings.patch_embeddings.projection.bias"],
           "head.weight": hf["classifier.weight"], "head.bias": hf["classifier.bias"]}
    for p in ("weight", "bias"):
        if "fc_norm.weight" in hf:
            out[f"fc_norm.{p}"] = hf[f"fc_norm.{p}"]
        else:
            out[f"norm.{p}"] = hf[f"videomae.layernorm.{p}"]
    for i in range(vf.DEPTH):
        h, b = f"videomae.encoder.layer.{i}.", f"blocks.{i}."
        att = h + "attention.attention."
        out[b + "attn.qkv.weight"] = np.concatenate(
            [hf[att + "query.weight"], hf[att + "key.weight"], hf[att + "value.weight"]])
        out[b + "attn.qkv.bias"] = np.concatenate(
            [hf[att + "q_bias"], np.zeros(C, np.float32), hf[att + "v_bias"]])
        for ours, theirs in (("attn.proj", "attention.output.dense"),
                             ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense"),
                             ("norm1", "layernorm_before"), ("norm2", "layernorm_after")):
            for p in ("weight", "bias"):
                out[f"{b}{ours}.{p}"] = hf[f"{h}{theirs}.{p}"]
    return out


class VitCase(TempDirCase):
    def convert(self, src, *args, out="out.safetensors"):
        stdout, _ = self.run_tool(src, self.path(out), *args)
        tensors, meta = self.read(self.path(out))
        return tensors, meta, stdout

    def assert_tensors(self, tensors, expected, family, pooling, dtype="f32", depth=vf.DEPTH):
        self.assertEqual(sorted(tensors), model_keys(family, depth, pooling))
        self.assertEqual(sorted(tensors), sorted(expected))
        for key, want in expected.items():
            got = tensors[key]
            self.assertEqual(got.shape, want.shape, key)
            if dtype == "f16" and want.ndim >= 2:
                self.assertEqual(got.dtype, np.float16, key)
                np.testing.assert_array_equal(got, want.astype(np.float16), key)
            else:
                self.assertEqual(got.dtype, np.float32, key)
                np.testing.assert_array_equal(got, want, key)


class TimeSformerOfficial(VitCase):
    def setUp(self):
        super().setUp()
        self.state = vf.timesformer_official()
        self.official = numpy_state(self.state, "model.")

    def test_pyth(self):
        src = vf.timesformer_pyth(self.path("TimeSformer_divST_4x8_32_K5.pyth"), self.state,
                                  vf.timesformer_cfg())
        tensors, meta, stdout = self.convert(src, "--num-heads", 4)
        self.assertIn("TimeSformer hidden 64, depth 2, 4 heads (from --num-heads)", stdout)
        self.assertIn("wrapped in 'model_state', 'model.' prefix stripped", stdout)
        self.assert_tensors(tensors, timesformer_expected(self.official), "timesformer", "cls")
        self.assertEqual(tensors["patch_embed.proj.weight"].shape, (C, 3, 1, 16, 16))
        with open(src, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(meta, {
            "format": "gst-uniformer", "format_version": "1", "architecture": "timesformer",
            "hidden_size": "64", "depth": "2", "num_heads": "4", "mlp_dim": "128",
            "patch_size": "16", "tubelet_size": "1", "layer_norm_eps": "1e-6",
            "head_norm_eps": "1e-6", "gelu": "exact", "pooling": "cls", "num_classes": "5",
            "frames": "4", "sampling_rate": "8", "source_fps": "30", "crop_height": "32",
            "crop_width": "32", "mean": "0.45,0.45,0.45", "std": "0.225,0.225,0.225",
            "color_order": "rgb", "labels": json.dumps([f"class {i}" for i in range(5)]),
            "name": "TimeSformer_divST_4x8_32_K5",
            "provenance": f"converted from TimeSformer_divST_4x8_32_K5.pyth (sha256 {digest}) "
                          "by uniformer-convert 0.1.0"})

    def test_flow_style_cfg(self):
        # yacs dumps from PyYAML < 5.1 put the innermost collections in flow style
        cfg = vf.timesformer_cfg(rate=16, flow=True)
        src = vf.timesformer_pyth(self.path("m.pyth"), self.state, cfg)
        _, meta, _ = self.convert(src, "--num-heads", 4)
        self.assertEqual((meta["sampling_rate"], meta["frames"], meta["crop_height"]),
                         ("16", "4", "32"))

    def test_wrappers_and_default_heads(self):
        torch = need_torch()
        bare = collections.OrderedDict((k[len("model."):], v) for k, v in self.state.items())
        module = collections.OrderedDict(("module." + k, v) for k, v in self.state.items())
        cases = {"state_dict": {"state_dict": module}, "model": {"model": self.state},
                 "module": {"module": bare, "epoch": 3}, "raw": bare,
                 "parameters": collections.OrderedDict(
                     (k, torch.nn.Parameter(v, requires_grad=False)) for k, v in bare.items())}
        for name, obj in cases.items():
            with self.subTest(name):
                src = torch_save(obj, self.path(name + ".pth"))
                # no cfg: frames and size from time_embed and pos_embed; 4 frames are no
                # release, so the sampling rate must be given
                self.fails(src, self.path("x"), message="sampling rate of this TimeSformer "
                                                        "is unknown")
                tensors, meta, stdout = self.convert(src, "--sampling-rate", 8)
                self.assertIn("1 heads (head size 64, as in the released official models)",
                              stdout)
                self.assertEqual(meta["num_heads"], "1")
                self.assertEqual((meta["frames"], meta["crop_height"], meta["crop_width"]),
                                 ("4", "32", "32"))
                self.assert_tensors(tensors, timesformer_expected(self.official),
                                    "timesformer", "cls")

    def test_release_sampling_rate(self):
        state = vf.timesformer_official(frames=8)
        _, meta, _ = self.convert(torch_save(state, self.path("m.pth")))
        self.assertEqual((meta["frames"], meta["sampling_rate"]), ("8", "32"))

    def test_resize(self):
        src = vf.timesformer_pyth(self.path("m.pyth"), self.state, vf.timesformer_cfg())
        tensors, meta, _ = self.convert(src, "--num-heads", 4, "--frames", 6, "--crop", "48x64")
        self.assertEqual((meta["frames"], meta["crop_height"], meta["crop_width"]),
                         ("6", "48", "64"))
        # PyTorch 'nearest': src = floor(dst * in / out); 2x is exact halving
        time_index = [0, 0, 1, 2, 2, 3]     # 4 -> 6 frames
        rows, cols = [0, 0, 1], [0, 0, 1, 1]  # 2x2 -> 3x4 patches
        pos, time = self.official["pos_embed"], self.official["time_embed"]
        grid = pos[0, 1:].reshape(2, 2, C)
        want_pos = np.concatenate(
            [pos[:, :1], np.stack([grid[r, c] for r in rows for c in cols])[None]], axis=1)
        want = timesformer_expected(self.official)
        want["pos_embed"] = want_pos
        want["time_embed"] = time[:, time_index]
        self.assertEqual(want_pos.shape, (1, 13, C))
        self.assert_tensors(tensors, want, "timesformer", "cls")
        # and what the official code computes, F.interpolate(mode='nearest')
        torch = need_torch()
        F = torch.nn.functional
        other = torch.from_numpy(pos[0, 1:]).unsqueeze(0).transpose(1, 2).reshape(1, C, 2, 2)
        ref = F.interpolate(other, size=(3, 4), mode="nearest").flatten(2).transpose(1, 2)
        np.testing.assert_array_equal(tensors["pos_embed"][0, 1:], ref[0].numpy())
        ref_t = F.interpolate(torch.from_numpy(time).transpose(1, 2), size=6, mode="nearest")
        np.testing.assert_array_equal(tensors["time_embed"], ref_t.transpose(1, 2).numpy())

    def test_test_crop_size(self):
        # TEST_CROP_SIZE other than TRAIN_CROP_SIZE: the test-time input, pos_embed resized
        cfg = vf.timesformer_cfg(test_crop=48)
        src = vf.timesformer_pyth(self.path("m.pyth"), self.state, cfg)
        tensors, meta, _ = self.convert(src, "--num-heads", 4)
        self.assertEqual((meta["crop_height"], meta["crop_width"]), ("48", "48"))
        index = [0, 0, 1]
        grid = self.official["pos_embed"][0, 1:].reshape(2, 2, C)
        np.testing.assert_array_equal(tensors["pos_embed"][0, 1:].reshape(3, 3, C),
                                      grid[index][:, index])
        np.testing.assert_array_equal(tensors["pos_embed"][0, 0], self.official["pos_embed"][0, 0])

    def test_f16_and_overrides(self):
        src = vf.timesformer_pyth(self.path("m.pyth"), self.state, vf.timesformer_cfg())
        tensors, meta, _ = self.convert(src, "--num-heads", 4, "--dtype", "f16",
                                        "--sampling-rate", 4, "--source-fps", 25,
                                        "--mean", "0.5", "--std", "0.25,0.5,1",
                                        "--color-order", "bgr", "--name", "tiny")
        self.assert_tensors(tensors, timesformer_expected(self.official), "timesformer", "cls",
                            dtype="f16")
        self.assertEqual({k: meta[k] for k in ("sampling_rate", "source_fps", "mean", "std",
                                               "color_order", "name")},
                         {"sampling_rate": "4", "source_fps": "25", "mean": "0.5,0.5,0.5",
                          "std": "0.25,0.5,1", "color_order": "bgr", "name": "tiny"})

    def test_without_qkv_bias(self):
        state = vf.timesformer_official(qkv_bias=False)
        tensors, _, _ = self.convert(torch_save(state, self.path("m.pth")), "--sampling-rate", 8)
        for key in ("blocks.1.attn.qkv.bias", "blocks.0.temporal_attn.qkv.bias"):
            np.testing.assert_array_equal(tensors[key], np.zeros(3 * C, np.float32))


class TimeSformerHF(VitCase):
    CLASSES = 12  # more than 10, so that string order of the id2label keys is wrong

    def setUp(self):
        super().setUp()
        self.official = vf.timesformer_official(classes=self.CLASSES, prefix="")
        self.hf = vf.timesformer_hf(self.official)
        self.config = vf.hf_config("timesformer", classes=self.CLASSES)
        _, self.names = vf.id2label(self.CLASSES)

    def check(self, directory, *args, expected=None):
        tensors, meta, stdout = self.convert(directory, "--sampling-rate", 8, *args)
        self.assertIn("4 heads (from config.json num_attention_heads)", stdout)
        self.assert_tensors(tensors, expected or timesformer_expected(numpy_state(self.official)),
                            "timesformer", "cls")
        self.assertEqual(json.loads(meta["labels"]), self.names)
        self.assertEqual((meta["num_heads"], meta["layer_norm_eps"], meta["gelu"],
                          meta["pooling"], meta["frames"], meta["crop_height"], meta["mean"]),
                         ("4", "1e-6", "exact", "cls", "4", "32", "0.45,0.45,0.45"))
        self.assertEqual(meta["name"], os.path.basename(directory))
        return tensors, meta, stdout

    def test_bin(self):
        d = vf.write_hf_dir(self.path("timesformer-tiny"), self.hf, self.config, ("bin",))
        _, meta, stdout = self.check(d)
        self.assertIn("Hugging Face directory, pytorch_model.bin", stdout)
        self.assertIn("pytorch_model.bin sha256", meta["provenance"])
        self.assertIn("config.json sha256", meta["provenance"])

    def test_safetensors(self):
        d = vf.write_hf_dir(self.path("timesformer-tiny"), self.hf, self.config,
                            ("safetensors",))
        _, _, stdout = self.check(d)
        self.assertIn("Hugging Face directory, model.safetensors", stdout)

    def test_both_prefers_safetensors(self):
        d = vf.write_hf_dir(self.path("both"), self.hf, self.config, ("safetensors",))
        other = vf.timesformer_hf(vf.timesformer_official(classes=self.CLASSES, prefix="",
                                                          seed=9))
        torch_save(other, os.path.join(d, "pytorch_model.bin"))
        _, _, stdout = self.check(d)
        self.assertIn("model.safetensors", stdout)

    def test_bin_file_with_config_beside(self):
        d = vf.write_hf_dir(self.path("m"), self.hf, self.config, ("bin",))
        tensors, meta, stdout = self.convert(os.path.join(d, "pytorch_model.bin"),
                                             "--sampling-rate", 8)
        self.assertIn("with config.json beside it", stdout)
        self.assertEqual(json.loads(meta["labels"]), self.names)

    def test_frames_resized(self):
        # HF's own code takes only config's num_frames; the official code (and so the
        # converter) resizes time_embed
        d = vf.write_hf_dir(self.path("m"), self.hf, self.config, ("safetensors",))
        tensors, meta, _ = self.convert(d, "--frames", 8, "--sampling-rate", 8)
        self.assertEqual(meta["frames"], "8")
        time = self.official["time_embed"].numpy()
        np.testing.assert_array_equal(tensors["time_embed"], time[:, [0, 0, 1, 1, 2, 2, 3, 3]])

    def test_labels_option_wins(self):
        d = vf.write_hf_dir(self.path("m"), self.hf, self.config, ("bin",))
        with open(self.path("labels.txt"), "w") as f:
            f.write("".join(f"mine-{i}\n" for i in range(self.CLASSES)))
        _, meta, _ = self.convert(d, "--sampling-rate", 8, "--labels", self.path("labels.txt"))
        self.assertEqual(json.loads(meta["labels"])[11], "mine-11")


class ViViTHF(VitCase):
    def setUp(self):
        super().setUp()
        self.hf = vf.vivit_hf()
        self.config = vf.hf_config("vivit")

    def test_bin_and_safetensors(self):
        for formats in (("bin",), ("safetensors",)):
            with self.subTest(formats):
                d = vf.write_hf_dir(self.path("vivit-" + formats[0]), self.hf, self.config,
                                    formats)
                tensors, meta, stdout = self.convert(d)  # Scenic's stride 2 by default
                self.assertIn("ViViT hidden 64, depth 2, 4 heads", stdout)
                self.assert_tensors(tensors, vivit_expected(numpy_state(self.hf)), "vivit",
                                    "cls")
                self.assertEqual(tensors["pos_embed"].shape, (1, 1 + 2 * 4, C))
                self.assertEqual({k: meta[k] for k in (
                    "architecture", "tubelet_size", "patch_size", "gelu", "pooling",
                    "layer_norm_eps", "head_norm_eps", "frames", "sampling_rate",
                    "crop_height", "crop_width", "mean", "std", "color_order", "num_classes")},
                    {"architecture": "vivit", "tubelet_size": "2", "patch_size": "16",
                     "gelu": "tanh", "pooling": "cls", "layer_norm_eps": "1e-6",
                     "head_norm_eps": "1e-6", "frames": "4", "sampling_rate": "2",
                     "crop_height": "32", "crop_width": "32", "mean": "0.5,0.5,0.5",
                     "std": "0.5,0.5,0.5", "color_order": "rgb", "num_classes": "5"})

    def test_release_frames_and_exact_gelu(self):
        # the release's 32 frames; hidden_act "gelu"; --sampling-rate overrides Scenic's 2
        config = vf.hf_config("vivit", num_frames=32, hidden_act="gelu")
        d = vf.write_hf_dir(self.path("m"), vf.vivit_hf(frames=32), config, ("safetensors",))
        _, meta, _ = self.convert(d, "--dtype", "f16", "--sampling-rate", 3)
        self.assertEqual((meta["frames"], meta["sampling_rate"], meta["gelu"]),
                         ("32", "3", "exact"))


class VideoMAEOfficial(VitCase):
    def setUp(self):
        super().setUp()
        self.state = vf.videomae_official()
        self.official = numpy_state(self.state)

    def test_pth_with_args(self):
        src = vf.videomae_pth(self.path("videomae_tiny.pth"), self.state)
        tensors, meta, stdout = self.convert(src, "--num-heads", 4)
        self.assertIn("VideoMAE hidden 64, depth 2, 4 heads (from --num-heads)", stdout)
        self.assert_tensors(tensors, videomae_official_expected(self.official), "videomae",
                            "mean")
        np.testing.assert_array_equal(tensors["blocks.1.attn.qkv.bias"][C:2 * C], 0)
        self.assertEqual({k: meta[k] for k in (
            "architecture", "tubelet_size", "gelu", "pooling", "layer_norm_eps",
            "head_norm_eps", "frames", "sampling_rate", "crop_height", "crop_width", "mean",
            "std", "num_classes")},
            {"architecture": "videomae", "tubelet_size": "2", "gelu": "exact",
             "pooling": "mean", "layer_norm_eps": "1e-6", "head_norm_eps": "1e-6",
             "frames": "4", "sampling_rate": "4", "crop_height": "32", "crop_width": "32",
             "mean": IMAGENET[0], "std": IMAGENET[1], "num_classes": "5"})

    def test_args_values_used(self):
        args = vf.videomae_args(num_frames=8, input_size=48, sampling_rate=2)
        src = vf.videomae_pth(self.path("m.pth"), self.state, args=args)
        _, meta, _ = self.convert(src, "--num-heads", 4)
        self.assertEqual((meta["frames"], meta["crop_height"], meta["sampling_rate"]),
                         ("8", "48", "2"))

    def test_deepspeed_module_without_args(self):
        torch = need_torch()
        src = torch_save({"module": self.state}, self.path("ds.pth"))
        # nothing records frames or size: the releases' 16 x 224, or what the options say
        _, meta, stdout = self.convert(src)
        self.assertIn("1 heads (head size 64", stdout)
        self.assertEqual((meta["frames"], meta["crop_height"], meta["sampling_rate"]),
                         ("16", "224", "4"))
        _, meta, _ = self.convert(src, "--frames", 4, "--crop", 32, "--num-heads", 4)
        self.assertEqual((meta["frames"], meta["crop_height"], meta["sampling_rate"]),
                         ("4", "32", "4"))
        del torch

    def test_token0_pooling(self):
        state = vf.videomae_official(mean_pooling=False)
        args = vf.videomae_args(use_mean_pooling=False)
        tensors, meta, _ = self.convert(vf.videomae_pth(self.path("m.pth"), state, args=args),
                                        "--num-heads", 4, "--dtype", "f16")
        self.assert_tensors(tensors, videomae_official_expected(numpy_state(state)), "videomae",
                            "token0", dtype="f16")
        self.assertEqual((meta["pooling"], meta["head_norm_eps"]), ("token0", "1e-6"))


class VideoMAEHF(VitCase):
    def test_bin_mean_pooling(self):
        hf = vf.videomae_hf()
        d = vf.write_hf_dir(self.path("videomae-tiny"), hf, vf.hf_config("videomae"), ("bin",))
        tensors, meta, stdout = self.convert(d)
        self.assertIn("4 heads (from config.json num_attention_heads)", stdout)
        self.assert_tensors(tensors, videomae_hf_expected(numpy_state(hf)), "videomae", "mean")
        # HF: blocks' eps from config.json, fc_norm's fixed at 1e-5
        self.assertEqual({k: meta[k] for k in ("pooling", "layer_norm_eps", "head_norm_eps",
                                               "frames", "sampling_rate", "mean", "std")},
                         {"pooling": "mean", "layer_norm_eps": "1e-12", "head_norm_eps": "1e-5",
                          "frames": "4", "sampling_rate": "4", "mean": IMAGENET[0],
                          "std": IMAGENET[1]})
        self.assertEqual(json.loads(meta["labels"]), vf.id2label(5)[1])

    def test_safetensors_token0(self):
        hf = vf.videomae_hf(mean_pooling=False)
        config = vf.hf_config("videomae", use_mean_pooling=False, num_frames=16)
        d = vf.write_hf_dir(self.path("m"), hf, config, ("safetensors",))
        tensors, meta, _ = self.convert(d)
        self.assert_tensors(tensors, videomae_hf_expected(numpy_state(hf)), "videomae",
                            "token0")
        self.assertEqual((meta["pooling"], meta["layer_norm_eps"], meta["head_norm_eps"],
                          meta["frames"], meta["sampling_rate"]),
                         ("token0", "1e-12", "1e-12", "16", "4"))


class HFDefaults(VitCase):
    def test_absent_keys_take_the_config_class_defaults(self):
        config = vf.hf_config("videomae")
        for key in ("layer_norm_eps", "hidden_act", "use_mean_pooling", "qkv_bias"):
            del config[key]
        d = vf.write_hf_dir(self.path("m"), vf.videomae_hf(), config, ("safetensors",))
        _, meta, _ = self.convert(d)
        self.assertEqual((meta["layer_norm_eps"], meta["head_norm_eps"], meta["gelu"],
                          meta["pooling"]), ("1e-12", "1e-5", "exact", "mean"))
        config = vf.hf_config("vivit")
        del config["hidden_act"], config["id2label"], config["label2id"]
        d = vf.write_hf_dir(self.path("v"), vf.vivit_hf(), config, ("safetensors",))
        _, meta, _ = self.convert(d)
        self.assertEqual(meta["gelu"], "tanh")
        self.assertEqual(json.loads(meta["labels"]), [f"class {i}" for i in range(5)])


class Units(unittest.TestCase):
    """Library functions: the nearest index, the official head rule, eps text."""

    def test_nearest_index_matches_torch(self):
        torch = need_torch()
        F = torch.nn.functional
        for size_in in range(1, 15):
            for size_out in range(1, 40):
                x = torch.arange(size_in, dtype=torch.float32).view(1, 1, size_in)
                ref = F.interpolate(x, size=size_out, mode="nearest").view(-1).long().tolist()
                self.assertEqual(vit.nearest_index(size_out, size_in).tolist(), ref,
                                 (size_in, size_out))
        # floor(dst * in / out), hand-computed
        self.assertEqual(vit.nearest_index(6, 4).tolist(), [0, 0, 1, 2, 2, 3])
        self.assertEqual(vit.nearest_index(3, 4).tolist(), [0, 1, 2])
        self.assertEqual(vit.nearest_index(2, 7).tolist(), [0, 3])

    def test_official_head_rule(self):
        def heads(family, hidden):
            a = vit.VitArch(family, hidden, 1, 4 * hidden, 16, 2, 10, True, "mean", 16, (14, 14))
            return vit.resolve_heads(a, None, vit.Hints())
        self.assertEqual(heads("videomae", 1280)[0], 16)     # ViT-H: head size 80
        self.assertEqual(heads("timesformer", 1280)[0], 20)
        self.assertEqual(heads("videomae", 384)[0], 6)       # ViT-S
        self.assertEqual(heads("videomae", 1024)[0], 16)     # ViT-L
        self.assertEqual(heads("timesformer", 768), (12, "head size 64, as in the released "
                                                        "official models"))
        with self.assertRaisesRegex(Exception, "pass --num-heads"):
            heads("videomae", 96)

    def test_eps_text(self):
        self.assertEqual([vit.eps_text(x) for x in (1e-6, 1e-12, 1e-5, 0.001, 2.5e-7)],
                         ["1e-6", "1e-12", "1e-5", "0.001", "2.5e-7"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
