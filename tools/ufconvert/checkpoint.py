"""Finding the state_dict in a checkpoint file, whatever its container.

Accepted: PyTorch's zip container holding a raw state_dict, or a dict that
wraps it in "model_state" (SlowFast training checkpoints, next to epoch,
optimizer_state, scaler and cfg) or "model"; and a safetensors state_dict.
A "module." prefix (DataParallel) is stripped.

The attention head size shows in no tensor shape. Two containers record it,
and load_state_dict reports it: a SlowFast training checkpoint's "cfg" (the
YAML text of cfg.dump(), or a dict) as UNIFORMER.HEAD_DIM, and a gst-uniformer
model file (a valid input too) as its "head_dim" metadata.
"""

import collections
import os
import re

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


def _int_value(value, where):
    """The int a recorded head_dim holds; ConvertError if it is not a plain positive integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        number = int(value.strip(), 10)
    else:
        raise ConvertError(f"the checkpoint's {where} is {value!r:.40}, not an integer")
    if number < 1:
        raise ConvertError(f"the checkpoint's {where} is {number}, not a positive integer")
    return number


def _yaml_head_dim(text):
    """UNIFORMER.HEAD_DIM's value text in a block-style YAML dump, or None.

    Enough YAML for yacs' cfg.dump(): a top-level "UNIFORMER:" line, then its
    keys one indentation level deeper; deeper levels and other sections are
    skipped.
    """
    in_section, child_indent = False, None
    for line in text.splitlines():
        body = line.split("#", 1)[0].rstrip()
        if not body.strip():
            continue
        indent = len(body) - len(body.lstrip(" "))
        if indent == 0:
            in_section, child_indent = body == "UNIFORMER:", None
            continue
        if not in_section:
            continue
        if child_indent is None:
            child_indent = indent
        if indent != child_indent:
            continue
        m = re.fullmatch(r"HEAD_DIM:\s*(.*?)", body.strip())
        if m:
            value = m.group(1).strip()
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] in "'\"" else value
    return None


def wrapper_head_dim(obj):
    """(head_dim, where) that a training checkpoint's cfg records, or None."""
    if not isinstance(obj, dict) or not any(isinstance(obj.get(k), dict) for k in WRAPPERS):
        return None
    cfg, where = obj.get("cfg"), "cfg UNIFORMER.HEAD_DIM"
    if isinstance(cfg, str):
        value = _yaml_head_dim(cfg)
    elif isinstance(cfg, dict) and isinstance(cfg.get("UNIFORMER"), dict):
        value = cfg["UNIFORMER"].get("HEAD_DIM")
    else:
        value = None
    return None if value is None else (_int_value(value, where), where)


def model_file_head_dim(metadata):
    """(head_dim, where) from a gst-uniformer model file's metadata, or None."""
    if metadata.get("format") != "gst-uniformer" or "head_dim" not in metadata:
        return None
    where = "gst-uniformer metadata \"head_dim\""
    return _int_value(metadata["head_dim"], where), where


def load_state_dict(path):
    """Reads a checkpoint; returns (OrderedDict name -> numpy array, description, head_dim).

    Keys keep the file's order. num_batches_tracked entries are kept (they are
    the architecture check's business). head_dim is (value, where it is
    recorded) when the container records it, else None. Raises ConvertError.
    """
    kind = sniff(path)
    if kind == "safetensors":
        state, metadata = safetensors.read(path)
        how, head_dim = "safetensors", model_file_head_dim(metadata)
    else:
        obj = torchzip.load(path)
        state, how = unwrap(obj)
        how, head_dim = "PyTorch checkpoint, " + how, wrapper_head_dim(obj)
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
    return result, how, head_dim
