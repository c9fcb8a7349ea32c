"""From a checkpoint and options to a model file (docs/model-format.md)."""

import dataclasses
import hashlib
import json
import math
import os
from typing import Optional

import numpy as np

from . import VERSION, arch, checkpoint, hf, labels, light, safetensors, vit
from .errors import ConvertError, OptionError

FORMAT_VERSION = "1"


@dataclasses.dataclass
class Options:
    """What the command line sets; None: the checkpoint's value or the family's default."""
    frames: Optional[int] = None
    sampling_rate: Optional[int] = None
    source_fps: Optional[float] = None
    crop: Optional[tuple] = None        # (height, width)
    labels: Optional[str] = None        # label file path; None: recorded names or "class i"
    color_order: Optional[str] = None
    dtype: str = "f32"                  # "f32" or "f16"
    name: Optional[str] = None          # None: the checkpoint's file stem
    head_dim: Optional[int] = None      # UniFormer; None: recorded, or released S/B
    mean: Optional[tuple] = None        # model channel order, [0,1] pixels
    std: Optional[tuple] = None
    num_heads: Optional[int] = None     # video ViTs; None: config.json, or the release rule
    prune_ratio: Optional[tuple] = None  # light UniFormers: (stage-3 values, stage-4 values)
    trade_off: Optional[tuple] = None    # the same; None: the cfg's, or the release's


# The UniFormer releases' window (16x4 Kinetics) and normalisation.
UNIFORMER_DEFAULTS = dict(frames=16, sampling_rate=4, source_fps=30.0, crop=(224, 224),
                          color_order="rgb", mean=(0.45, 0.45, 0.45),
                          std=(0.225, 0.225, 0.225))


def check_options(opts):
    """Raises ConvertError for option values no model file can hold.

    Frame counts and crop sizes depend on the family (UniFormer: even frames,
    sides multiples of 32; the video ViTs: multiples of their tubelet and patch
    sizes), so they are checked once the checkpoint is read (OptionError).
    """
    if opts.sampling_rate is not None and opts.sampling_rate < 1:
        raise ConvertError(f"sampling rate must be positive, not {opts.sampling_rate}")
    if opts.source_fps is not None and not (math.isfinite(opts.source_fps)
                                            and opts.source_fps > 0):
        raise ConvertError(f"source fps must be positive, not {opts.source_fps}")
    if opts.head_dim is not None:
        if opts.head_dim < 1:
            raise ConvertError(f"head dim must be positive, not {opts.head_dim}")
        problem = arch.head_dim_problem(opts.head_dim)
        if problem:
            raise ConvertError(problem)
    if opts.num_heads is not None and opts.num_heads < 1:
        raise ConvertError(f"the number of heads must be positive, not {opts.num_heads}")
    if opts.color_order is not None and opts.color_order not in ("rgb", "bgr"):
        raise ConvertError(f"color order must be rgb or bgr, not {opts.color_order!r}")
    if opts.dtype not in ("f32", "f16"):
        raise ConvertError(f"dtype must be f32 or f16, not {opts.dtype!r}")
    if opts.mean is not None and (len(opts.mean) != 3
                                  or not all(math.isfinite(m) for m in opts.mean)):
        raise ConvertError("mean needs 3 finite values")
    if opts.std is not None and (len(opts.std) != 3
                                 or not all(math.isfinite(s) and s > 0 for s in opts.std)):
        raise ConvertError("std needs 3 positive values")
    if opts.name is not None and not opts.name.strip():
        raise ConvertError("the name must not be empty")
    for option, value in (("--prune-ratio", opts.prune_ratio), ("--trade-off", opts.trade_off)):
        if value is not None and not all(math.isfinite(v) for stage in value for v in stage):
            raise ConvertError(f"{option} values must be finite numbers")


def _refuse_light_options(opts, family):
    for option, value in (("--prune-ratio", opts.prune_ratio), ("--trade-off", opts.trade_off)):
        if value is not None:
            raise OptionError(f"{option} is for the light UniFormers (XXS/XS); a {family} "
                              "does not prune tokens")


def uniformer_options(opts):
    """opts with the UniFormer defaults filled in; OptionError for what UniFormer cannot take."""
    if opts.num_heads is not None:
        raise OptionError("--num-heads is for TimeSformer, ViViT and VideoMAE; a UniFormer's "
                          "attention head size is set with --head-dim")
    _refuse_light_options(opts, "UniFormer-S/B")
    filled = {k: v for k, v in UNIFORMER_DEFAULTS.items() if getattr(opts, k) is None}
    opts = dataclasses.replace(opts, **filled)
    if opts.frames < 2 or opts.frames % 2:
        raise OptionError(f"frames must be even and positive, not {opts.frames}")
    if any(side < 32 or side % 32 for side in opts.crop):
        raise OptionError(f"crop sides must be positive multiples of 32, not "
                          f"{opts.crop[0]}x{opts.crop[1]}")
    return opts


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


def common_metadata(architecture, num_classes, pre, names, name, provenance):
    """The __metadata__ keys every model file has (all strings); @pre holds
    the preprocessing: frames, sampling_rate, source_fps, crop, mean, std,
    color_order."""
    join = lambda values: ",".join(number(v) for v in values)
    return {
        "format": "gst-uniformer",
        "format_version": FORMAT_VERSION,
        "architecture": architecture,
        "num_classes": str(num_classes),
        "frames": str(pre.frames),
        "sampling_rate": str(pre.sampling_rate),
        "source_fps": number(pre.source_fps),
        "crop_height": str(pre.crop[0]),
        "crop_width": str(pre.crop[1]),
        "mean": join(pre.mean),
        "std": join(pre.std),
        "color_order": pre.color_order,
        "labels": json.dumps(names, ensure_ascii=False),
        "name": name,
        "provenance": provenance,
    }


def metadata(a, opts, names, name, provenance):
    """The __metadata__ object (all strings) for Arch a."""
    join = lambda values: ",".join(number(v) for v in values)
    return {
        **common_metadata("uniformer", a.num_classes, opts, names, name, provenance),
        "depths": join(a.depths),
        "dims": join(a.dims),
        "head_dim": str(a.head_dim),
        "mlp_ratio": str(a.mlp_ratio),
    }


def provenance_of(source, files):
    """The provenance text: the input and the sha256 of every file read."""
    base = os.path.basename(os.path.normpath(source))
    if len(files) == 1:
        return f"converted from {base} (sha256 {sha256(files[0])}) by uniformer-convert {VERSION}"
    digests = ", ".join(f"{os.path.basename(f)} sha256 {sha256(f)}" for f in files)
    return f"converted from {base} ({digests}) by uniformer-convert {VERSION}"


def default_name(source):
    base = os.path.basename(os.path.normpath(source))
    return base if os.path.isdir(source) else os.path.splitext(base)[0]


def _would_overwrite(source, target):
    if not os.path.exists(target):
        return False
    if os.path.isdir(source):
        inputs = [os.path.join(source, f) for f in hf.WEIGHTS + (hf.CONFIG,)]
    else:
        inputs = [source]
    return any(os.path.exists(f) and os.path.samefile(f, target) for f in inputs)


def family_of(src):
    """'uniformer', 'uniformer-light', 'timesformer', 'vivit' or 'videomae' for a
    checkpoint.Source; (family, hf)."""
    state = src.state
    meta = src.metadata or {}
    if meta.get("format") == "gst-uniformer" and meta.get("architecture") in (
            vit.FAMILIES + (light.ARCHITECTURE,)):
        raise ConvertError(f"this is already a gst-uniformer {meta['architecture']} model "
                           "file; only UniFormer-S/B model files can be converted again")
    if light.is_light(state):
        return light.ARCHITECTURE, False
    if "patch_embed1.proj.weight" in state or any(k.startswith("blocks1.") for k in state):
        return "uniformer", False
    family = hf.family_of_keys(state)
    if family is not None:
        return family, True
    if src.config is not None:
        model_type = src.config.get("model_type")
        if model_type in vit.FAMILIES:
            raise ConvertError(f"config.json says model_type {model_type!r}, but the weights "
                               f"have no {model_type}.* keys")
        raise ConvertError(f"config.json model_type {model_type!r} is not supported "
                           "(timesformer, vivit or videomae)")
    family = vit.family_of(state)
    if family is None and any(k.startswith("encoder.blocks.") for k in state) and any(
            k.startswith("decoder.") for k in state):
        raise ConvertError("this is a VideoMAE pre-training checkpoint (encoder.* and "
                           "decoder.* keys), which has no classifier; only fine-tuned "
                           "checkpoints can be converted")
    return (family, False) if family else ("uniformer", False)


def convert(source, output, opts):
    """Converts checkpoint file (or Hugging Face directory) source into model file output.

    Returns (arch.Arch, vit.Converted or light.Converted, how the checkpoint was read, where
    the head size or count came from). Raises ConvertError for any problem with the
    input or options (OptionError: an option that does not suit the
    checkpoint), OSError for file system errors. output must be a regular
    file, a new file or a symbolic link to either (safetensors.output_target);
    it is checked before the checkpoint is read and replaced atomically.
    """
    check_options(opts)
    target, _ = safetensors.output_target(output)
    if _would_overwrite(source, target):
        raise ConvertError("the output would overwrite the checkpoint")
    src = checkpoint.load(source)
    family, from_hf = family_of(src)
    if family == "uniformer":
        return _convert_uniformer(source, output, opts, src)
    if family == light.ARCHITECTURE:
        return _convert_light(source, output, opts, src)
    return _convert_vit(source, output, opts, src, family, from_hf)


def _labels(opts, num_classes, recorded=None):
    if opts.labels:
        return labels.load(opts.labels, num_classes)
    if recorded is not None:
        return recorded
    return labels.default(num_classes)


def _convert_uniformer(source, output, opts, src):
    opts = uniformer_options(opts)
    state = src.state
    a = arch.infer(state)
    keys = arch.check(state, a)
    a, head_dim_source = arch.resolve_head_dim(a, opts.head_dim, src.head_dim)
    names = _labels(opts, a.num_classes)
    name = opts.name if opts.name is not None else default_name(source)
    tensors = model_tensors(state, keys, opts.dtype)
    safetensors.write(output, tensors,
                      metadata(a, opts, names, name, provenance_of(source, src.files)))
    return a, src.how, head_dim_source


def _convert_light(source, output, opts, src):
    """A light UniFormer (XXS/XS): docs/model-format.md, "Light UniFormers"."""
    if opts.num_heads is not None:
        raise OptionError("--num-heads is for TimeSformer, ViViT and VideoMAE; a light "
                          "UniFormer's attention head size is set with --head-dim")
    state = src.state
    a = light.infer(state)
    keys = light.check(state, a)
    a, head_dim_source = light.resolve_head_dim(a, opts.head_dim, src.head_dim)
    hints = light.cfg_hints(src.wrapper)
    pre = light.resolve_preprocessing(opts, hints)
    schedule, schedule_source = light.resolve_schedule(a, opts, hints)
    schedule = light.check_schedule(a, schedule, pre)
    names = _labels(opts, a.num_classes)
    name = opts.name if opts.name is not None else default_name(source)
    out = light.output_tensors(state, keys, a)
    tensors = model_tensors(out, list(out), opts.dtype)
    safetensors.write(output, tensors, {
        **common_metadata(light.ARCHITECTURE, a.num_classes, pre, names, name,
                          provenance_of(source, src.files)),
        **light.metadata(a, schedule, number)})
    return (light.Converted(a, schedule, pre, head_dim_source, schedule_source), src.how,
            head_dim_source)


def _convert_vit(source, output, opts, src, family, from_hf):
    if opts.head_dim is not None:
        raise OptionError(f"--head-dim is UniFormer's; a {vit.TITLE[family]}'s attention is "
                          "set with --num-heads")
    _refuse_light_options(opts, vit.TITLE[family])
    state, names = src.state, None
    if from_hf:
        hints = hf.hints(src.config, family)
        state, names = hf.rename(family, state)
        names = hf.official_to_hf(family, names)
    else:
        hints = (checkpoint.timesformer_hints(src.wrapper) if family == "timesformer"
                 else checkpoint.videomae_hints(src.wrapper))
        if src.prefix:
            names = vit.Prefixed(src.prefix)
    a = vit.infer(family, state, hints, names)
    vit.check(state, a, names)
    heads, heads_source = vit.resolve_heads(a, opts.num_heads, hints)
    a = vit.resolve_numerics(dataclasses.replace(a, num_heads=heads), hints)
    pre = vit.resolve_preprocessing(a, opts, hints)
    label_names = _labels(opts, a.num_classes, hints.value("labels"))
    name = opts.name if opts.name is not None else default_name(source)
    out = vit.output_tensors(state, a, pre)
    tensors = model_tensors(out, list(out), opts.dtype)
    safetensors.write(output, tensors, {
        **common_metadata(a.family, a.num_classes, pre, label_names, name,
                          provenance_of(source, src.files)),
        **vit.metadata(a)})
    return vit.Converted(a, pre), src.how, heads_source
