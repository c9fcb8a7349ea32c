"""The light UniFormers (XXS / XS, with token pruning): inference, checks, schedule, tensors.

The state_dict uses the official names (Uniformer_light, _fp32 and _ls_fp32
alike; shared/docs/uniformer-light-spec.md §6). The shapes give depths, dims,
the MLP ratio, the class count and layer scale (blocks1.0.gamma_1); the head
size is the release's for the XXS and XS layouts (28, 32). The rest is in no
tensor: the pruning schedule (prune ratio and trade-off per stage-3/4 block)
defaults to the release's, the frame count and input size must be given or
recorded in a training checkpoint's cfg.

The output is docs/model-format.md, "Light UniFormers": the official tensors
with each layer scale folded into the layer whose output it scales, minus
what inference never reads, and the schedule with its kept-token counts in
the metadata.
"""

import collections
import dataclasses
import math
import re
from typing import Optional

import numpy as np

from . import arch, yamlcfg
from .errors import ConvertError, OptionError
from .vit import Hints, Preprocessing

ARCHITECTURE = "uniformer-light"
# name, depths, dims, head_dim (spec §1; mlp ratio 3 in every stage)
RELEASED = (("XXS", (2, 5, 8, 2), (56, 112, 224, 448), 28),
            ("XS", (3, 5, 9, 3), (64, 128, 256, 512), 32))
RELEASED_MLP_RATIO = 3
# The releases were trained and tested on whole ~10 s Kinetics clips, sampled
# sparsely; the default window spans as much at source_fps.
CLIP_SECONDS = 10
DEFAULTS = dict(source_fps=30.0, color_order="rgb", mean=(0.45, 0.45, 0.45),
                std=(0.225, 0.225, 0.225))
BN = ("weight", "bias", "running_mean", "running_var")
# The layer whose output each layer scale multiplies, per block kind.
LAYER_SCALED = {"conv": (("conv2", "gamma_1"), ("mlp.fc2", "gamma_2")),
                "attn": (("attn.proj", "gamma_1"), ("mlp.fc2", "gamma_2"))}
# Training-only tensors: the cls branch's norm and head.
_TRAINING_ONLY = re.compile(r"^(norm_cls|head_cls)\.")


@dataclasses.dataclass(frozen=True)
class LightArch:
    depths: tuple
    dims: tuple
    mlp_ratio: int
    num_classes: int
    layer_scale: bool
    variant: Optional[str]       # "XXS", "XS" or None for another layout
    head_dim: int = None         # None until resolve_head_dim


@dataclasses.dataclass(frozen=True)
class Schedule:
    """Per stage 3 and 4, one entry per block."""
    prune_ratio: tuple           # (stage-3 ratios, stage-4 ratios)
    trade_off: tuple
    kept: tuple = None           # (stage-3 K, stage-4 K), set by check_schedule
    options: frozenset = frozenset()  # the parts given on the command line


def _problem(from_option, message):
    """OptionError (a usage error) for a value the user passed, ConvertError otherwise."""
    return (OptionError if from_option else ConvertError)(message)


@dataclasses.dataclass(frozen=True)
class Converted:
    """What convert() made of a light checkpoint, for the summary line."""
    arch: LightArch
    schedule: Schedule
    pre: Preprocessing
    head_dim_source: str
    schedule_source: str


def light_key(state):
    """The first key only a light UniFormer has, or None."""
    return next((k for k in state if arch._LIGHT.match(k)), None)


def is_light(state):
    """Whether a state_dict is a UniFormer's (stage-numbered keys, which the video
    ViTs' blocks.{i} are not) with a light-only key (cls_token, a layer scale, ...)."""
    return light_key(state) is not None and any(
        arch._BLOCK.match(k) or k.startswith("patch_embed1.") for k in state)


def _shape(state, key, ndim):
    if key not in state:
        raise ConvertError(f"missing key {key!r}")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise ConvertError(f"key {key!r} has shape {list(shape)}, expected {ndim} dimensions")
    return shape


def infer(state):
    """The LightArch of an official light state_dict (head_dim unset); ConvertError."""
    tell = light_key(state)
    for key in ("patch_embed1.proj.weight", "patch_embed1.norm.weight"):
        if key in state:
            raise ConvertError(f"key {tell!r} belongs to a light UniFormer (XXS/XS), but "
                               f"{key!r} is the base family's stem: a light stem is "
                               "patch_embed1.proj.0-4 (two convolutions and BatchNorms)")
    half = _shape(state, "patch_embed1.proj.0.weight", 5)[0]
    dims = (_shape(state, "patch_embed1.proj.3.weight", 5)[0],) + tuple(
        _shape(state, f"patch_embed{s}.proj.weight", 5)[0] for s in (2, 3, 4))
    if dims[0] != 2 * half:
        raise ConvertError(f"patch_embed1.proj.0.weight has {half} output channels, not half "
                           f"of patch_embed1.proj.3.weight's {dims[0]}")
    depths, mlp_ratio = arch.depths_and_mlp_ratio(state, dims[0])
    num_classes = arch.head_classes(state)
    variant = next((name for name, d, c, _ in RELEASED
                    if (d, c, mlp_ratio) == (depths, dims, RELEASED_MLP_RATIO)), None)
    return LightArch(depths, dims, mlp_ratio, num_classes, "blocks1.0.gamma_1" in state,
                     variant)


def resolve_head_dim(a, given=None, recorded=None):
    """(a with head_dim, where it came from): --head-dim, the checkpoint's cfg, or the
    release's (XXS 28, XS 32); any other layout needs one of the first two."""
    if given is not None and recorded is not None and given != recorded[0]:
        raise ConvertError(f"--head-dim {given} contradicts the checkpoint's {recorded[1]}, "
                           f"which is {recorded[0]}")
    if given is not None:
        head_dim, source = given, "from --head-dim"
    elif recorded is not None:
        head_dim, source = recorded[0], f"from the checkpoint's {recorded[1]}"
    elif a.variant is not None:
        head_dim = next(h for name, _, _, h in RELEASED if name == a.variant)
        source = f"the released {a.variant} value"
    else:
        raise ConvertError(
            f"the attention head size is unknown: this light UniFormer's layout (depths "
            f"{_join(a.depths)}, dims {_join(a.dims)}, mlp_ratio {a.mlp_ratio}) is neither "
            "XXS (2,5,8,2 / 56,112,224,448, head_dim 28) nor XS (3,5,9,3 / "
            "64,128,256,512, head_dim 32); pass --head-dim N")
    arch.check_head_dim(a.dims, head_dim, source)
    return dataclasses.replace(a, head_dim=head_dim), source


def _join(values):
    return ",".join(str(v) for v in values)


def expected_shapes(a):
    """OrderedDict key -> shape of the official state_dict (num_batches_tracked aside);
    optional() tells the keys that may be missing."""
    base = arch.expected_shapes(arch.Arch(a.depths, a.dims, a.mlp_ratio, a.num_classes))
    d, half = a.dims, a.dims[0] // 2
    out = collections.OrderedDict()
    out["cls_token"] = (1, 1, d[2])
    out["patch_embed1.proj.0.weight"] = (half, 3, 3, 3, 3)
    out["patch_embed1.proj.0.bias"] = (half,)
    for p in BN:
        out[f"patch_embed1.proj.1.{p}"] = (half,)
    out["patch_embed1.proj.3.weight"] = (d[0], half, 3, 3, 3)
    out["patch_embed1.proj.3.bias"] = (d[0],)
    for p in BN:
        out[f"patch_embed1.proj.4.{p}"] = (d[0],)
    out.update((k, v) for k, v in base.items() if not k.startswith("patch_embed1."))
    out["cls_upsample.weight"] = (d[3], d[2])
    out["cls_upsample.bias"] = (d[3],)
    if a.layer_scale:
        for s in range(1, 5):
            shape = (1, d[s - 1], 1, 1, 1) if s <= 2 else (d[s - 1],)
            for i in range(a.depths[s - 1]):
                out[f"blocks{s}.{i}.gamma_1"] = out[f"blocks{s}.{i}.gamma_2"] = shape
    out["norm_cls.weight"] = out["norm_cls.bias"] = (d[3],)
    out["head_cls.weight"] = (a.num_classes, d[3])
    out["head_cls.bias"] = (a.num_classes,)
    return out


def optional(key):
    """Keys inference never reads, which a checkpoint may leave out."""
    return bool(_TRAINING_ONLY.match(key))


def check(state, a):
    """Checks keys, shapes and dtypes against a; returns the keys in the state's order
    (num_batches_tracked left out)."""
    expected = expected_shapes(a)
    missing = [k for k in expected if k not in state and not optional(k)]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        hint = (" (blocks1.0.gamma_1 is present, so every block needs its layer scale)"
                if missing[0].endswith(("gamma_1", "gamma_2")) else "")
        raise ConvertError(f"missing key {missing[0]!r}{more}{hint}")
    kept = []
    for key, value in state.items():
        if arch.is_dropped(key):
            continue
        if key not in expected:
            why = (": blocks1.0.gamma_1 is absent, so the checkpoint has no layer scale"
                   if re.match(r"^blocks\d\.\d+\.gamma_[12]$", key) else "")
            raise ConvertError(f"unexpected key {key!r}: not part of a light UniFormer with "
                               f"depths {_join(a.depths)}{why}")
        arch.check_tensor(key, value, expected[key])
        kept.append(key)
    return kept


# ---- what the training checkpoint's cfg records


def _cfg_schedule(cfg, key):
    """(stage-3 list, stage-4 list) of floats from cfg UNIFORMER.<key>, or None."""
    value = yamlcfg.lookup(cfg, f"UNIFORMER.{key}")
    if value is None:
        return None
    where = f"the checkpoint's cfg UNIFORMER.{key}"
    if not isinstance(value, list) or len(value) != 4 or not all(
            isinstance(v, list) for v in value):
        raise ConvertError(f"{where} is {value!r:.80}, not one list per stage")
    stages = []
    for s in (3, 4):
        numbers = [yamlcfg.number(v) if isinstance(v, str) else None for v in value[s - 1]]
        if None in numbers:
            raise ConvertError(f"{where} has a stage-{s} entry that is not a number: "
                               f"{value[s - 1]!r:.80}")
        stages.append(tuple(numbers))
    return tuple(stages), where


def cfg_hints(wrapper):
    """Hints from a training checkpoint's cfg: frames, crop, prune_ratio, trade_off."""
    h = Hints()
    text = wrapper.get("cfg") if isinstance(wrapper, dict) else None
    if not isinstance(text, str):
        return h
    cfg = yamlcfg.parse(text)
    for key, name in (("DATA.NUM_FRAMES", "frames"), ("DATA.TEST_CROP_SIZE", "crop")):
        value = yamlcfg.lookup(cfg, key)
        if value is None:
            continue
        number = yamlcfg.integer(value) if isinstance(value, str) else None
        if number is None or number < 1:
            raise ConvertError(f"the checkpoint's cfg {key} is {value!r:.40}, not a positive "
                               "integer")
        h[name] = ((number, number) if name == "crop" else number, f"the checkpoint's cfg {key}")
    for key, name in (("PRUNE_RATIO", "prune_ratio"), ("TRADE_OFF", "trade_off")):
        found = _cfg_schedule(cfg, key)
        if found is not None:
            h[name] = found
    return h


# ---- preprocessing and schedule


def resolve_preprocessing(opts, hints):
    """The window and normalisation: options, else the cfg's, else the defaults.

    Frames and crop have no default (the releases differ: 4 to 32 frames of
    128, 160 or 192). The sampling rate makes the window frames x rate source
    frames about CLIP_SECONDS long.
    """
    frames = opts.frames if opts.frames is not None else hints.value("frames")
    crop = tuple(opts.crop) if opts.crop is not None else hints.value("crop")
    if frames is None or crop is None:
        raise OptionError("a light UniFormer's frame count and input size are in no tensor: "
                          "pass --frames and --crop (the releases: XXS 4, 8, 16 or 32 frames "
                          "of 128 or 160, XS 32 of 192)")
    if frames < 2 or frames % 2:
        where = "--frames" if opts.frames is not None else hints.where("frames")
        raise _problem(opts.frames is not None, f"frames must be even and positive (the "
                       f"stem halves time), not {frames} ({where})")
    if any(side < 32 or side % 32 for side in crop):
        where = "--crop" if opts.crop is not None else hints.where("crop")
        raise _problem(opts.crop is not None, f"crop sides must be positive multiples of "
                       f"32, not {crop[0]}x{crop[1]} ({where})")
    fps = opts.source_fps if opts.source_fps is not None else DEFAULTS["source_fps"]
    rate = opts.sampling_rate
    if rate is None:
        rate = max(1, round(CLIP_SECONDS * fps / frames))
    pick = lambda name: getattr(opts, name) if getattr(opts, name) is not None \
        else DEFAULTS[name]
    return Preprocessing(frames, crop, rate, fps, tuple(pick("mean")), tuple(pick("std")),
                         pick("color_order"))


def released_schedule(depths):
    """The releases' schedule: stage 3 keeps all, then halves; stage 4 halves."""
    ratios = ((1.0,) + (0.5,) * (depths[2] - 1), (0.5,) * depths[3])
    return Schedule(ratios, ratios)


def resolve_schedule(a, opts, hints):
    """(Schedule, where its parts came from) before check_schedule.

    An option gives exactly one value per block; a cfg list may be longer
    (the official code reads entry i for block i, and the defaults hold
    three stage-4 entries for XXS's two blocks).
    """
    released = released_schedule(a.depths)
    parts, sources = {}, []
    for name, option, label in (("prune_ratio", "--prune-ratio", "prune ratios"),
                                ("trade_off", "--trade-off", "trade-offs")):
        given = getattr(opts, name)
        if given is not None:
            value, where, exact = given, option, True
        elif name in hints:
            value, where, exact = hints.value(name), hints.where(name), False
        else:
            value, where, exact = getattr(released, name), "the release", True
        for s, stage in zip((3, 4), value):
            depth = a.depths[s - 1]
            if len(stage) < depth or (exact and len(stage) != depth):
                raise _problem(given is not None, f"{where} gives {len(stage)} stage-{s} "
                               f"{label}; this model has {depth} stage-{s} blocks")
        parts[name] = tuple(tuple(float(v) for v in stage[:a.depths[s - 1]])
                            for s, stage in zip((3, 4), value))
        sources.append(f"{label} from {where}")
    options = frozenset(n for n in parts if getattr(opts, n) is not None)
    return (Schedule(parts["prune_ratio"], parts["trade_off"], options=options),
            ", ".join(sources))


def check_schedule(a, schedule, pre):
    """schedule with its token counts; ConvertError for one the engine cannot run.

    Pruned blocks keep K = int(N * ratio) of N tokens (Python's double
    arithmetic, as the official code), need K >= 1 and at least two dropped
    tokens (with one, the official code takes its "no representative token"
    branch, which the engine does not implement); stage 3 block 0 makes the
    scores, so it cannot prune; stage 4 prunes by the pooled scores of a
    pruning last stage-3 block.
    """
    ratio_problem = lambda message: _problem("prune_ratio" in schedule.options, message)
    t2, h, w = pre.frames // 2, pre.crop[0], pre.crop[1]
    tokens = (t2 * (h // 16) * (w // 16), t2 * (h // 32) * (w // 32))
    kept = []
    for s, ratios, offs in zip((3, 4), schedule.prune_ratio, schedule.trade_off):
        n, stage = tokens[s - 3], []
        for i, (r, t) in enumerate(zip(ratios, offs)):
            where = f"stage {s} block {i}"
            if not (math.isfinite(r) and 0 < r <= 1):
                raise ratio_problem(f"{where}: prune ratio {r:g} is not in (0, 1]")
            if not (math.isfinite(t) and 0 <= t <= 1):
                raise _problem("trade_off" in schedule.options,
                               f"{where}: trade-off {t:g} is not in [0, 1]")
            k = int(n * r)
            if r < 1 and (s, i) == (3, 0):
                raise ratio_problem(f"{where}: prune ratio {r:g}, but the first stage-3 "
                                    "block must keep every token (ratio 1): the token "
                                    "scores come from its attention")
            if r < 1 and (k < 1 or n - k < 2):
                raise ratio_problem(f"{where}: prune ratio {r:g} keeps {k} of {n} tokens "
                                    f"at {pre.frames} frames of {h}x{w}; a pruning block "
                                    "must keep at least one token and drop at least two")
            stage.append(k)
        kept.append(tuple(stage))
    if schedule.prune_ratio[0][-1] == 1 and min(schedule.prune_ratio[1]) < 1:
        raise ratio_problem("stage 4 prunes, but the last stage-3 block keeps every token "
                            "(prune ratio 1): stage 4 ranks its tokens by the stage-3 scores "
                            "pooled at the end of a pruning last stage-3 block")
    return dataclasses.replace(schedule, kept=tuple(kept))


# ---- the model file


def output_tensors(state, keys, a):
    """OrderedDict name -> array of the model file: keys minus the training-only and
    layer-scale tensors, each gamma folded into the layer it scales (in float64,
    so the product is rounded once, by the dtype cast)."""
    scale = {}
    if a.layer_scale:
        for s in range(1, 5):
            for i in range(a.depths[s - 1]):
                b = f"blocks{s}.{i}."
                for layer, gamma in LAYER_SCALED["conv" if s <= 2 else "attn"]:
                    g = np.asarray(state[b + gamma], np.float64).reshape(-1)
                    if not np.isfinite(g).all():
                        raise ConvertError(f"key {b + gamma!r} holds NaN or infinite values")
                    scale[f"{b}{layer}.weight"] = scale[f"{b}{layer}.bias"] = g
    out = collections.OrderedDict()
    for key in keys:
        if optional(key) or re.match(r"^blocks\d\.\d+\.gamma_[12]$", key):
            continue
        value = state[key]
        if key in scale:
            gamma = scale[key].reshape((-1,) + (1,) * (value.ndim - 1))
            value = np.asarray(value, np.float64) * gamma
        out[key] = value
    return out


def metadata(a, schedule, number):
    """The family's own __metadata__ keys (all strings); number formats a value."""
    join = lambda values: ",".join(number(v) for v in values)
    return {
        "depths": join(a.depths),
        "dims": join(a.dims),
        "head_dim": str(a.head_dim),
        "mlp_ratio": str(a.mlp_ratio),
        "stage3_prune_ratio": join(schedule.prune_ratio[0]),
        "stage4_prune_ratio": join(schedule.prune_ratio[1]),
        "stage3_trade_off": join(schedule.trade_off[0]),
        "stage4_trade_off": join(schedule.trade_off[1]),
        "stage3_kept_tokens": join(schedule.kept[0]),
        "stage4_kept_tokens": join(schedule.kept[1]),
        "layer_scale": "folded" if a.layer_scale else "none",
        "sampling": "sparse",
    }
