"""Reading PyTorch's zip checkpoint container without PyTorch.

torch.save (PyTorch >= 1.6) writes a zip archive holding PREFIX/data.pkl, a
pickle of the saved object, and PREFIX/data/<key>, one raw blob per storage.
Tensors appear in the pickle as calls to torch._utils._rebuild_tensor_v2 on a
storage that the pickle names through a persistent id
('storage', torch.FloatStorage, key, location, numel).

Unpickling runs whatever callables the pickle names, so a checkpoint from an
untrusted source could run arbitrary code under torch.load. This reader
resolves only the handful of globals a state_dict needs: OrderedDict, and
stand-ins written here for the torch ones. Nothing from torch (which is not
imported) and nothing else is ever imported or called.

Any other global becomes an Opaque placeholder class, made here, holding only
the global's name. A training checkpoint's bookkeeping pickles objects of
classes such as argparse.Namespace (VideoMAE's "args"): protocol 2 rebuilds
them with NEWOBJ (the placeholder's own __new__) and BUILD (its __setstate__,
which keeps the state as inert data), so they load as placeholders without
their module being imported. Calling a placeholder -- REDUCE, INST, OBJ, the
way a pickle runs code -- is refused.
"""

import _compat_pickle
import collections
import io
import math
import pickle
import pickletools
import warnings
import zipfile
import zlib

import numpy as np

from .errors import ConvertError

# torch storage class -> dtype of its elements (little-endian, as written by
# PyTorch on every platform it supports; a "byteorder" record is checked).
_STORAGES = {
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2",
    "BFloat16Storage": "<u2",  # widened to float32 on access
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2",
    "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
    "ComplexFloatStorage": "<c8", "ComplexDoubleStorage": "<c16",
}

MAX_PICKLE = 256 << 20  # data.pkl of a released S model is ~30 KB

# What zipfile raises for damaged, truncated, encrypted or exotic archives.
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, zlib.error)


class _Frozen:
    """Base of every object the pickle can get hold of.

    The pickle BUILD opcode would otherwise let a checkpoint overwrite the
    attributes of our objects after they were validated.
    """
    __slots__ = ()

    def __setstate__(self, state):
        raise ConvertError("refusing to load checkpoint: it sets state on a "
                           f"{type(self).__name__}, which a state_dict never does")

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")


def _init(obj, **fields):
    for name, value in fields.items():
        object.__setattr__(obj, name, value)


class StorageType(_Frozen):
    """Stand-in for a torch.*Storage class; not callable."""
    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        _init(self, name=name, dtype=np.dtype(dtype))


class Storage(_Frozen):
    """A storage blob of the archive: key, element type and element count."""
    __slots__ = ("archive", "key", "dtype", "numel")

    def __init__(self, archive, key, dtype, numel):
        _init(self, archive=archive, key=key, dtype=dtype, numel=numel)


class Tensor(_Frozen):
    """A tensor of the checkpoint, checked against its storage, read on demand.

    Only the state_dict's tensors are ever read, so optimizer state in a
    training checkpoint costs no memory.
    """
    __slots__ = ("storage", "offset", "shape", "stride", "bfloat16")

    def __init__(self, storage, offset, shape, stride):
        _init(self, storage=storage, offset=offset, shape=shape, stride=stride,
              bfloat16=storage.dtype == np.dtype("<u2"))

    @property
    def dtype(self):
        return np.dtype(np.float32) if self.bfloat16 else self.storage.dtype

    def numpy(self):
        """A new C-contiguous numpy array with the tensor's values."""
        s = self.storage
        flat = np.frombuffer(s.archive.blob(s.key), s.dtype, s.numel)
        item = s.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset:], self.shape, [st * item for st in self.stride], writeable=False)
        array = np.array(view, order="C")
        if self.bfloat16:
            array = (array.astype(np.uint32) << 16).view(np.float32)
        return array


def _ints(value, what):
    if not isinstance(value, tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        raise ConvertError(f"malformed tensor in checkpoint: bad {what} {value!r}")
    return value


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """Stand-in for torch._utils._rebuild_tensor_v2: validates, returns a Tensor."""
    if not isinstance(storage, Storage):
        raise ConvertError("malformed tensor in checkpoint: its storage is not a storage")
    (offset,) = _ints((offset,), "storage offset")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride):
        raise ConvertError("malformed tensor in checkpoint: size and stride lengths differ")
    if backward_hooks:
        raise ConvertError("refusing to load checkpoint: a tensor has backward hooks")
    count = math.prod(size)
    # A state_dict tensor never has more elements than its storage; the check
    # also caps the memory a hostile file can make us allocate.
    if count > storage.numel:
        raise ConvertError(f"malformed tensor in checkpoint: shape {list(size)} has more "
                           f"elements than its storage {storage.key!r} ({storage.numel})")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if count and last >= storage.numel or offset > storage.numel:
        raise ConvertError(f"malformed tensor in checkpoint: shape {list(size)}, stride "
                           f"{list(stride)} and offset {offset} run past the end of "
                           f"storage {storage.key!r} ({storage.numel} elements)")
    return Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    """Stand-in for torch._utils._rebuild_parameter(_with_state): the tensor itself."""
    if not isinstance(data, Tensor) or backward_hooks or state:
        raise ConvertError("malformed parameter in checkpoint")
    return data


class _OpaqueMeta(type):
    """Metaclass of the placeholders: calling one (REDUCE, INST, OBJ) is refused."""

    def __call__(cls, *args, **kwargs):
        raise ConvertError(f"refusing to load checkpoint: it references {cls.uf_global}, "
                           "which a state_dict never needs")

    def __setattr__(cls, name, value):
        raise AttributeError("a placeholder class is read-only")


class Opaque(metaclass=_OpaqueMeta):
    """An instance of a global the reader does not know, rebuilt as inert data.

    uf_global (on the class) is the global's "module.name". An instance holds
    the arguments NEWOBJ gave and the state BUILD gave (set once), never
    interpreted here; state_of() hands a plain dict state to callers that
    know what the global was (argparse.Namespace's __dict__).
    """
    __slots__ = ("uf_args", "uf_state")
    uf_global = "<placeholder>"

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        object.__setattr__(obj, "uf_args", (args, kwargs))
        object.__setattr__(obj, "uf_state", None)
        return obj

    def __setstate__(self, state):
        if not isinstance(self, Opaque) or self.uf_state is not None:
            raise ConvertError("refusing to load checkpoint: it sets the state of an object "
                               "twice")
        object.__setattr__(self, "uf_state", state)

    def __setattr__(self, name, value):
        raise AttributeError(f"a {self.uf_global} placeholder is read-only")

    def __repr__(self):
        return f"<{self.uf_global} placeholder>"


_OPAQUE = {}


def opaque_class(module, name):
    """The placeholder class for global module.name (one per name); imports nothing."""
    key = f"{module}.{name}"
    cls = _OPAQUE.get(key)
    if cls is None:
        cls = _OpaqueMeta("Opaque", (Opaque,), {"__slots__": (), "uf_global": key,
                                               "__module__": __name__})
        _OPAQUE[key] = cls
    return cls


def state_of(obj, global_name):
    """The dict state of a placeholder instance of global_name, else None."""
    if (isinstance(obj, Opaque) and type(obj).uf_global == global_name
            and isinstance(obj.uf_state, dict)
            and all(isinstance(k, str) for k in obj.uf_state)):
        return obj.uf_state
    return None


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}
_ALLOWED.update({("torch", name): StorageType(name, dt) for name, dt in _STORAGES.items()})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves the globals in _ALLOWED to stand-ins, others to placeholders.

    find_class is the only way a pickle reaches a callable (GLOBAL,
    STACK_GLOBAL, INST, OBJ and the EXT opcodes all go through it), and it
    never imports: what it returns is a stand-in written here or an Opaque
    placeholder class, which refuses to be called. So nothing outside the
    allowed set ever runs, and no module is ever imported.
    """

    def __init__(self, file, archive):
        super().__init__(file)
        self._archive = archive

    def find_class(self, module, name):
        # Protocol 2 pickles (torch.save's) spell some globals the Python 2
        # way (__builtin__.eval, commands.Popen): translate them as pickle's
        # own find_class does, by table lookup only, so that the message
        # names the real global.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _ALLOWED.get((module, name))
        if found is None:
            if not (isinstance(module, str) and isinstance(name, str)):
                raise ConvertError("malformed global reference in checkpoint")
            return opaque_class(module, name)
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], StorageType) and isinstance(pid[2], str)
                and isinstance(pid[4], int) and not isinstance(pid[4], bool) and pid[4] >= 0):
            raise ConvertError(f"malformed storage reference in checkpoint: {pid!r:.100}")
        _, kind, key, _location, numel = pid
        available = self._archive.blob_size(key)
        if numel * kind.dtype.itemsize > available:
            raise ConvertError(f"checkpoint storage {key!r} holds {available} bytes, less "
                               f"than {numel} {kind.name} elements")
        return Storage(self._archive, key, kind.dtype, numel)


_MEMO_OPS = {"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"}


def prescan(data):
    """Walks the opcode stream without running anything, before unpickling.

    The C unpickler trusts lengths and memo indices: a 4-byte memo index
    makes it grow its memo to that size (gigabytes) and a length field makes
    it allocate that much. A real pickle numbers its memo entries from 0 and
    holds its strings, so both are bounded by the pickle's size.
    """
    try:
        with warnings.catch_warnings():  # pickletools warns on odd string escapes
            warnings.simplefilter("ignore")
            ops = list(pickletools.genops(data))
        for op, arg, pos in ops:
            if op.name in _MEMO_OPS and arg > len(data):
                raise ConvertError(f"data.pkl is not a valid pickle: memo index {arg} "
                                   f"at byte {pos} is larger than the pickle")
            if op.name == "FRAME" and arg > len(data) - pos:
                raise ConvertError(f"data.pkl is not a valid pickle: frame at byte {pos} "
                                   "runs past the end")
    except ConvertError:
        raise
    except Exception as e:  # pickletools reports malformed streams as ValueError
        raise ConvertError(f"data.pkl is not a valid pickle: {e}")


class Archive:
    """The zip container: finds the record prefix and serves storage blobs."""

    def __init__(self, path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            names = self.zip.namelist()
        except _ZIP_ERRORS as e:
            raise ConvertError(f"{path}: not a valid zip file (truncated or damaged?): {e}")
        pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise ConvertError(f"{path}: not a PyTorch checkpoint: expected one "
                               f"<name>/data.pkl in the zip, found {len(pickles)}")
        self.prefix = pickles[0][:-len("data.pkl")]
        self._blobs = {}
        order = self.prefix + "byteorder"
        if order in names and self._read(order).strip() != b"little":
            raise ConvertError(f"{path}: big-endian checkpoints are not supported")

    def _read(self, name, limit=None):
        try:
            info = self.zip.getinfo(name)
            if limit is not None and info.file_size > limit:
                raise ConvertError(f"{self.path}: {name} is implausibly large "
                                   f"({info.file_size} bytes)")
            return self.zip.read(info)
        except _ZIP_ERRORS as e:
            raise ConvertError(f"{self.path}: cannot read {name} (truncated or damaged?): {e}")

    def blob_size(self, key):
        try:
            return self.zip.getinfo(f"{self.prefix}data/{key}").file_size
        except KeyError:
            raise ConvertError(f"{self.path}: storage {key!r} is missing from the archive")

    def blob(self, key):
        if key not in self._blobs:
            self._blobs[key] = self._read(f"{self.prefix}data/{key}")
        return self._blobs[key]

    def load(self):
        """Unpickles data.pkl; tensors come back as Tensor objects."""
        data = self._read(self.prefix + "data.pkl", MAX_PICKLE)
        try:
            prescan(data)
        except ConvertError as e:
            raise ConvertError(f"{self.path}: {e}")
        try:
            return RestrictedUnpickler(io.BytesIO(data), self).load()
        except ConvertError:
            raise
        except Exception as e:  # any malformed pickle, whatever the opcode
            raise ConvertError(f"{self.path}: data.pkl is not a valid pickle: "
                               f"{type(e).__name__}: {e}")


def load(path):
    """Loads a PyTorch zip checkpoint; tensors are Tensor objects (call .numpy())."""
    return Archive(path).load()
