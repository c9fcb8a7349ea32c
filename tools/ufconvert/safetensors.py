"""Reading and writing safetensors files (the model file format is one).

Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
the tensors' raw little-endian C-order bytes. The JSON maps each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (relative to the data start)
and may hold a "__metadata__" object of string values.
"""

import errno
import json
import math
import os
import struct
import tempfile

import numpy as np

from .errors import ConvertError

# safetensors dtype name -> numpy dtype (little-endian). BF16 has no numpy
# type: it is read as raw uint16 and widened to float32 (exact).
DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
_NAMES = {dt.str.lstrip("<|="): name for name, dt in DTYPES.items() if name != "BF16"}

# The engine refuses headers above 16 MiB; reading allows more, as the input
# side may be any safetensors state_dict.
MAX_HEADER = 100 << 20


def dtype_name(dtype):
    """The safetensors name of a numpy dtype ("F32", ...); ValueError if none."""
    name = _NAMES.get(np.dtype(dtype).str.lstrip("<>|="))
    if name is None:
        raise ValueError(f"numpy dtype {np.dtype(dtype)} has no safetensors equivalent")
    return name


def header_bytes(entries, metadata):
    """The JSON header for (name, dtype name, shape, nbytes) entries, padded.

    Spaces pad the header so that the data starts on an 8-byte boundary.
    """
    header = {}
    if metadata is not None:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"metadata {key!r}: keys and values must be strings")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, shape, nbytes in entries:
        if name == "__metadata__":
            raise ValueError("a tensor cannot be named __metadata__")
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return raw + b" " * (-len(raw) % 8)


def write(path, tensors, metadata=None):
    """Writes tensors (name -> numpy array, in that order) and string metadata.

    The file appears atomically: it is written to a temporary file in the
    same directory, synced, then renamed over path.
    """
    arrays = []
    for name, array in tensors.items():
        array = np.asarray(array)
        le = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        arrays.append((name, np.asarray(array, dtype=le, order="C")))  # keeps 0-d
    header = header_bytes([(n, dtype_name(a.dtype), a.shape, a.nbytes) for n, a in arrays],
                          metadata)
    if os.path.isdir(path):  # else the rename's error would name the temporary file
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header)))
            f.write(header)
            for _, array in arrays:
                f.write(memoryview(array.reshape(-1)).cast("B"))
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file 0600; give it the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _fail(path, message):
    raise ConvertError(f"{path}: not a valid safetensors file: {message}")


def read(path):
    """Reads a safetensors file; returns (tensors, metadata).

    tensors is a dict name -> numpy array in header order (BF16 widened to
    float32), metadata a dict of strings ({} when absent). The header is
    checked strictly: known dtypes, sizes matching shapes, offsets in bounds
    and covering the data exactly once. Raises ConvertError.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            _fail(path, f"{size} bytes is too short for a header")
        (n,) = struct.unpack("<Q", f.read(8))
        if n > MAX_HEADER or n > size - 8:
            _fail(path, f"header length {n} exceeds the file or the {MAX_HEADER}-byte cap")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            _fail(path, f"header is not UTF-8 JSON ({e})")
        except RecursionError:
            _fail(path, "header JSON is nested too deeply")
        data = bytearray(size - 8 - n)
        if f.readinto(data) != len(data):
            _fail(path, "file changed while reading")
    if not isinstance(header, dict):
        _fail(path, "header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        _fail(path, "__metadata__ must map strings to strings")
    tensors, spans = {}, []
    for name, info in header.items():
        tensors[name], span = _tensor(path, name, info, data)
        spans.append((span, name))
    end = 0
    for (begin, stop), name in sorted(spans):
        if begin != end:
            _fail(path, f"tensor {name!r} " + ("overlaps another" if begin < end
                                              else f"leaves a hole at data offset {end}"))
        end = stop
    if end != len(data):
        _fail(path, f"{len(data) - end} bytes after the last tensor")
    return tensors, metadata


def _tensor(path, name, info, data):
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        _fail(path, f"tensor {name!r} needs exactly dtype, shape and data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES:
        _fail(path, f"tensor {name!r} has unknown dtype {dtype!r}")
    ints = lambda v: isinstance(v, list) and all(
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v)
    if not ints(shape) or not ints(offsets) or len(offsets) != 2:
        _fail(path, f"tensor {name!r} has a malformed shape or data_offsets")
    begin, end = offsets
    want = math.prod(shape) * DTYPES[dtype].itemsize
    if not begin <= end <= len(data) or end - begin != want:
        _fail(path, f"tensor {name!r} data_offsets {offsets} do not fit shape {shape} "
                    f"and {len(data)} data bytes")
    array = np.frombuffer(data, DTYPES[dtype], math.prod(shape), begin).reshape(tuple(shape))
    if dtype == "BF16":
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array, (begin, end)
