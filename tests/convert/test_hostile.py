"""uniformer-convert tests: malformed and hostile checkpoints.

Every bad input must end in one clear line on stderr and exit status 1, and a
pickle that names a callable outside the state_dict set must never run it.
"""

import collections
import os
import pickle
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import (HEAD_DIM_ARGS, TempDirCase, need_torch, torch_save,  # noqa: E402
                      uniformer_state_dict, zip_checkpoint)

import ufconvert.torchzip  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402


class Calls:
    """Pickles as a call fn(*args) -- the classic pickle payload."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


class HostilePickles(TempDirCase):
    def setUp(self):
        super().setUp()
        self.sentinel = self.path("SENTINEL")

    def assert_refused(self, src, name):
        """Both the tool and the library refuse src, naming the global, without running it."""
        line = self.fails(src, self.path("out"), message="refusing to load checkpoint")
        self.assertRegex(line, rf"it references [\w.]*{name}, which a state_dict never needs")
        with self.assertRaisesRegex(ConvertError, "refusing"):
            ufconvert.torchzip.load(src)
        self.assertFalse(os.path.exists(self.sentinel), "the payload ran")
        self.assertFalse(os.path.exists(self.path("out")))

    def test_torch_saved_payloads(self):
        state = uniformer_state_dict()
        touch = f"touch {self.sentinel}"
        payloads = {
            "posix.system": Calls(os.system, touch),
            "eval": Calls(eval, f"open({self.sentinel!r}, 'w')"),
            "exec": Calls(exec, f"open({self.sentinel!r}, 'w')"),
            "subprocess.Popen": Calls(subprocess.Popen, ["touch", self.sentinel]),
            "getattr": Calls(getattr, self.sentinel, "upper"),
            "__import__": Calls(__import__, "os"),
            "io.open": Calls(open, self.sentinel, "w"),
        }
        for name, payload in payloads.items():
            for where, obj in (("state_dict entry", dict(state, evil=payload)),
                               ("training entry", {"model_state": state, "cfg": payload})):
                with self.subTest(name=name, where=where):
                    self.assert_refused(torch_save(obj, self.path("evil.pth")), name)

    def test_payload_is_live(self):
        # Control: the payload really runs under an unrestricted loader, so
        # the sentinel checks above mean something.
        torch = need_torch()
        src = torch_save({"x": Calls(os.system, f"touch {self.sentinel}")}, self.path("e.pth"))
        torch.load(src)
        self.assertTrue(os.path.exists(self.sentinel))

    def test_hand_made_opcodes(self):
        touch = f"touch {self.sentinel}".encode()
        pickles = {
            "GLOBAL": b"cos\nsystem\n(S'" + touch + b"'\ntR.",
            "STACK_GLOBAL": pickle.dumps(Calls(os.system, touch.decode()), protocol=4),
            "INST": b"(S'" + touch + b"'\nios\nsystem\n.",
            "OBJ": b"(cos\nsystem\nS'" + touch + b"'\no.",
            "nested": b"ccollections\nOrderedDict\n(cos\nsystem\n(S'" + touch + b"'\ntRtR.",
        }
        for opcode, data in pickles.items():
            with self.subTest(opcode):
                src = zip_checkpoint(self.path(f"{opcode}.pth"), data)
                self.assert_refused(src, "system")

    def test_extension_opcode(self):
        # EXT1 resolves through copyreg's registry: nothing is registered in
        # the converter, so this is a malformed pickle, and nothing runs.
        src = zip_checkpoint(self.path("ext.pth"), b"\x80\x02\x82\x01)R.")
        self.fails(src, self.path("out"), message="not a valid pickle")
        self.assertFalse(os.path.exists(self.sentinel))

    def test_allocation_bombs(self):
        # Lengths and memo indices the C unpickler would allocate for.
        cases = {
            "memo index": (b"\x80\x02K\x01r\xff\xff\xff\x7f.", "memo index 2147483647"),
            "bytes8 length": (b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b".",
                              "not a valid pickle"),
            "frame length": (b"\x80\x04\x95" + struct.pack("<Q", 1 << 40) + b"K\x01.",
                             "frame at byte 2 runs past the end"),
        }
        for name, (data, message) in cases.items():
            with self.subTest(name):
                src = zip_checkpoint(self.path("bomb.pth"), data)
                self.fails(src, self.path("out"), message=message)

    def test_allowed_globals_cannot_be_abused(self):
        # Hand-written pickles (protocol 0 text opcodes, plus Q = BINPERSID)
        # that use only allowed globals, in ways torch.save never would.
        def storage(key="0", numel=4):
            """The persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)."""
            return b"(Vstorage\nctorch\nFloatStorage\nV%s\nVcpu\nI%d\ntQ" % (key.encode(), numel)

        def tensor(offset, size, stride, store=None):
            """torch._utils._rebuild_tensor_v2(store, offset, size, stride, False, ())."""
            ints = lambda values: b"(" + b"".join(b"I%d\n" % v for v in values) + b"t"
            return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + (store or storage())
                    + b"I%d\n" % offset + ints(size) + ints(stride) + b"I00\n)tR")

        blob = {"0": struct.pack("<4f", 0, 1, 2, 3)}
        cases = {
            # BUILD on a validated tensor would rewrite its offset
            "setstate": (tensor(0, [4], [1]) + b"}Voffset\nI65535\nsb.", "sets state on a Tensor"),
            "storage type call": (b"ctorch\nFloatStorage\n)R.", "not callable"),
            "past the storage": (tensor(2, [4], [1]) + b".", "run past the end of storage"),
            "more than storage": (tensor(0, [8], [0]) + b".", "more elements than its storage"),
            "bad storage": (tensor(0, [4], [1], b"I0\n") + b".", "storage is not a storage"),
            "negative stride": (tensor(3, [4], [-1]) + b".", "bad stride"),
            "bad pid": (b"Vabc\nQ.", "malformed storage reference"),
            "short blob": (storage(numel=5) + b".", "holds 16 bytes"),
            "missing blob": (storage(key="9") + b".", "storage '9' is missing"),
            # control: the helpers make a loadable pickle (then no UniFormer keys)
            "fine": (b"(dVx\n" + tensor(0, [2, 2], [1, 2]) + b"s.", "missing key"),
        }
        fine = zip_checkpoint(self.path("fine.pth"), cases["fine"][0], blob)
        x = ufconvert.torchzip.load(fine)["x"].numpy()
        self.assertEqual(x.tolist(), [[0, 2], [1, 3]])
        for name, (data, message) in cases.items():
            with self.subTest(name):
                src = zip_checkpoint(self.path("x.pth"), data, blob)
                self.fails(src, self.path("out"), message=message)


class Mutations(TempDirCase):
    """Damaged pickles end in ConvertError, never in another exception."""

    def test_mutated_pickles_fail_cleanly(self):
        import random
        import zipfile
        from ufconvert.convert import Options, convert

        good = torch_save(uniformer_state_dict(), self.path("good.pth"))
        with zipfile.ZipFile(good) as z:
            names = [n for n in z.namelist() if "/data/" in n]
            blobs = {n.rsplit("/", 1)[1]: z.read(n) for n in names}
            pkl = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
        rng = random.Random(1)
        for trial in range(300):
            data = bytearray(pkl)
            if trial % 3 == 0:
                data = data[:rng.randrange(len(data))]
            else:
                for _ in range(rng.randint(1, 3)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            src = zip_checkpoint(self.path("m.pth"), bytes(data), blobs)
            try:
                convert(src, self.path("out"), Options(head_dim=16))
            except ConvertError:
                pass


class BadContainers(TempDirCase):
    def setUp(self):
        super().setUp()
        self.state = uniformer_state_dict()
        self.good = torch_save(self.state, self.path("good.pth"))
        with open(self.good, "rb") as f:
            self.bytes = f.read()

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def test_containers(self):
        corrupt = bytearray(self.bytes)
        corrupt[len(corrupt) // 2] ^= 0xFF  # inside a blob: the zip CRC catches it
        cases = {
            "empty": (b"", "the file is empty"),
            "text": (b"hello, this is not a checkpoint\n", "neither a PyTorch checkpoint"),
            "truncated": (self.bytes[:len(self.bytes) // 2], "not a valid zip file"),
            "truncated end": (self.bytes[:-30], "not a valid zip file"),
            "corrupt": (bytes(corrupt), "truncated or damaged"),
            "bad safetensors": (b"\x10" + b"\0" * 7 + b"{not json}      ", "not UTF-8 JSON"),
        }
        for name, (data, message) in cases.items():
            with self.subTest(name):
                self.fails(self.write(name, data), self.path("out"), message=message)
        self.fails(self.path("absent.pth"), self.path("out"), message="No such file")
        # a directory is read as a Hugging Face model directory, which this is not
        self.fails(self.dir, self.path("out"),
                   message=f"{self.dir} is a directory, but not a Hugging Face model directory")

    def test_legacy_format(self):
        src = torch_save(self.state, self.path("old.pth"), _use_new_zipfile_serialization=False)
        self.fails(src, self.path("out"), message="legacy (PyTorch < 1.6)")

    def test_structure(self):
        torch = need_torch()
        cases = {
            "no data.pkl": (zip_checkpoint(self.path("z.pth"), b"", prefix="a/b"),
                            "expected one <name>/data.pkl"),
            "garbage pickle": (zip_checkpoint(self.path("g.pth"), b"\x80\x02garbage"),
                               "not a valid pickle"),
            "list": (torch_save([1, 2], self.path("l.pth")),
                     "does not hold a state_dict (found list)"),
            "non-tensor": (torch_save(dict(self.state, extra=3), self.path("n.pth")),
                           "entry 'extra' is not a tensor (found int)"),
            "non-string key": (torch_save({1: torch.zeros(1)}, self.path("k.pth")),
                               "non-string key 1"),
        }
        for name, (src, message) in cases.items():
            with self.subTest(name):
                self.fails(src, self.path("out"), message=message)


class BadStateDicts(TempDirCase):
    """Well-formed checkpoints whose state_dict is not a supported UniFormer."""

    def check(self, edit, message, *options):
        state = collections.OrderedDict(uniformer_state_dict())
        edit(state)
        src = torch_save(state, self.path("m.pth"))
        self.fails(src, self.path("out"), *HEAD_DIM_ARGS, *options, message=message)
        self.assertFalse(os.path.exists(self.path("out")))

    def test_keys_and_shapes(self):
        torch = need_torch()

        def rename_block(state, old, new):
            for key in [k for k in state if k.startswith(old)]:
                state[new + key[len(old):]] = state.pop(key)

        cases = {
            "missing": (lambda s: s.pop("blocks2.0.conv1.bias"),
                        "missing key 'blocks2.0.conv1.bias'"),
            "missing head": (lambda s: (s.pop("head.weight"), s.pop("head.bias")),
                             "missing key 'head.weight'"),
            "extra": (lambda s: s.__setitem__("foo.weight", torch.zeros(2)),
                      "unexpected key 'foo.weight'"),
            "extra in block": (lambda s: s.__setitem__("blocks1.0.extra", torch.zeros(2)),
                               "unexpected key 'blocks1.0.extra'"),
            "shape": (lambda s: s.__setitem__("head.bias", torch.zeros(11)),
                      "key 'head.bias' has shape [11], expected [10]"),
            "mlp ratios differ": (lambda s: s.__setitem__("blocks3.0.mlp.fc1.weight",
                                                          torch.zeros(128, 64)),
                                  "key 'blocks3.0.mlp.fc1.weight' has shape [128, 64], "
                                  "expected [256, 64]"),
            "ratio not integer": (lambda s: s.__setitem__("blocks1.0.mlp.fc1.weight",
                                                          torch.zeros(56, 16, 1, 1, 1)),
                                  "mlp_ratio must be an integer"),
            "integer weights": (lambda s: s.__setitem__("head.bias",
                                                        torch.zeros(10, dtype=torch.int32)),
                                "expected floating point"),
            "no stage 4": (lambda s: [s.pop(k) for k in list(s) if k.startswith("blocks4.")],
                           "stage 4 has no blocks"),
            "index gap": (lambda s: rename_block(s, "blocks3.0.", "blocks3.1."),
                          "missing key 'blocks3.0.pos_embed.weight'"),
            "light": (lambda s: s.__setitem__("cls_token", torch.zeros(1, 1, 64)),
                      "light UniFormer (XXS/XS)"),
            "light stem": (lambda s: s.__setitem__("patch_embed1.proj.0.weight",
                                                   torch.zeros(8, 3, 3, 3, 3)),
                           "light UniFormer (XXS/XS)"),
            "split": (lambda s: s.__setitem__("blocks3.0.t_attn.qkv.weight",
                                              torch.zeros(192, 64)), "SplitSABlock"),
            "std": (lambda s: s.__setitem__("patch_embed2.proj.weight",
                                            torch.zeros(32, 16, 3, 2, 2)),
                    "'std' patch embedding"),
            "nan": (lambda s: s["blocks1.0.conv1.weight"].view(-1).__setitem__(3, float("nan")),
                    "'blocks1.0.conv1.weight' holds NaN"),
        }
        for name, (edit, message) in cases.items():
            with self.subTest(name):
                self.check(edit, message)

    def test_f16_overflow(self):
        self.check(lambda s: s["head.weight"].view(-1).__setitem__(0, 1e6),
                   "'head.weight' has values outside the float16 range", "--dtype", "f16")


if __name__ == "__main__":
    unittest.main(verbosity=2)
