"""Finding the state_dict in a checkpoint file, whatever its container.

Accepted: PyTorch's zip container holding a raw state_dict, or a dict that
wraps it in "model_state" (SlowFast training checkpoints, next to epoch,
optimizer_state, scaler and cfg) or "model"; and a safetensors state_dict.
A "module." prefix (DataParallel) is stripped.
"""

import collections
import os

import numpy as np

from . import safetensors, torchzip
from .errors import ConvertError

WRAPPERS = ("model_state", "model")
PREFIX = "module."

# torch.save before PyTorch 1.6: a pickled magic number, then more pickles.
_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"


def sniff(path):
    """'torch-zip' or 'safetensors' from the file's first bytes; ConvertError otherwise."""
    with open(path, "rb") as f:
        head = f.read(16)
        size = os.fstat(f.fileno()).st_size
    if not head:
        raise ConvertError(f"{path}: the file is empty")
    if head.startswith(b"PK"):
        return "torch-zip"
    if head.startswith(_LEGACY_MAGIC):
        raise ConvertError(f"{path}: this is the legacy (PyTorch < 1.6) checkpoint format, "
                           "which is not supported; re-save it with a newer PyTorch")
    n = int.from_bytes(head[:8], "little")
    if len(head) > 8 and head[8:9] == b"{" and 8 + n <= size:
        return "safetensors"
    raise ConvertError(f"{path}: neither a PyTorch checkpoint (zip container) "
                       "nor a safetensors file")


def unwrap(obj):
    """(state_dict, how) for a loaded checkpoint object; how describes the unwrapping."""
    if not isinstance(obj, dict):
        raise ConvertError(f"the checkpoint does not hold a state_dict "
                           f"(found {type(obj).__name__})")
    for key in WRAPPERS:
        if isinstance(obj.get(key), dict):
            return obj[key], f"wrapped in {key!r}"
    return obj, "raw"


def strip_prefix(state):
    """Drops a DataParallel "module." prefix, when every key has it."""
    if state and all(isinstance(k, str) and k.startswith(PREFIX) for k in state):
        return collections.OrderedDict((k[len(PREFIX):], v) for k, v in state.items()), True
    return state, False


def load_state_dict(path):
    """Reads a checkpoint; returns (OrderedDict name -> numpy array, description).

    Keys keep the file's order. num_batches_tracked entries are kept (they are
    the architecture check's business). Raises ConvertError.
    """
    kind = sniff(path)
    if kind == "safetensors":
        state, how = safetensors.read(path)[0], "safetensors"
    else:
        state, how = unwrap(torchzip.load(path))
        how = "PyTorch checkpoint, " + how
    state, stripped = strip_prefix(state)
    if stripped:
        how += ", 'module.' prefix stripped"
    result = collections.OrderedDict()
    for key, value in state.items():
        if not isinstance(key, str):
            raise ConvertError(f"the state_dict has a non-string key {key!r:.60}")
        if isinstance(value, torchzip.Tensor):
            value = value.numpy()
        elif not isinstance(value, np.ndarray):
            raise ConvertError(f"state_dict entry {key!r} is not a tensor "
                               f"(found {type(value).__name__})")
        result[key] = value
    return result, how
