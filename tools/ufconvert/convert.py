"""From a checkpoint and options to a model file (docs/model-format.md)."""

import dataclasses
import hashlib
import json
import math
import os
from typing import Optional

import numpy as np

from . import VERSION, arch, checkpoint, labels, safetensors
from .errors import ConvertError

FORMAT_VERSION = "1"


@dataclasses.dataclass
class Options:
    frames: int = 16
    sampling_rate: int = 4
    source_fps: float = 30.0
    crop: tuple = (224, 224)            # (height, width)
    labels: Optional[str] = None        # label file path; None: "class i"
    color_order: str = "rgb"
    dtype: str = "f32"                  # "f32" or "f16"
    name: Optional[str] = None          # None: the checkpoint's file stem
    head_dim: Optional[int] = None      # None: recorded in the checkpoint, or released S/B
    mean: tuple = (0.45, 0.45, 0.45)    # model channel order, [0,1] pixels
    std: tuple = (0.225, 0.225, 0.225)


def check_options(opts):
    """Raises ConvertError for option values the model file cannot hold."""
    if opts.frames < 2 or opts.frames % 2:
        raise ConvertError(f"frames must be even and positive, not {opts.frames}")
    if opts.sampling_rate < 1:
        raise ConvertError(f"sampling rate must be positive, not {opts.sampling_rate}")
    if not (math.isfinite(opts.source_fps) and opts.source_fps > 0):
        raise ConvertError(f"source fps must be positive, not {opts.source_fps}")
    if any(side < 32 or side % 32 for side in opts.crop):
        raise ConvertError(f"crop sides must be positive multiples of 32, not "
                           f"{opts.crop[0]}x{opts.crop[1]}")
    if opts.head_dim is not None:
        if opts.head_dim < 1:
            raise ConvertError(f"head dim must be positive, not {opts.head_dim}")
        problem = arch.head_dim_problem(opts.head_dim)
        if problem:
            raise ConvertError(problem)
    if opts.color_order not in ("rgb", "bgr"):
        raise ConvertError(f"color order must be rgb or bgr, not {opts.color_order!r}")
    if opts.dtype not in ("f32", "f16"):
        raise ConvertError(f"dtype must be f32 or f16, not {opts.dtype!r}")
    if len(opts.mean) != 3 or not all(math.isfinite(m) for m in opts.mean):
        raise ConvertError("mean needs 3 finite values")
    if len(opts.std) != 3 or not all(math.isfinite(s) and s > 0 for s in opts.std):
        raise ConvertError("std needs 3 positive values")
    if opts.name is not None and not opts.name.strip():
        raise ConvertError("the name must not be empty")


def number(x):
    """Shortest text for a metadata number: "30", "29.97", "0.225"."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_tensors(state, keys, dtype):
    """The file's tensors: f32, or with --dtype f16 the >= 2-D ones as f16."""
    out = {}
    for key in keys:
        value = state[key]
        target = np.float16 if dtype == "f16" and value.ndim >= 2 else np.float32
        if not np.isfinite(value).all():
            raise ConvertError(f"key {key!r} holds NaN or infinite values")
        with np.errstate(over="ignore"):
            converted = value.astype(target)
        if not np.isfinite(converted).all():
            raise ConvertError(f"key {key!r} has values outside the {np.dtype(target)} range")
        out[key] = converted
    return out


def metadata(a, opts, names, name, provenance):
    """The __metadata__ object (all strings) for Arch a."""
    join = lambda values: ",".join(number(v) for v in values)
    return {
        "format": "gst-uniformer",
        "format_version": FORMAT_VERSION,
        "architecture": "uniformer",
        "depths": join(a.depths),
        "dims": join(a.dims),
        "head_dim": str(a.head_dim),
        "mlp_ratio": str(a.mlp_ratio),
        "num_classes": str(a.num_classes),
        "frames": str(opts.frames),
        "sampling_rate": str(opts.sampling_rate),
        "source_fps": number(opts.source_fps),
        "crop_height": str(opts.crop[0]),
        "crop_width": str(opts.crop[1]),
        "mean": join(opts.mean),
        "std": join(opts.std),
        "color_order": opts.color_order,
        "labels": json.dumps(names, ensure_ascii=False),
        "name": name,
        "provenance": provenance,
    }


def convert(source, output, opts):
    """Converts checkpoint file source into model file output.

    Returns (Arch, how the checkpoint was read, where head_dim came from).
    Raises ConvertError for any problem with the input or options, OSError
    for file system errors. output must be a regular file, a new file or a
    symbolic link to either (safetensors.output_target); it is checked before
    the checkpoint is read and replaced atomically.
    """
    check_options(opts)
    target, _ = safetensors.output_target(output)
    if os.path.exists(target) and os.path.samefile(source, target):
        raise ConvertError("the output would overwrite the checkpoint")
    state, how, recorded = checkpoint.load_state_dict(source)
    a = arch.infer(state)
    keys = arch.check(state, a)
    a, head_dim_source = arch.resolve_head_dim(a, opts.head_dim, recorded)
    names = (labels.load(opts.labels, a.num_classes) if opts.labels
             else labels.default(a.num_classes))
    base = os.path.basename(source)
    name = opts.name if opts.name is not None else os.path.splitext(base)[0]
    provenance = f"converted from {base} (sha256 {sha256(source)}) by uniformer-convert {VERSION}"
    tensors = model_tensors(state, keys, opts.dtype)
    safetensors.write(output, tensors, metadata(a, opts, names, name, provenance))
    return a, how, head_dim_source
