"""Finding the state_dict in a checkpoint file, whatever its container.

Accepted: PyTorch's zip container holding a raw state_dict, or a dict that
wraps it in "model_state" (SlowFast training checkpoints such as UniFormer's
and TimeSformer's .pyth, next to epoch, optimizer_state and cfg), "model" or
"module" (VideoMAE's, next to optimizer, epoch, scaler and args) or
"state_dict"; a safetensors state_dict; and a Hugging Face model directory
(config.json with model.safetensors or pytorch_model.bin, hf.py). A
"module." prefix (DataParallel) is stripped, then TimeSformer's "model."
(its network sits at .model of the vit_base_patch16_224 wrapper).

The attention head size shows in no tensor shape. Two containers record it,
and load_state_dict reports it: a SlowFast training checkpoint's "cfg" (the
YAML text of cfg.dump(), or a dict) as UNIFORMER.HEAD_DIM, and a gst-uniformer
model file (a valid input too) as its "head_dim" metadata.
"""

import collections
import dataclasses
import os
import re
from typing import Optional

import numpy as np

from . import hf, safetensors, torchzip, yamlcfg
from .errors import ConvertError
from .vit import Hints

WRAPPERS = ("model_state", "model", "module", "state_dict")
PREFIX = "module."
TIMESFORMER_PREFIX = "model."

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


def strip_prefix(state, prefix=PREFIX):
    """Drops a DataParallel "module." prefix (or prefix), when every key has it."""
    if state and all(isinstance(k, str) and k.startswith(prefix) for k in state):
        return collections.OrderedDict((k[len(prefix):], v) for k, v in state.items()), True
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


@dataclasses.dataclass
class Source:
    """A checkpoint as read: the state_dict and what its container says beside it."""
    state: collections.OrderedDict      # name -> numpy array, wrappers and prefixes gone
    how: str                            # how it was found, for the user
    files: list                         # the files read (provenance)
    head_dim: Optional[tuple] = None    # UniFormer: (value, where) when recorded
    wrapper: Optional[dict] = None      # the training checkpoint dict around the state_dict
    config: Optional[dict] = None       # Hugging Face config.json
    config_path: Optional[str] = None
    metadata: Optional[dict] = None     # safetensors metadata
    prefix: str = ""                    # what was stripped from every key


def _arrays(state):
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
    return result


def _read_file(path):
    """(state, how, wrapper or None, safetensors metadata or None) of one checkpoint file."""
    kind = sniff(path)
    if kind == "safetensors":
        state, metadata = safetensors.read(path)
        return state, "safetensors", None, metadata
    obj = torchzip.load(path)
    state, how = unwrap(obj)
    return state, "PyTorch checkpoint, " + how, (obj if state is not obj else None), None


def load(path):
    """Reads a checkpoint file or Hugging Face directory into a Source; ConvertError."""
    config = config_path = None
    if os.path.isdir(path):
        weights = hf.weights_file(path)
        config_path = os.path.join(path, hf.CONFIG)
        config = hf.read_config(config_path)
        state, how, wrapper, metadata = _read_file(weights)
        how = f"Hugging Face directory, {os.path.basename(weights)}"
        files = [weights, config_path]
    else:
        state, how, wrapper, metadata = _read_file(path)
        files = [path]
    head_dim = (model_file_head_dim(metadata) if metadata is not None
                else wrapper_head_dim(wrapper) if wrapper is not None else None)
    state = _arrays(state)
    prefix = ""
    state, stripped = strip_prefix(state)
    if stripped:
        how, prefix = how + ", 'module.' prefix stripped", PREFIX
    if hf.family_of_keys(state) is None and "patch_embed1.proj.weight" not in state:
        state, stripped = strip_prefix(state, TIMESFORMER_PREFIX)
        if stripped:
            how, prefix = how + ", 'model.' prefix stripped", prefix + TIMESFORMER_PREFIX
    if config is None and hf.family_of_keys(state) is not None:
        beside = os.path.join(os.path.dirname(os.path.abspath(path)), hf.CONFIG)
        if not os.path.isfile(beside):
            raise ConvertError(f"{path}: a Hugging Face {hf.family_of_keys(state)} checkpoint "
                               f"needs its {hf.CONFIG} (the attention head count and the frame "
                               f"count are in no tensor), and there is none beside it")
        config_path, config = beside, hf.read_config(beside)
        how += f", with {hf.CONFIG} beside it"
        files.append(beside)
    return Source(state, how, files, head_dim, wrapper, config, config_path, metadata,
                  prefix)


def _cfg_int(cfg, key, low=1):
    value = yamlcfg.lookup(cfg, key)
    if value is None:
        return None
    number = yamlcfg.integer(value) if isinstance(value, str) else None
    if number is None or number < low:
        raise ConvertError(f"the checkpoint's cfg {key} is {value!r:.40}, not a positive "
                           "integer")
    return number


def _cfg_triple(cfg, key):
    value = yamlcfg.lookup(cfg, key)
    if value is None:
        return None
    numbers = ([yamlcfg.number(v) if isinstance(v, str) else None for v in value]
               if isinstance(value, list) else [])
    if len(numbers) != 3 or None in numbers:
        raise ConvertError(f"the checkpoint's cfg {key} is {value!r:.60}, not 3 numbers")
    return tuple(numbers)


def timesformer_hints(wrapper):
    """Hints from a TimeSformer training checkpoint's cfg (the YAML of cfg.dump())."""
    h = Hints()
    text = wrapper.get("cfg") if isinstance(wrapper, dict) else None
    if not isinstance(text, str):
        return h
    cfg = yamlcfg.parse(text)
    for key, name in (("DATA.NUM_FRAMES", "frames"), ("MODEL.NUM_CLASSES", "num_classes"),
                      ("DATA.SAMPLING_RATE", "sampling_rate")):
        value = _cfg_int(cfg, key)
        if value is not None:
            h[name] = (value, f"the checkpoint's cfg {key}")
    for key, name in (("DATA.TRAIN_CROP_SIZE", "train_crop"), ("DATA.TEST_CROP_SIZE",
                                                               "test_crop")):
        value = _cfg_int(cfg, key)
        if value is not None:
            h[name] = ((value, value), f"the checkpoint's cfg {key}")
    for key, name in (("DATA.MEAN", "mean"), ("DATA.STD", "std")):
        value = _cfg_triple(cfg, key)
        if value is not None:
            if name == "std" and min(value) <= 0:
                raise ConvertError(f"the checkpoint's cfg {key} is {list(value)}, not "
                                   "positive")
            h[name] = (value, f"the checkpoint's cfg {key}")
    attention = yamlcfg.lookup(cfg, "TIMESFORMER.ATTENTION_TYPE")
    if attention is not None:
        h["attention_type"] = (attention, "the checkpoint's cfg TIMESFORMER.ATTENTION_TYPE")
    return h


# VideoMAE's argparse names -> hint names (run_class_finetuning.py)
_VIDEOMAE_ARGS = (("num_frames", "frames"), ("input_size", "crop"),
                  ("tubelet_size", "tubelet_size"), ("nb_classes", "num_classes"),
                  ("sampling_rate", "sampling_rate"))


def videomae_hints(wrapper):
    """Hints from a VideoMAE checkpoint's args, an argparse.Namespace read as inert data.

    The Namespace's class is never imported: the unpickler gives a placeholder
    holding the object's __dict__ (torchzip.Opaque); anything else under
    "args" is ignored.
    """
    h = Hints()
    args = torchzip.state_of(wrapper.get("args"), "argparse.Namespace") \
        if isinstance(wrapper, dict) else None
    if args is None:
        return h
    for key, name in _VIDEOMAE_ARGS:
        if key not in args or args[key] is None:
            continue
        value = args[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConvertError(f"the checkpoint's args.{key} is {value!r:.40}, not a positive "
                               "integer")
        where = f"the checkpoint's args.{key}"
        h[name] = (((value, value), where) if name == "crop" else (value, where))
    if isinstance(args.get("use_mean_pooling"), bool):
        h["use_mean_pooling"] = (args["use_mean_pooling"], "the checkpoint's "
                                                           "args.use_mean_pooling")
    return h


def load_state_dict(path):
    """Reads a checkpoint; returns (OrderedDict name -> numpy array, description, head_dim).

    Keys keep the file's order. num_batches_tracked entries are kept (they are
    the architecture check's business). head_dim is (value, where it is
    recorded) when the container records it, else None. Raises ConvertError.
    """
    source = load(path)
    return source.state, source.how, source.head_dim
