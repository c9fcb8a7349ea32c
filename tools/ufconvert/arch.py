"""The UniFormer (base family, S/B) architecture: inference from a state_dict and checks.

Everything but head_dim follows from key names and shapes (spec §2): depths
from the blocks{s}.{i} indices, dims from the patch embeddings, mlp_ratio
from the first MLP, num_classes from the head. head_dim (the channels per
attention head in stages 3-4) changes no shape; resolve_head_dim takes it from
the command line, from what the container records, or -- for the released
UniFormer-S/B layouts only, all trained with 64 -- from the release, and
otherwise refuses to guess.
"""

import collections
import dataclasses
import re

import numpy as np

from .errors import ConvertError

# Keys that only other UniFormer variants have, with what to tell the user.
_LIGHT = re.compile(r"^(cls_token|cls_upsample\.|norm_cls\.|head_cls\.|patch_embed1\.proj\.\d"
                    r"|blocks\d\.\d+\.gamma_)")
_SPLIT = re.compile(r"^blocks\d\.\d+\.t_(norm|attn)\.")
_BLOCK = re.compile(r"^blocks([1-4])\.(\d+)\.")


@dataclasses.dataclass(frozen=True)
class Arch:
    depths: tuple
    dims: tuple
    mlp_ratio: int
    num_classes: int
    head_dim: int = None  # None until resolve_head_dim


# The released base-family layouts (spec §1.1, §3): every one has head_dim 64.
RELEASED = (("UniFormer-S", (3, 4, 8, 3), (64, 128, 320, 512), 4),
            ("UniFormer-B", (5, 8, 20, 7), (64, 128, 320, 512), 4))
RELEASED_HEAD_DIM = 64
# The engine's attention shader reads q, k and v four floats at a time.
HEAD_DIM_MULTIPLE = 4
ATTENTION_STAGES = (3, 4)


def _shape(state, key, ndim):
    if key not in state:
        raise ConvertError(f"missing key {key!r}")
    shape = state[key].shape
    if len(shape) != ndim:
        raise ConvertError(f"key {key!r} has shape {list(shape)}, expected {ndim} dimensions")
    return shape


def reject_variants(state):
    """Refuses the light (XXS/XS, light.py's), SplitSABlock and std variants, naming the
    tell-tale key."""
    for key in state:
        if _LIGHT.match(key):
            raise ConvertError(f"this is a light UniFormer (XXS/XS) checkpoint (key {key!r}), "
                               "not a base-family (UniFormer-S/B) one")
        if _SPLIT.match(key):
            raise ConvertError(f"this checkpoint uses SplitSABlock (UNIFORMER.SPLIT, key "
                               f"{key!r}), which is not supported")
    for s in (2, 3, 4):
        shape = state.get(f"patch_embed{s}.proj.weight", np.empty(0)).shape
        if len(shape) == 5 and shape[2] == 3:
            raise ConvertError(f"this checkpoint uses the 'std' patch embedding (UNIFORMER.STD, "
                               f"patch_embed{s}.proj.weight is {list(shape)}), "
                               "which is not supported")


def infer(state):
    """The Arch of a state_dict (names as in spec §2), head_dim unset; ConvertError if none."""
    reject_variants(state)
    dims = tuple(_shape(state, f"patch_embed{s}.proj.weight", 5)[0] for s in (1, 2, 3, 4))
    depths, mlp_ratio = depths_and_mlp_ratio(state, dims[0])
    return Arch(depths, dims, mlp_ratio, head_classes(state))


def depths_and_mlp_ratio(state, dim1):
    """(depths, mlp_ratio) from the blocks<s>.<i> keys and stage 1's MLP, which
    UniFormer and its light models share; ConvertError."""
    blocks = [set() for _ in range(4)]
    for key in state:
        m = _BLOCK.match(key)
        if m:
            blocks[int(m.group(1)) - 1].add(int(m.group(2)))
    depths = tuple(len(b) for b in blocks)
    for s, depth in enumerate(depths, 1):
        if depth == 0:
            raise ConvertError(f"stage {s} has no blocks (no blocks{s}.* keys)")
    hidden = _shape(state, "blocks1.0.mlp.fc1.weight", 5)[0]
    if hidden % dim1:
        raise ConvertError(f"blocks1.0.mlp.fc1.weight has {hidden} rows, not a whole "
                           f"multiple of the stage dim {dim1} (mlp_ratio must be an integer)")
    return depths, hidden // dim1


def head_classes(state):
    """The class count of head.weight; ConvertError."""
    num_classes = _shape(state, "head.weight", 2)[0]
    if num_classes < 1:
        raise ConvertError("head.weight has no rows (num_classes 0)")
    return num_classes


def released_variant(a):
    """"UniFormer-S" or "UniFormer-B" when Arch a has a released layout, else None.

    The class count is free (fine-tuned heads); depths, dims and mlp_ratio
    must all match.
    """
    for name, depths, dims, mlp_ratio in RELEASED:
        if (a.depths, a.dims, a.mlp_ratio) == (depths, dims, mlp_ratio):
            return name
    return None


def head_dim_problem(head_dim):
    """Why the engine cannot run head_dim, in words, or None."""
    if head_dim < 1:
        return f"head_dim {head_dim} is not positive"
    if head_dim % HEAD_DIM_MULTIPLE:
        return (f"head_dim {head_dim} is not a multiple of {HEAD_DIM_MULTIPLE}, which the "
                "engine's attention shader needs")
    return None


def check_head_dim(dims, head_dim, source):
    """ConvertError unless head_dim splits every attention stage's dim and suits the engine."""
    if head_dim < 1:
        raise ConvertError(f"head_dim {head_dim} ({source}) is not positive")
    bad = [f"stage {s}'s dim {dims[s - 1]}" for s in ATTENTION_STAGES if dims[s - 1] % head_dim]
    if bad:
        raise ConvertError(f"head_dim {head_dim} ({source}) does not divide {' or '.join(bad)} "
                           "(attention splits the stage 3 and 4 dims into heads of head_dim "
                           "channels)")
    problem = head_dim_problem(head_dim)
    if problem:
        raise ConvertError(f"{problem} ({source})")


def _layout(a):
    return (f"depths {','.join(map(str, a.depths))}, dims {','.join(map(str, a.dims))}, "
            f"mlp_ratio {a.mlp_ratio}")


def resolve_head_dim(a, given=None, recorded=None):
    """(Arch a with head_dim set, where the value came from); ConvertError if unknown or bad.

    given: --head-dim or None; recorded: (value, where) from the container or
    None. Both given must agree. Without either, only a released layout has a
    known head_dim (64); any other layout is refused rather than guessed.
    """
    if given is not None and recorded is not None and given != recorded[0]:
        raise ConvertError(f"--head-dim {given} contradicts the checkpoint's {recorded[1]}, "
                           f"which is {recorded[0]}")
    if given is not None:
        head_dim, source = given, "from --head-dim"
    elif recorded is not None:
        head_dim, source = recorded[0], f"from the checkpoint's {recorded[1]}"
    else:
        variant = released_variant(a)
        if variant is None:
            raise ConvertError(
                f"the attention head size is unknown: it shows in no tensor shape, the "
                f"checkpoint does not record it, and its layout ({_layout(a)}) is not a "
                f"released UniFormer-S/B one, whose head_dim is {RELEASED_HEAD_DIM}; pass "
                "--head-dim N with the head size the model was trained with "
                "(UNIFORMER.HEAD_DIM in its config)")
        head_dim, source = RELEASED_HEAD_DIM, f"the released {variant} value"
    check_head_dim(a.dims, head_dim, source)
    return dataclasses.replace(a, head_dim=head_dim), source


def expected_shapes(arch):
    """OrderedDict key -> shape of the model file's tensors (docs/model-format.md)."""
    out = collections.OrderedDict()
    d = arch.dims
    for s in range(1, 5):
        c, h = d[s - 1], d[s - 1] * arch.mlp_ratio
        out[f"patch_embed{s}.proj.weight"] = (c, 3, 3, 4, 4) if s == 1 else (c, d[s - 2], 1, 2, 2)
        for name in ("proj.bias", "norm.weight", "norm.bias"):
            out[f"patch_embed{s}.{name}"] = (c,)
        for i in range(arch.depths[s - 1]):
            b = f"blocks{s}.{i}."
            out[b + "pos_embed.weight"] = (c, 1, 3, 3, 3)
            out[b + "pos_embed.bias"] = (c,)
            if s <= 2:  # CBlock: BatchNorm, 1x1x1 convs, depthwise 5x5x5 "attn"
                for norm in ("norm1", "norm2"):
                    for p in ("weight", "bias", "running_mean", "running_var"):
                        out[f"{b}{norm}.{p}"] = (c,)
                for conv, shape in (("conv1", (c, c, 1, 1, 1)), ("conv2", (c, c, 1, 1, 1)),
                                    ("attn", (c, 1, 5, 5, 5)), ("mlp.fc1", (h, c, 1, 1, 1)),
                                    ("mlp.fc2", (c, h, 1, 1, 1))):
                    out[f"{b}{conv}.weight"] = shape
                    out[f"{b}{conv}.bias"] = shape[:1]
            else:  # SABlock: LayerNorm, Linear layers
                for norm in ("norm1", "norm2"):
                    out[f"{b}{norm}.weight"] = out[f"{b}{norm}.bias"] = (c,)
                for lin, shape in (("attn.qkv", (3 * c, c)), ("attn.proj", (c, c)),
                                   ("mlp.fc1", (h, c)), ("mlp.fc2", (c, h))):
                    out[f"{b}{lin}.weight"] = shape
                    out[f"{b}{lin}.bias"] = shape[:1]
    for p in ("weight", "bias", "running_mean", "running_var"):
        out[f"norm.{p}"] = (d[3],)
    out["head.weight"] = (arch.num_classes, d[3])
    out["head.bias"] = (arch.num_classes,)
    return out


def is_dropped(key):
    """BatchNorm's step counter: the one state_dict entry the model file leaves out."""
    return key.rsplit(".", 1)[-1] == "num_batches_tracked"


def check(state, arch):
    """Checks keys and shapes against arch; returns the kept keys in the state's order.

    Every expected key must be present with its shape and a floating-point
    dtype, and every key must be expected (num_batches_tracked excepted).
    """
    expected = expected_shapes(arch)
    missing = [k for k in expected if k not in state]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ConvertError(f"missing key {missing[0]!r}{more}")
    kept = []
    for key, value in state.items():
        if is_dropped(key):
            continue
        if key not in expected:
            raise ConvertError(f"unexpected key {key!r}: not part of a UniFormer state_dict "
                               f"with depths {','.join(map(str, arch.depths))}")
        check_tensor(key, value, expected[key])
        kept.append(key)
    return kept


def check_tensor(key, value, shape):
    """ConvertError unless @value has @shape and a floating-point dtype."""
    if tuple(value.shape) != shape:
        raise ConvertError(f"key {key!r} has shape {list(value.shape)}, expected {list(shape)}")
    if value.dtype.kind != "f":
        raise ConvertError(f"key {key!r} has dtype {value.dtype}, expected floating point")
