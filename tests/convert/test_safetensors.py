"""ufconvert.safetensors: the writer's layout and the reader's checks."""

import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from fixtures import TempDirCase  # noqa: E402

from ufconvert import safetensors as st  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402


def raw_file(path, header, data):
    """Writes a safetensors file by hand (header dict, data bytes)."""
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    return path


class RoundTrip(TempDirCase):
    def test_dtypes_and_order(self):
        rng = np.random.default_rng(0)
        tensors = {
            "z.f32": rng.standard_normal((3, 5)).astype(np.float32),
            "a.f16": rng.standard_normal((7,)).astype(np.float16),
            "m.f64": rng.standard_normal((2, 2, 2)),
            "i64": np.arange(5, dtype=np.int64),
            "scalar": np.array(3, dtype=np.int32),
            "empty": np.zeros((0, 4), np.float32),
            "u8": np.arange(3, dtype=np.uint8),
            "bool": np.array([True, False]),
            "big-endian": np.arange(4, dtype=">f4"),
            "strided": np.arange(12, dtype=np.float32).reshape(3, 4).T,
        }
        meta = {"name": "café", "labels": json.dumps(["a", "b"])}
        path = self.path("t.safetensors")
        st.write(path, tensors, meta)
        got, got_meta = st.read(path)
        self.assertEqual(list(got), list(tensors))
        self.assertEqual(got_meta, meta)
        for name, value in tensors.items():
            self.assertEqual(got[name].shape, value.shape, name)
            np.testing.assert_array_equal(got[name], value, name)
            self.assertEqual(got[name].dtype.byteorder in "<=|", True)
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
        self.assertEqual(n % 8, 0)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o666 & ~_umask())

    def test_bf16_read_as_f32(self):
        values = np.array([1.0, -2.5, 3.140625], np.float32)
        raw = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
        path = raw_file(self.path("bf.safetensors"),
                        {"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}, raw)
        np.testing.assert_array_equal(st.read(path)[0]["x"], values)

    def test_write_refuses(self):
        with self.assertRaises(ValueError):
            st.write(self.path("a"), {"x": np.zeros(1)}, {"n": 3})
        with self.assertRaises(ValueError):
            st.write(self.path("b"), {"x": np.zeros(1, np.complex64)})
        with self.assertRaises(ValueError):
            st.write(self.path("c"), {"__metadata__": np.zeros(1)})
        self.assertEqual(os.listdir(self.dir), [])  # no temporary file left behind


class ReadChecks(TempDirCase):
    def test_malformed(self):
        f32 = lambda shape, begin, end: {"dtype": "F32", "shape": shape,
                                          "data_offsets": [begin, end]}
        cases = {
            "bad dtype": ({"x": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}},
                          b"\0", "unknown dtype"),
            "size": ({"x": f32([2], 0, 4)}, b"\0" * 4, "do not fit shape"),
            "bounds": ({"x": f32([2], 0, 8)}, b"\0" * 4, "do not fit shape"),
            "overlap": ({"x": f32([1], 0, 4), "y": f32([1], 0, 4)}, b"\0" * 4, "overlaps"),
            "hole": ({"x": f32([1], 4, 8)}, b"\0" * 8, "leaves a hole"),
            "trailing": ({"x": f32([1], 0, 4)}, b"\0" * 8, "4 bytes after the last tensor"),
            "negative": ({"x": f32([-1], 0, 4)}, b"\0" * 4, "malformed shape"),
            "extra field": ({"x": dict(f32([1], 0, 4), more=1)}, b"\0" * 4, "exactly dtype"),
            "metadata": ({"__metadata__": {"a": 1}}, b"", "must map strings to strings"),
            "not object": ([], b"", "not a JSON object"),
        }
        for name, (header, data, message) in cases.items():
            with self.subTest(name):
                path = raw_file(self.path(name), header, data)
                with self.assertRaises(ConvertError) as caught:
                    st.read(path)
                self.assertIn(message, str(caught.exception))

    def test_short_and_oversized(self):
        with open(self.path("short"), "wb") as f:
            f.write(b"\1\0")
        with open(self.path("huge"), "wb") as f:
            f.write(struct.pack("<Q", 1 << 40) + b"{}")
        with open(self.path("deep"), "wb") as f:
            f.write(struct.pack("<Q", 100005) + b'{"a":' + b"[" * 100000)
        for name, message in (("short", "too short"), ("huge", "exceeds"),
                              ("deep", "nested too deeply")):
            with self.assertRaises(ConvertError) as caught:
                st.read(self.path(name))
            self.assertIn(message, str(caught.exception))


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


if __name__ == "__main__":
    unittest.main(verbosity=2)
