"""Reading and writing safetensors files (the model file format is one).

Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
the tensors' raw little-endian C-order bytes. The JSON maps each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (relative to the data start)
and may hold a "__metadata__" object of string values.
"""

import json
import math
import os
import stat
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


# What os.lstat/os.stat's file types are called in messages.
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


def _kind(mode):
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"  # a door, a whiteout, ...


def output_target(path):
    """Where write(path) puts the file: (target path, its stat result or None if new).

    path may name a regular file (replaced), a new file in an existing
    directory, or a symbolic link to either (the link stays; its final target
    is replaced or created). Anything else -- a device, FIFO, socket or
    directory, a link to one, or a path whose directory does not exist -- is
    refused with a ConvertError naming path. Only lstat/stat look at the path,
    so a FIFO is never opened (which would block) and a device never written.
    """
    if not path:
        raise ConvertError("the output path is empty")
    target, link = path, False
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            link = True
            target = os.path.realpath(path)
            st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:  # a symlink loop, a file used as a directory, no permission
        raise ConvertError(f"{path}: {e.strerror or e}") from None
    via = f"{path} is a symbolic link to {target}, which" if link else path
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise ConvertError(f"{via} is {_kind(st.st_mode)}, not a regular file; "
                               "refusing to write the model file there")
        return target, st
    if not os.path.basename(target):
        raise ConvertError(f"{path} ends in a slash, so it names no file")
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        what = "does not exist" if not os.path.lexists(directory) else "is not a directory"
        where = f"{path} (a symbolic link to {target})" if link else path
        raise ConvertError(f"cannot create {where}: the directory {directory} {what}")
    return target, None


def write(path, tensors, metadata=None):
    """Writes tensors (name -> numpy array, in that order) and string metadata.

    The file appears atomically: it is written to a temporary file in the
    target's directory, synced, then renamed over the target, which is path or,
    when path is a symbolic link, the file it points to (output_target: other
    kinds of file are refused, and nothing is written). A replaced file keeps
    its permission bits; a new one gets 0666 less the umask. An OSError names
    path, never the temporary file, and the temporary file never outlives the
    call.
    """
    arrays = []
    for name, array in tensors.items():
        array = np.asarray(array)
        le = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        arrays.append((name, np.asarray(array, dtype=le, order="C")))  # keeps 0-d
    header = header_bytes([(n, dtype_name(a.dtype), a.shape, a.nbytes) for n, a in arrays],
                          metadata)
    target, old = output_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    if old is not None:
        mode = stat.S_IMODE(old.st_mode) & 0o777
    else:  # mkstemp creates the file 0600; give it the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + ".",
                                   suffix=".tmp")
    except OSError as e:
        raise OSError(e.errno, f"{e.strerror} (creating a temporary file in {directory})",
                      path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header)))
            f.write(header)
            for _, array in arrays:
                f.write(memoryview(array.reshape(-1)).cast("B"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if output_target(path)[0] != target:  # once more: it may have changed meanwhile
            raise ConvertError(f"{path} changed while the model file was being written")
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OSError(e.errno, e.strerror or str(e), path) from None
        raise
    _sync_directory(directory)


def _sync_directory(directory):
    """Makes the rename durable where the system allows it (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
