"""The video ViT families (TimeSformer, ViViT, VideoMAE): inference, checks and tensors.

The state_dict given here uses the official repositories' names
(../shared/docs/video-vit-spec.md §1.2, §3.2); Hugging Face checkpoints are
renamed to them first (hf.py), with two additions for the separate q/k/v
Linears of HF ViViT and VideoMAE: blocks.{i}.attn.{q,k,v}.{weight,bias}.
ViViT exists only in HF form; its names follow TimeSformer's spatial ones.

What the tensors do not tell -- heads, eps, GELU form, the frame count and
input size where no embedding stores them, the preprocessing -- comes as
Hints (from config.json, a TimeSformer cfg or VideoMAE args), each with where
it was read, and is checked against the shapes wherever the two overlap.

The output is docs/model-format.md, "Video ViT families".
"""

import collections
import dataclasses
import math
import re
from typing import Optional

import numpy as np

from .errors import ConvertError, OptionError

FAMILIES = ("timesformer", "vivit", "videomae")
TITLE = {"timesformer": "TimeSformer", "vivit": "ViViT", "videomae": "VideoMAE"}

# The engine's attention shader reads q, k and v four floats at a time.
HEAD_DIM_MULTIPLE = 4
# Official checkpoints record no head count: every released official model
# has heads of 64 channels except VideoMAE ViT-H (1280 channels, 16 heads of 80).
OFFICIAL_HEAD_DIM = 64
OFFICIAL_EXCEPTIONS = {("videomae", 1280): 16}

# Test-time preprocessing of the releases (spec §1.3, §2.3, §3.3).
MEAN_STD = {
    "timesformer": ((0.45, 0.45, 0.45), (0.225, 0.225, 0.225), "TimeSformer's"),
    "vivit": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "Scenic's [-1,1] zero centering"),
    "videomae": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225), "ImageNet's"),
}
# Sampling rates of the releases. TimeSformer's depends on the model: frames
# -> rate of 8x32, HR 16x16 and L 96x4 (other counts must be told). ViViT's
# Scenic Kinetics configs all use stride 2, VideoMAE's fine-tuning scripts
# rate 4 (its argparse default).
SAMPLING_RATES = {"timesformer": {8: 32, 16: 16, 96: 4}}
DEFAULT_SAMPLING_RATE = {"vivit": 2, "videomae": 4}
# VideoMAE stores no position table: without a recorded frame count and size,
# those of every release.
VIDEOMAE_RELEASE = (16, (224, 224))
SOURCE_FPS = 30.0

_BLOCK = re.compile(r"^blocks\.(0|[1-9][0-9]*)\.")


@dataclasses.dataclass(frozen=True)
class VitArch:
    family: str
    hidden: int
    depth: int
    mlp_dim: int
    patch: int
    tubelet: int
    num_classes: int
    qkv_bias: bool
    pooling: str                 # cls, mean, token0
    frames: Optional[int]        # the checkpoint's own; None if unrecorded (VideoMAE)
    grid: Optional[tuple]        # the checkpoint's own patch grid (rows, cols), or None
    num_heads: int = None
    layer_norm_eps: float = None
    head_norm_eps: float = None
    gelu: str = None


class Hints(dict):
    """name -> (value, where) for what the container records beside the tensors."""

    def value(self, name, default=None):
        return self[name][0] if name in self else default

    def where(self, name):
        return self[name][1]


class Prefixed(dict):
    """A names map for keys that all lost the same prefix ('model.' and the like)."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix = prefix

    def get(self, key, default=None):
        return self.prefix + key


def _name(names, key):
    """key as the user's checkpoint spells it, for messages."""
    original = names.get(key, key) if names is not None else key
    return repr(original) if original == key else f"{original!r} ({key})"


def _shape(state, names, key, ndim):
    if key not in state:
        raise ConvertError(f"missing key {_name(names, key)}")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise ConvertError(f"key {_name(names, key)} has shape {list(shape)}, expected "
                           f"{ndim} dimensions")
    return shape


def family_of(state):
    """'timesformer', 'videomae' or None, from official key names."""
    keys = set(state)
    weight = state.get("patch_embed.proj.weight")
    ndim = len(weight.shape) if weight is not None else 0
    if "time_embed" in keys or any(re.match(r"^blocks\.\d+\.temporal_(attn|norm1|fc)\.", k)
                                   for k in keys):
        return "timesformer"
    if any(re.match(r"^blocks\.\d+\.attn\.[qv]_bias$", k) for k in keys):
        return "videomae"
    if ndim == 4 and {"cls_token", "pos_embed"} & keys:
        return "timesformer"  # space_only: refused by infer, by name
    if ndim == 5 and "blocks.0.attn.qkv.weight" in keys:
        return "videomae"
    return None


def _agree(hints, name, actual, what):
    """ConvertError when a hint disagrees with what the tensors say."""
    if name in hints and hints.value(name) != actual:
        raise ConvertError(f"{hints.where(name)} is {_text(hints.value(name))}, but {what} "
                           f"{_text(actual)}")


def _text(value):
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}x{value[1]}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def infer(family, state, hints, names=None):
    """VitArch (num_heads, eps, gelu unset) from shapes, checked against the hints."""
    if family == "timesformer":
        for key in state:
            if re.match(r"^blocks\.\d+\.(attn|temporal_attn)\.(q|k|v)\.", key):
                raise ConvertError(f"unexpected key {_name(names, key)} in a TimeSformer")
        attention = hints.value("attention_type")
        if attention is not None and attention != "divided_space_time":
            raise ConvertError(f"{hints.where('attention_type')} is {attention!r}: only "
                               "divided_space_time TimeSformers are supported")
        if not any(re.match(r"^blocks\.\d+\.temporal_attn\.", k) for k in state):
            raise ConvertError("this TimeSformer has no temporal attention (no "
                               "blocks.*.temporal_attn keys): attention type space_only or "
                               "joint_space_time, which is not supported (only "
                               "divided_space_time)")
    weight = _shape(state, names, "patch_embed.proj.weight", 4 if family == "timesformer" else 5)
    hidden, channels, patch = weight[0], weight[1], weight[-1]
    tubelet = 1 if family == "timesformer" else weight[2]
    what = f"key {_name(names, 'patch_embed.proj.weight')} {list(weight)} has"
    if weight[-2] != patch:
        raise ConvertError(f"{what} non-square patches; only square ones are supported")
    if channels != 3:
        raise ConvertError(f"{what} {channels} input channels, not 3")
    _agree(hints, "hidden_size", hidden, f"{what} output channels")
    _agree(hints, "num_channels", channels, f"{what} input channels")
    _agree(hints, "patch_size", patch, f"{what} patch size")
    _agree(hints, "tubelet_size", tubelet, f"{what} tubelet size")

    blocks = {int(m.group(1)) for m in map(_BLOCK.match, state) if m}
    if not blocks:
        raise ConvertError("the checkpoint has no blocks (no blocks.* keys)")
    depth = max(blocks) + 1
    _agree(hints, "depth", depth, "the checkpoint's blocks number")
    mlp_dim = _shape(state, names, "blocks.0.mlp.fc1.weight", 2)[0]
    _agree(hints, "mlp_dim", mlp_dim, f"key {_name(names, 'blocks.0.mlp.fc1.weight')} has rows")
    num_classes = _shape(state, names, "head.weight", 2)[0]
    if num_classes < 1:
        raise ConvertError(f"key {_name(names, 'head.weight')} has no rows (no classes)")
    _agree(hints, "num_classes", num_classes, f"key {_name(names, 'head.weight')} has rows")

    if family == "timesformer":
        qkv_bias = "blocks.0.attn.qkv.bias" in state
        pooling = "cls"
    elif family == "vivit":
        qkv_bias = "blocks.0.attn.q.bias" in state
        pooling = "cls"
    else:
        qkv_bias = "blocks.0.attn.q_bias" in state
        pooling = "mean" if "fc_norm.weight" in state else "token0"
        want = hints.value("use_mean_pooling")
        if want is not None and want != (pooling == "mean"):
            raise ConvertError(f"{hints.where('use_mean_pooling')} is {_text(want)}, but the "
                               "checkpoint " + ("has" if pooling == "mean" else "has no")
                               + f" {_name(names, 'fc_norm.weight')}")
    _agree(hints, "qkv_bias", qkv_bias, "the checkpoint's block 0 attention bias: present is")

    frames = grid = None
    if family == "timesformer":
        frames = _shape(state, names, "time_embed", 3)[1]
        n = _shape(state, names, "pos_embed", 3)[1] - 1
        side = math.isqrt(max(n, 0))
        if n < 1 or side * side != n:
            raise ConvertError(f"key {_name(names, 'pos_embed')} has {n} patch positions, not "
                               "a square grid (the official code resizes it as one)")
        grid = (side, side)
        _agree(hints, "frames", frames, f"key {_name(names, 'time_embed')} has frames")
        if "train_crop" in hints:
            _agree(hints, "train_crop", (side * patch, side * patch),
                   f"key {_name(names, 'pos_embed')} has positions for")
    elif family == "vivit":
        n = _shape(state, names, "pos_embed", 3)[1] - 1
        if "frames" not in hints or "crop" not in hints:
            raise ConvertError("a ViViT checkpoint needs its frame count and input size "
                               "(config.json num_frames and image_size)")
        frames, crop = hints.value("frames"), hints.value("crop")
        if frames % tubelet or crop[0] % patch or crop[1] % patch:
            raise ConvertError(f"{hints.where('frames')} {frames} and {hints.where('crop')} "
                               f"{_text(crop)} are not multiples of the tubelet {tubelet} "
                               f"and patch {patch} sizes")
        grid = (crop[0] // patch, crop[1] // patch)
        tokens = frames // tubelet * grid[0] * grid[1]
        if tokens != n:
            raise ConvertError(f"{hints.where('frames')} {frames} and {hints.where('crop')} "
                               f"{_text(crop)} make {tokens} tubelets, but key "
                               f"{_name(names, 'pos_embed')} has {n} positions")
    else:
        if "frames" in hints:
            frames = hints.value("frames")
            if frames < tubelet or frames % tubelet:
                raise ConvertError(f"{hints.where('frames')} is {frames}, not a multiple of "
                                   f"the tubelet size {tubelet}")
        if "crop" in hints:
            crop = hints.value("crop")
            if crop[0] % patch or crop[1] % patch or min(crop) < patch:
                raise ConvertError(f"{hints.where('crop')} is {_text(crop)}, not a multiple of "
                                   f"the patch size {patch}")
            grid = (crop[0] // patch, crop[1] // patch)
    return VitArch(family, hidden, depth, mlp_dim, patch, tubelet, num_classes, qkv_bias,
                   pooling, frames, grid)


def expected_input(a):
    """OrderedDict official key -> shape of the state_dict Arch a reads."""
    c, m, k = a.hidden, a.mlp_dim, a.num_classes
    out = collections.OrderedDict()
    if a.family == "timesformer":
        out["cls_token"] = (1, 1, c)
        out["pos_embed"] = (1, 1 + a.grid[0] * a.grid[1], c)
        out["time_embed"] = (1, a.frames, c)
        out["patch_embed.proj.weight"] = (c, 3, a.patch, a.patch)
    else:
        out["patch_embed.proj.weight"] = (c, 3, a.tubelet, a.patch, a.patch)
    out["patch_embed.proj.bias"] = (c,)
    if a.family == "vivit":
        out["cls_token"] = (1, 1, c)
        out["pos_embed"] = (1, 1 + a.frames // a.tubelet * a.grid[0] * a.grid[1], c)
    for i in range(a.depth):
        b = f"blocks.{i}."
        out[f"{b}norm1.weight"] = out[f"{b}norm1.bias"] = (c,)
        if a.family == "timesformer":
            for attn in ("attn", "temporal_attn"):
                out[f"{b}{attn}.qkv.weight"] = (3 * c, c)
                if a.qkv_bias:
                    out[f"{b}{attn}.qkv.bias"] = (3 * c,)
                out[f"{b}{attn}.proj.weight"] = (c, c)
                out[f"{b}{attn}.proj.bias"] = (c,)
            out[f"{b}temporal_norm1.weight"] = out[f"{b}temporal_norm1.bias"] = (c,)
            out[f"{b}temporal_fc.weight"] = (c, c)
            out[f"{b}temporal_fc.bias"] = (c,)
        elif a.family == "vivit":
            for part in "qkv":
                out[f"{b}attn.{part}.weight"] = (c, c)
                if a.qkv_bias:
                    out[f"{b}attn.{part}.bias"] = (c,)
            out[f"{b}attn.proj.weight"] = (c, c)
            out[f"{b}attn.proj.bias"] = (c,)
        else:
            out[f"{b}attn.qkv.weight"] = (3 * c, c)  # check() swaps in q/k/v for HF
            if a.qkv_bias:
                out[f"{b}attn.q_bias"] = out[f"{b}attn.v_bias"] = (c,)
            out[f"{b}attn.proj.weight"] = (c, c)
            out[f"{b}attn.proj.bias"] = (c,)
        out[f"{b}norm2.weight"] = out[f"{b}norm2.bias"] = (c,)
        out[f"{b}mlp.fc1.weight"] = (m, c)
        out[f"{b}mlp.fc1.bias"] = (m,)
        out[f"{b}mlp.fc2.weight"] = (c, m)
        out[f"{b}mlp.fc2.bias"] = (c,)
    norm = "fc_norm" if a.pooling == "mean" else "norm"
    out[f"{norm}.weight"] = out[f"{norm}.bias"] = (c,)
    out["head.weight"] = (k, c)
    out["head.bias"] = (k,)
    return out


def check(state, a, names=None, hf=False):
    """Every expected key present with its shape and a float dtype; nothing else."""
    expected = expected_input(a)
    if a.family == "videomae":
        # official: one qkv.weight; HF: separate bias-less q/k/v weights
        split = any(re.match(r"^blocks\.\d+\.attn\.[qkv]\.weight$", k) for k in state)
        for i in range(a.depth):
            b = f"blocks.{i}.attn."
            del expected[b + "qkv.weight"]
            if split:
                for part in "qkv":
                    expected[f"{b}{part}.weight"] = (a.hidden, a.hidden)
            else:
                expected[b + "qkv.weight"] = (3 * a.hidden, a.hidden)
    missing = [k for k in expected if k not in state]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        hint = ""
        if re.match(r"^blocks\.\d+\.attn\.(q_bias|v_bias|qkv\.bias|q\.bias)$", missing[0]):
            hint = " (block 0 has an attention bias, so every block needs one)"
        raise ConvertError(f"missing key {_name(names, missing[0])}{more}{hint}")
    for key, value in state.items():
        if key not in expected:
            tell = ""
            if re.match(r"^blocks\.\d+\.gamma_[12]$", key):
                tell = ": layer scale (init_values > 0) is not supported"
            elif a.family == "videomae" and key == "pos_embed":
                tell = ": a learned position embedding is not supported (the released " \
                       "VideoMAEs use the fixed sinusoid table)"
            elif a.family == "videomae" and key == ("norm.weight" if a.pooling == "mean"
                                                    else "fc_norm.weight"):
                tell = ": a VideoMAE has either fc_norm (mean pooling) or norm, not both"
            raise ConvertError(f"unexpected key {_name(names, key)}: not part of a "
                               f"{TITLE[a.family]} with {a.depth} blocks{tell}")
        if tuple(value.shape) != expected[key]:
            raise ConvertError(f"key {_name(names, key)} has shape {list(value.shape)}, "
                               f"expected {list(expected[key])}")
        if value.dtype.kind != "f":
            raise ConvertError(f"key {_name(names, key)} has dtype {value.dtype}, expected "
                               "floating point")


def resolve_heads(a, given, hints):
    """(num_heads, where it came from); ConvertError if unknown or unusable."""
    recorded = hints.get("num_heads")
    if recorded is not None and given is not None and given != recorded[0]:
        raise ConvertError(f"--num-heads {given} contradicts {recorded[1]}, which is "
                           f"{recorded[0]}")
    if recorded is not None:
        heads, source = recorded[0], f"from {recorded[1]}"
    elif given is not None:
        heads, source = given, "from --num-heads"
    elif hints.get("hf"):
        raise ConvertError("config.json has no num_attention_heads; pass --num-heads N")
    elif (a.family, a.hidden) in OFFICIAL_EXCEPTIONS:
        heads = OFFICIAL_EXCEPTIONS[(a.family, a.hidden)]
        source = f"the released {TITLE[a.family]} value for {a.hidden} channels"
    elif a.hidden % OFFICIAL_HEAD_DIM == 0:
        heads = a.hidden // OFFICIAL_HEAD_DIM
        source = f"head size {OFFICIAL_HEAD_DIM}, as in the released official models"
    else:
        raise ConvertError(f"the attention head count is unknown: it shows in no tensor shape, "
                           f"the checkpoint does not record it, and {a.hidden} channels are "
                           f"no multiple of the released head size {OFFICIAL_HEAD_DIM}; pass "
                           "--num-heads N")
    if heads < 1 or a.hidden % heads:
        raise ConvertError(f"{heads} attention heads ({source}) do not divide the hidden size "
                           f"{a.hidden}")
    if (a.hidden // heads) % HEAD_DIM_MULTIPLE:
        raise ConvertError(f"{heads} attention heads ({source}) give a head size of "
                           f"{a.hidden // heads}, not a multiple of {HEAD_DIM_MULTIPLE}, which "
                           "the engine's attention shader needs")
    return heads, source


def resolve_numerics(a, hints):
    """Arch a with eps and GELU set: from the hints, else the official values."""
    eps = hints.value("layer_norm_eps", 1e-6)
    if not (isinstance(eps, float) and math.isfinite(eps) and 0 < eps < 1):
        raise ConvertError(f"{hints.where('layer_norm_eps')} is {eps!r}, not a small "
                           "positive number")
    if a.pooling == "mean":
        head_eps = hints.value("fc_norm_eps", 1e-6)
    else:
        head_eps = eps
    gelu = hints.value("gelu", "tanh" if a.family == "vivit" else "exact")
    return dataclasses.replace(a, layer_norm_eps=eps, head_norm_eps=head_eps, gelu=gelu)


@dataclasses.dataclass
class Preprocessing:
    frames: int
    crop: tuple
    sampling_rate: int
    source_fps: float
    mean: tuple
    std: tuple
    color_order: str


@dataclasses.dataclass(frozen=True)
class Converted:
    """What convert() made of a video ViT checkpoint."""
    arch: VitArch
    pre: Preprocessing


def _checked_size(a, frames, crop):
    """OptionError unless frames and crop suit the family's tubelet and patch sizes."""
    if frames < a.tubelet or frames % a.tubelet:
        raise OptionError(f"frames must be a positive multiple of the tubelet size "
                          f"{a.tubelet}, not {frames}" if a.tubelet > 1 else
                          f"frames must be positive, not {frames}")
    if any(side < a.patch or side % a.patch for side in crop):
        raise OptionError(f"crop sides must be positive multiples of the patch size {a.patch}, "
                          f"not {crop[0]}x{crop[1]}")


def resolve_preprocessing(a, opts, hints):
    """The window and normalisation the model file records, and what resizing they need."""
    own_frames = a.frames
    own_crop = (a.grid[0] * a.patch, a.grid[1] * a.patch) if a.grid else None
    if a.family == "videomae":
        default_frames = own_frames if own_frames is not None else VIDEOMAE_RELEASE[0]
        default_crop = own_crop if own_crop is not None else VIDEOMAE_RELEASE[1]
    else:
        default_frames = own_frames
        default_crop = hints.value("test_crop", own_crop)
    frames = opts.frames if opts.frames is not None else default_frames
    crop = tuple(opts.crop) if opts.crop is not None else default_crop
    if opts.crop is None and "test_crop" in hints and crop == hints.value("test_crop") and any(
            side % a.patch for side in crop):
        raise ConvertError(f"{hints.where('test_crop')} is {crop[0]}, not a multiple of the "
                           f"patch size {a.patch}; pass --crop")
    _checked_size(a, frames, crop)
    if a.family != "timesformer":
        title = TITLE[a.family]
        if own_frames is not None and frames != own_frames:
            raise ConvertError(f"--frames {frames}: this {title} takes {own_frames} frames "
                               f"({hints.where('frames')}); its official code accepts no "
                               "other count, so the converter does not resize")
        if own_crop is not None and crop != own_crop:
            raise ConvertError(f"--crop {crop[0]}x{crop[1]}: this {title} takes "
                               f"{own_crop[0]}x{own_crop[1]} input ({hints.where('crop')}); "
                               "its official code accepts no other size, so the converter "
                               "does not resize")

    if opts.sampling_rate is not None:
        rate = opts.sampling_rate
    elif "sampling_rate" in hints:
        rate = hints.value("sampling_rate")
    elif a.family in DEFAULT_SAMPLING_RATE:
        rate = DEFAULT_SAMPLING_RATE[a.family]
    else:
        rate = SAMPLING_RATES[a.family].get(own_frames)
        if rate is None:
            releases = ", ".join(f"{r} at {f} frames"
                                 for f, r in SAMPLING_RATES[a.family].items())
            raise ConvertError(f"the sampling rate of this {TITLE[a.family]} is unknown: the "
                               f"checkpoint does not record it, and its {own_frames} frames "
                               f"are no release's (rate {releases}); pass --sampling-rate N")
    if rate < 1:
        raise ConvertError(f"{hints.where('sampling_rate')} is {rate}, not a positive integer")
    mean, std, _ = MEAN_STD[a.family]
    mean = opts.mean if opts.mean is not None else hints.value("mean", mean)
    std = opts.std if opts.std is not None else hints.value("std", std)
    fps = opts.source_fps if opts.source_fps is not None else SOURCE_FPS
    color = opts.color_order if opts.color_order is not None else "rgb"
    return Preprocessing(frames, crop, rate, fps, tuple(mean), tuple(std), color)


def nearest_index(out_size, in_size):
    """Source index of each output index for PyTorch's mode='nearest' (float32 maths).

    As aten's nearest_idx: identity when the sizes match, i >> 1 for an exact
    doubling, else min(floor(i * (float)(in / out)), in - 1) computed in float.
    """
    i = np.arange(out_size)
    if out_size == in_size:
        return i
    if out_size == 2 * in_size:
        return i >> 1
    scale = np.float32(in_size) / np.float32(out_size)
    src = np.floor(i.astype(np.float32) * scale).astype(np.int64)
    return np.minimum(src, in_size - 1)


def resize_pos_embed(pos, grid, out_grid):
    """TimeSformer's pos_embed [1,1+P*P,C] for another patch grid, keeping the cls slot."""
    if tuple(grid) == tuple(out_grid):
        return pos
    c = pos.shape[2]
    table = pos[0, 1:].reshape(grid[0], grid[1], c)
    rows, cols = nearest_index(out_grid[0], grid[0]), nearest_index(out_grid[1], grid[1])
    resized = table[rows][:, cols].reshape(1, out_grid[0] * out_grid[1], c)
    return np.concatenate([pos[:, :1], resized], axis=1)


def resize_time_embed(time, frames):
    """TimeSformer's time_embed [1,T,C] for another frame count (1-D nearest)."""
    if time.shape[1] == frames:
        return time
    return time[:, nearest_index(frames, time.shape[1])]


def output_tensors(state, a, pre):
    """OrderedDict name -> float array of the model file (before the dtype cast)."""
    c = a.hidden
    out = collections.OrderedDict()
    f32 = lambda key: np.asarray(state[key], dtype=np.float32)
    weight = f32("patch_embed.proj.weight")
    if a.family == "timesformer":
        weight = weight.reshape(c, 3, 1, a.patch, a.patch)
    out["patch_embed.proj.weight"] = weight
    out["patch_embed.proj.bias"] = f32("patch_embed.proj.bias")
    if a.family in ("timesformer", "vivit"):
        out["cls_token"] = f32("cls_token")
    if a.family == "timesformer":
        grid = (pre.crop[0] // a.patch, pre.crop[1] // a.patch)
        out["pos_embed"] = resize_pos_embed(f32("pos_embed"), a.grid, grid)
        out["time_embed"] = resize_time_embed(f32("time_embed"), pre.frames)
    elif a.family == "vivit":
        out["pos_embed"] = f32("pos_embed")
    zeros = np.zeros(c, np.float32)
    for i in range(a.depth):
        b = f"blocks.{i}."
        for norm in ("norm1", "norm2"):
            out[f"{b}{norm}.weight"] = f32(f"{b}{norm}.weight")
            out[f"{b}{norm}.bias"] = f32(f"{b}{norm}.bias")
        if f"{b}attn.qkv.weight" in state:
            out[f"{b}attn.qkv.weight"] = f32(f"{b}attn.qkv.weight")
        else:
            out[f"{b}attn.qkv.weight"] = np.concatenate(
                [f32(f"{b}attn.{p}.weight") for p in "qkv"], axis=0)
        if not a.qkv_bias:
            bias = np.zeros(3 * c, np.float32)
        elif a.family == "timesformer":
            bias = f32(f"{b}attn.qkv.bias")
        elif a.family == "vivit":
            bias = np.concatenate([f32(f"{b}attn.{p}.bias") for p in "qkv"])
        else:
            bias = np.concatenate([f32(f"{b}attn.q_bias"), zeros, f32(f"{b}attn.v_bias")])
        out[f"{b}attn.qkv.bias"] = bias
        for lin in ("attn.proj", "mlp.fc1", "mlp.fc2"):
            out[f"{b}{lin}.weight"] = f32(f"{b}{lin}.weight")
            out[f"{b}{lin}.bias"] = f32(f"{b}{lin}.bias")
        if a.family == "timesformer":
            out[f"{b}temporal_norm1.weight"] = f32(f"{b}temporal_norm1.weight")
            out[f"{b}temporal_norm1.bias"] = f32(f"{b}temporal_norm1.bias")
            out[f"{b}temporal_attn.qkv.weight"] = f32(f"{b}temporal_attn.qkv.weight")
            out[f"{b}temporal_attn.qkv.bias"] = (f32(f"{b}temporal_attn.qkv.bias")
                                                 if a.qkv_bias else np.zeros(3 * c, np.float32))
            for lin in ("temporal_attn.proj", "temporal_fc"):
                out[f"{b}{lin}.weight"] = f32(f"{b}{lin}.weight")
                out[f"{b}{lin}.bias"] = f32(f"{b}{lin}.bias")
    norm = "fc_norm" if a.pooling == "mean" else "norm"
    out[f"{norm}.weight"] = f32(f"{norm}.weight")
    out[f"{norm}.bias"] = f32(f"{norm}.bias")
    out["head.weight"] = f32("head.weight")
    out["head.bias"] = f32("head.bias")
    return out


def eps_text(x):
    """Shortest round-trip text of a float, exponent without padding: 1e-6, 1e-12, 0.001."""
    text = repr(float(x))
    return re.sub(r"e([+-])0*([0-9])", lambda m: "e" + m.group(1).replace("+", "")
                  + m.group(2), text)


def metadata(a):
    """The family's own __metadata__ keys (all strings); convert.py adds
    the ones every model file has."""
    return {
        "hidden_size": str(a.hidden),
        "depth": str(a.depth),
        "num_heads": str(a.num_heads),
        "mlp_dim": str(a.mlp_dim),
        "patch_size": str(a.patch),
        "tubelet_size": str(a.tubelet),
        "layer_norm_eps": eps_text(a.layer_norm_eps),
        "head_norm_eps": eps_text(a.head_norm_eps),
        "gelu": a.gelu,
        "pooling": a.pooling,
    }
