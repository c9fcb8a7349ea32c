"""ufconvert.yamlcfg (yacs cfg.dump() text without a YAML library) and the
unpickler's placeholders for unknown globals (torchzip.Opaque)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vit_fixtures as vf  # noqa: E402
from fixtures import TempDirCase, zip_checkpoint  # noqa: E402

from ufconvert import torchzip, yamlcfg  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402

CFG = {
    "DATA": {"NUM_FRAMES": 8, "SAMPLING_RATE": 32, "TRAIN_CROP_SIZE": 224,
             "MEAN": [0.45, 0.45, 0.45], "STD": [0.225, 0.225, 0.225],
             "PATH_TO_DATA_DIR": "/x: y", "LONG": "a very long string " * 8,
             "QUOTED": "it's: here", "EMPTY": [], "NONE": None, "TRAIN_JITTER_SCALES": [256, 320]},
    "MODEL": {"NUM_CLASSES": 400, "MODEL_NAME": "vit_base_patch16_224",
              "LOSS_FUNC": "cross_entropy", "A" * 30: 1, "B" * 30: 2, "C" * 30: 3},
    "TIMESFORMER": {"ATTENTION_TYPE": "divided_space_time", "PRETRAINED_MODEL": ""},
    "SOLVER": {"STEPS": [0, 11, 14], "NESTED": {"NUM_FRAMES": 3}},
    "UNIFORMER": {"PRUNE_RATIO": [[], [], [1, 0.5, 0.5], [0.5, 0.5, 0.5]], "DEPTH": [2, 5, 8, 2],
                  "NESTED": [[[1, 2], []], [3]]},
    "NUM_GPUS": 8, "TRUE": True,
}


def as_text(value):
    """What yamlcfg gives for a value yaml.safe_load would give."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Yaml(unittest.TestCase):
    def test_against_pyyaml(self):
        try:
            import yaml
        except ImportError:
            self.skipTest("python3-yaml is not installed")
        for style in (False, None, True):  # block (PyYAML >= 5.1), leaf flow (older), all flow
            with self.subTest(style):
                text = yaml.safe_dump(CFG, default_flow_style=style)
                self.assertEqual(yamlcfg.parse(text), as_text(yaml.safe_load(text)))

    def test_fixture_texts(self):
        for flow in (False, True):
            cfg = yamlcfg.parse(vf.timesformer_cfg(frames=16, rate=4, flow=flow))
            self.assertEqual(yamlcfg.lookup(cfg, "DATA.NUM_FRAMES"), "16")
            self.assertEqual(yamlcfg.lookup(cfg, "DATA.SAMPLING_RATE"), "4")
            self.assertEqual(yamlcfg.lookup(cfg, "DATA.MEAN"), ["0.45"] * 3)
            self.assertEqual(yamlcfg.lookup(cfg, "MODEL.NUM_CLASSES"), "5")
            self.assertEqual(yamlcfg.lookup(cfg, "TIMESFORMER.ATTENTION_TYPE"),
                             "divided_space_time")
            self.assertIsNone(yamlcfg.lookup(cfg, "DATA.NOPE"))
            self.assertIsNone(yamlcfg.lookup(cfg, "NUM_GPUS.X"))

    def test_tolerant(self):
        # what is not understood is left out, never guessed, never an exception
        for text in ("", "- a\n- b\n", "{", "A: &x 1\nB: *x\nC: 2\n", "A: |\n  text\nB: 3\n",
                     "A: [1, [2\n", None, 3, "A:\n  B: {C: [1, 2}\n  D: 4\n"):
            with self.subTest(text):
                cfg = yamlcfg.parse(text)
                self.assertIsInstance(cfg, dict)
        self.assertEqual(yamlcfg.parse("A: &x 1\nB: *x\nC: 2\n"), {"C": "2"})
        self.assertEqual(yamlcfg.parse("A: |\n  text\nB: 3\n"), {"B": "3"})
        self.assertEqual(yamlcfg.integer("8"), 8)
        self.assertIsNone(yamlcfg.integer("8.5"))
        self.assertEqual(yamlcfg.number("2.5e-1"), 0.25)
        self.assertIsNone(yamlcfg.number("nan"))


class Placeholders(TempDirCase):
    """Unknown globals load as inert placeholders: never imported, never called."""

    def load(self, data):
        return torchzip.load(zip_checkpoint(self.path("p.pth"), data))

    def test_namespace_state_is_data(self):
        # protocol 2, as torch.save writes an argparse.Namespace: NEWOBJ then BUILD
        obj = self.load(b"\x80\x02cargparse\nNamespace\n)\x81}X\x01\x00\x00\x00aK\x01sb.")
        self.assertIsInstance(obj, torchzip.Opaque)
        self.assertEqual(torchzip.state_of(obj, "argparse.Namespace"), {"a": 1})
        self.assertIsNone(torchzip.state_of(obj, "other.Class"))
        with self.assertRaises(AttributeError):
            obj.uf_state = {}

    def test_construction_runs_nothing(self):
        sentinel = self.path("SENTINEL")
        # NEWOBJ of subprocess.Popen with a command: only the placeholder's __new__ runs
        obj = self.load(b"\x80\x02csubprocess\nPopen\nX\x05\x00\x00\x00touchX"
                        + len(sentinel).to_bytes(4, "little") + sentinel.encode()
                        + b"\x86\x85\x81.")
        self.assertEqual(type(obj).uf_global, "subprocess.Popen")
        self.assertFalse(os.path.exists(sentinel))
        for data, name in ((b"\x80\x02csubprocess\nPopen\n)R.", "subprocess.Popen"),
                           (b"\x80\x02cargparse\nNamespace\n)R.", "argparse.Namespace")):
            with self.assertRaisesRegex(ConvertError, f"it references {name}, which a "
                                                      "state_dict never needs"):
                self.load(data)

    def test_state_set_once(self):
        with self.assertRaisesRegex(ConvertError, "sets the state of an object twice"):
            self.load(b"\x80\x02cargparse\nNamespace\n)\x81}b}b.")
        # BUILD on the placeholder class itself
        with self.assertRaisesRegex(ConvertError, "not a valid pickle|twice|refusing"):
            self.load(b"\x80\x02cargparse\nNamespace\n}b.")


if __name__ == "__main__":
    unittest.main(verbosity=2)
