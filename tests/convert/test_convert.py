#!/usr/bin/python3
"""uniformer-convert tests: conversions end to end.

Run: /usr/bin/python3 tests/convert/test_convert.py  (UF_CONVERT= the tool,
UF_SHARED_DIR= the shared data directory for the label-file rows).
This file also runs the sibling test modules (hostile input, labels, safetensors,
output paths, head_dim, the video ViT families and their bad input, the cfg
reader, the light UniFormers, their bad input and their PyTorch reference).
"""

import collections
import hashlib
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from fixtures import (HEAD_DIM_ARGS, TempDirCase, label_file, need_torch,  # noqa: E402
                      torch_save, uniformer_state_dict)

SIBLINGS = ("test_hostile", "test_labels", "test_safetensors", "test_output", "test_head_dim",
            "test_vit", "test_vit_errors", "test_yamlcfg", "test_light", "test_light_errors",
            "test_light_reference")


def load_tests(loader, tests, pattern):
    for name in SIBLINGS:
        tests.addTests(loader.loadTestsFromModule(__import__(name)))
    return tests


def raw_layout(path):
    """Parses a model file by hand (independently of ufconvert.safetensors)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    text = data[8:8 + n].decode("utf-8")
    return n, text, json.loads(text, object_pairs_hook=collections.OrderedDict), len(data)


class Conversion(TempDirCase):
    def setUp(self):
        super().setUp()
        self.state = uniformer_state_dict()
        self.kept = [k for k in self.state if not k.endswith("num_batches_tracked")]

    def check_tensors(self, out, dtype="f32", state=None):
        """The model file holds exactly the state_dict minus num_batches_tracked."""
        state = state or self.state
        tensors, meta = self.read(out)
        self.assertEqual(list(tensors), self.kept)
        for key in self.kept:
            want = state[key].numpy()
            got = tensors[key]
            self.assertEqual(got.shape, want.shape, key)
            if dtype == "f16" and want.ndim >= 2:
                self.assertEqual(got.dtype, np.float16, key)
                # round to nearest even, as torch's .half() does
                np.testing.assert_array_equal(got, state[key].half().numpy(), key)
                np.testing.assert_allclose(got.astype(np.float32), want, rtol=2 ** -11, atol=6e-8)
            else:
                self.assertEqual(got.dtype, np.float32, key)
                np.testing.assert_array_equal(got, want, key)
        return meta

    def test_raw_layout_and_metadata(self):
        src = torch_save(self.state, self.path("uniformer_tiny_k10_16x4.pth"))
        out = self.path("out.safetensors")
        stdout, _ = self.run_tool(src, out, *HEAD_DIM_ARGS)
        self.assertIn("depths 1,1,1,1", stdout)
        self.assertIn("head_dim 16 (from --head-dim)", stdout)
        meta = self.check_tensors(out)

        n, text, header, size = raw_layout(out)
        self.assertEqual((8 + n) % 8, 0)
        json_part = text.rstrip(" ")  # padding is spaces only, less than 8 of them
        self.assertTrue(json_part.endswith("}"))
        self.assertLess(len(text) - len(json_part), 8)
        offset = 0
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            self.assertEqual(begin, offset, f"{name} is not contiguous in header order")
            offset = end
        self.assertEqual(8 + n + offset, size)

        with open(src, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(meta, {
            "format": "gst-uniformer", "format_version": "1", "architecture": "uniformer",
            "depths": "1,1,1,1", "dims": "16,32,64,128", "head_dim": "16", "mlp_ratio": "4",
            "num_classes": "10", "frames": "16", "sampling_rate": "4", "source_fps": "30",
            "crop_height": "224", "crop_width": "224", "mean": "0.45,0.45,0.45",
            "std": "0.225,0.225,0.225", "color_order": "rgb",
            "labels": json.dumps([f"class {i}" for i in range(10)]),
            "name": "uniformer_tiny_k10_16x4",
            "provenance": f"converted from uniformer_tiny_k10_16x4.pth (sha256 {digest}) "
                          "by uniformer-convert 0.1.0",
        })

    def test_wrappings(self):
        torch = need_torch()
        prefixed = collections.OrderedDict(("module." + k, v) for k, v in self.state.items())
        training = {"epoch": 30, "model_state": self.state,
                    "optimizer_state": {"state": {0: {"exp_avg": torch.randn(4, 4)}},
                                        "param_groups": [{"lr": 0.1, "params": [0]}]},
                    "scaler": {"scale": 65536.0, "_growth_tracker": 3},
                    "cfg": "MODEL:\n  ARCH: uniformer\n"}
        cases = {
            "model": {"model": self.state},
            "model_state": training,
            "module": prefixed,
            "model_module": {"model": prefixed, "epoch": 1},
            "parameters": collections.OrderedDict(
                (k, torch.nn.Parameter(v, requires_grad=False) if v.is_floating_point() else v)
                for k, v in self.state.items()),
        }
        for name, obj in cases.items():
            with self.subTest(name):
                out = self.path(name + ".safetensors")
                self.run_tool(torch_save(obj, self.path(name + ".pth")), out, *HEAD_DIM_ARGS)
                self.check_tensors(out)

    def test_shared_storage_and_views(self):
        # Tensors that are views of one storage (non-zero offset, transposed
        # strides) must come out with their own values.
        torch = need_torch()
        state = collections.OrderedDict(self.state)
        big = torch.randn(64 * 3 * 64 + 100)
        state["blocks3.0.attn.qkv.weight"] = big[100:].view(64, 3 * 64).t()
        state["blocks3.0.attn.qkv.bias"] = big[:192]
        out = self.path("views.safetensors")
        self.run_tool(torch_save(state, self.path("views.pth")), out, *HEAD_DIM_ARGS)
        self.check_tensors(out, state=state)

    def test_f16(self):
        src = torch_save(self.state, self.path("m.pth"))
        out = self.path("m16.safetensors")
        self.run_tool(src, out, "--dtype", "f16", *HEAD_DIM_ARGS)
        self.check_tensors(out, "f16")

    def test_narrow_input_widened(self):
        torch = need_torch()
        for dtype in (torch.float16, torch.bfloat16):
            with self.subTest(dtype):
                narrow = collections.OrderedDict(
                    (k, v.to(dtype) if v.is_floating_point() else v)
                    for k, v in self.state.items())
                out = self.path("n.safetensors")
                self.run_tool(torch_save(narrow, self.path("n.pth")), out, *HEAD_DIM_ARGS)
                tensors, _ = self.read(out)
                for key in self.kept:
                    self.assertEqual(tensors[key].dtype, np.float32)
                    np.testing.assert_array_equal(tensors[key], narrow[key].float().numpy())

    def test_options(self):
        src = torch_save(self.state, self.path("m.pth"))
        out = self.path("o.safetensors")
        self.run_tool(src, out, "--frames", 8, "--sampling-rate", 2, "--source-fps", 29.97,
                      "--crop", "96x160", "--color-order", "bgr", "--name", "Tiny model",
                      "--head-dim", 32, "--mean", "0.485,0.456,0.406", "--std", 0.5)
        _, meta = self.read(out)
        expect = {"frames": "8", "sampling_rate": "2", "source_fps": "29.97",
                  "crop_height": "96", "crop_width": "160", "color_order": "bgr",
                  "name": "Tiny model", "head_dim": "32", "mean": "0.485,0.456,0.406",
                  "std": "0.5,0.5,0.5"}
        self.assertEqual({k: meta[k] for k in expect}, expect)

    def test_bad_options_are_usage_errors(self):
        src = torch_save(self.state, self.path("m.pth"))
        out = self.path("o.safetensors")
        for args, message in (
                (["--frames", 15], "frames must be even"),
                (["--frames", 0], "frames must be even"),
                (["--frames", "x"], "not an integer"),
                (["--crop", 100], "multiples of 32"),
                (["--crop", "96x100"], "multiples of 32"),
                (["--crop", "1x2x3"], "HEIGHTxWIDTH"),
                (["--sampling-rate", 0], "sampling rate"),
                (["--source-fps", 0], "source fps"),
                (["--source-fps", "nan"], "not a finite number"),
                (["--head-dim", 0], "head dim"),
                (["--std", "0.2,0"], "one value or three"),
                (["--std", "0.2,0,1"], "std needs 3 positive"),
                (["--mean", "a"], "not a number"),
                (["--color-order", "gbr"], "invalid choice"),
                (["--dtype", "f64"], "invalid choice"),
                (["--name", " "], "name must not be empty"),
                ([], None)):
            with self.subTest(args):
                if message is None:
                    self.fails(src, message="required", rc=2)  # no output argument
                else:
                    self.fails(src, out, *args, message=message, rc=2)
        self.assertFalse(os.path.exists(out))

    def test_head_dim_must_divide(self):
        src = torch_save(self.state, self.path("m.pth"))
        self.fails(src, self.path("o"), "--head-dim", 48,
                   message="head_dim 48 (from --head-dim) does not divide stage 3's dim 64 "
                           "or stage 4's dim 128")
        self.assertFalse(os.path.exists(self.path("o")))

    def test_safetensors_input(self):
        import ufconvert.safetensors as st
        src = self.path("sd.safetensors")
        st.write(src, collections.OrderedDict((k, v.numpy()) for k, v in self.state.items()),
                 {"anything": "ignored"})
        out = self.path("from_st.safetensors")
        stdout, _ = self.run_tool(src, out, *HEAD_DIM_ARGS)
        self.assertIn("safetensors", stdout)
        meta = self.check_tensors(out)
        self.assertEqual(meta["name"], "sd")
        # A model file is itself a valid input: converting it again changes nothing,
        # and its head_dim metadata stands in for --head-dim.
        again = self.path("again.safetensors")
        stdout, _ = self.run_tool(out, again, "--name", "sd")
        self.assertIn('head_dim 16 (from the checkpoint\'s gst-uniformer metadata "head_dim")',
                      stdout)
        self.assertEqual(dict(self.read(again)[1], provenance=""), dict(meta, provenance=""))
        self.assertEqual(self.read(again)[0].keys(), self.read(out)[0].keys())
        for k, v in self.read(again)[0].items():
            np.testing.assert_array_equal(v, self.read(out)[0][k])

    def test_output_is_replaced_atomically(self):
        src = torch_save(self.state, self.path("m.pth"))
        out = self.path("o.safetensors")
        with open(out, "w") as f:
            f.write("old")
        self.fails(self.path("missing.pth"), out, message="No such file")
        with open(out) as f:
            self.assertEqual(f.read(), "old")  # a failed run leaves it alone
        self.run_tool(src, out, *HEAD_DIM_ARGS)
        self.check_tensors(out)
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth", "o.safetensors"])
        self.fails(src, self.path("no/such/dir/o"),
                   message=f"cannot create {self.path('no/such/dir/o')}: the directory")
        self.fails(src, src, message="would overwrite the checkpoint")
        self.fails(src, self.dir, message=f"{self.dir} is a directory, not a regular file")
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth", "o.safetensors"])


class SharedLabels(TempDirCase):
    """The real label lists, with models of their class counts."""

    def convert_with(self, file, num_classes):
        labels = label_file(file)
        state = uniformer_state_dict(num_classes=num_classes)
        out = self.path("o.safetensors")
        self.run_tool(torch_save(state, self.path("m.pth")), out, "--labels", labels,
                      *HEAD_DIM_ARGS)
        return json.loads(self.read(out)[1]["labels"])

    def test_k400(self):
        names = self.convert_with("kinetics400.txt", 400)
        self.assertEqual(names[:3], ["riding a bike", "marching", "dodgeball"])
        self.assertEqual((names[341], names[399]), ("abseiling", "playing badminton"))

    def test_k600(self):
        names = self.convert_with("kinetics600.txt", 600)
        self.assertEqual((names[0], names[599]), ("feeding fish", "playing organ"))

    def test_ssv2(self):
        names = self.convert_with("ssv2.txt", 174)
        self.assertEqual(names[0], "Approaching [something] with your camera")
        self.assertEqual(names[173], "[Something] falling like a rock")

    def test_count_mismatch(self):
        labels = label_file("kinetics400.txt")
        src = torch_save(uniformer_state_dict(num_classes=10), self.path("m.pth"))
        self.fails(src, self.path("o"), "--labels", labels, *HEAD_DIM_ARGS,
                   message="it has 400 labels but the checkpoint has 10 classes")


class SmallLayout(TempDirCase):
    """UniFormer-S shapes: 331 keys, 400 classes, with the K400 list (a few seconds)."""

    def test_uniformer_s(self):
        labels = label_file("kinetics400.txt")
        state = uniformer_state_dict((3, 4, 8, 3), (64, 128, 320, 512), 4, 400)
        self.assertEqual(len(state), 331)
        src = torch_save(state, self.path("uniformer_small_k400_16x4.pth"))
        for dtype in ("f32", "f16"):
            out = self.path(f"s_{dtype}.safetensors")
            # a released layout: no --head-dim, the release's 64
            stdout, _ = self.run_tool(src, out, "--labels", labels, "--dtype", dtype)
            self.assertIn("head_dim 64 (the released UniFormer-S value)", stdout)
            tensors, meta = self.read(out)
            self.assertEqual(meta["head_dim"], "64")
            self.assertEqual(len(tensors), 331 - 15)  # 15 BatchNorms' num_batches_tracked
            self.assertEqual(sum(t.size for t in tensors.values()), 21_404_240)
            self.assertEqual((meta["depths"], meta["dims"], meta["num_classes"]),
                             ("3,4,8,3", "64,128,320,512", "400"))
            self.assertEqual(json.loads(meta["labels"])[0], "riding a bike")
            np.testing.assert_array_equal(tensors["blocks3.7.attn.qkv.weight"],
                                          state["blocks3.7.attn.qkv.weight"].half().numpy()
                                          if dtype == "f16" else
                                          state["blocks3.7.attn.qkv.weight"].numpy())


if __name__ == "__main__":
    unittest.main(verbosity=2)
