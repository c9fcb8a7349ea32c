"""Independent PyTorch reference of UniFormer's light video models (XXS / XS).

Written from the light-model spec (shared/docs/uniformer-light-spec.md, §3-§4
and §6) only, so that it can judge both the converter and the engine.  Module
names make state_dict() keys equal the official checkpoint keys, so an
official state_dict (with or without layer scale) loads with
load_state_dict(strict=True).  Eval mode at batch 1 only.

Token pruning runs exactly as the spec's eval semantics, with one rule the
official code leaves to an unstable sort: **ties**.  The tokens of a pruned
block are ordered by score descending, and equal scores by original index
ascending (a stable descending sort of the original-order scores); the first
K are kept.  The engine implements the same rule.

run(x) returns the logits and a trace with one BlockTrace per EvoSABlock: the
token counts, the kept set (original indices, ascending) of pruned blocks,
the scores at the K boundary, and the scores g after the block.
"""
import dataclasses
import math
from typing import List, Optional

import numpy as np
import torch
from torch import nn

# Spec §1 (mlp ratio 3 everywhere; heads = dim / head_dim in stages 3-4).
XXS = dict(depths=(2, 5, 8, 2), dims=(56, 112, 224, 448), head_dim=28, mlp_ratio=3)
XS = dict(depths=(3, 5, 9, 3), dims=(64, 128, 256, 512), head_dim=32, mlp_ratio=3)


def released_schedule(depths):
    """(prune_ratio, trade_off) of the releases: stage 3 [1, .5, ...], stage 4 [.5, ...].

    Each is a pair (stage-3 list, stage-4 list) with one entry per block; the
    trade-offs are the same lists (stage 3 block 0's is never used).
    """
    ratios = ((1.0,) + (0.5,) * (depths[2] - 1), (0.5,) * depths[3])
    return ratios, ratios


def keep_order(g):
    """Token indices by score descending, equal scores by index ascending.

    This is the documented tie-breaking rule; @g is a 1-D tensor in original
    order.  Comparison is on the exact values (no tolerance).
    """
    values = g.detach().cpu().double().numpy()
    if not np.isfinite(values).all():
        raise ValueError("token scores are not finite")
    return torch.from_numpy(np.lexsort((np.arange(len(values)), -values)))


def _to_tokens(x):
    """(1,C,T,H,W) -> (1,N,C), token n = t*H*W + h*W + w."""
    return x.flatten(2).transpose(1, 2)


def _from_tokens(tok, shape):
    return tok.transpose(1, 2).reshape(shape)


class PatchEmbed(nn.Module):
    """patch_embed2-4: Conv3d k(1,2,2) s(1,2,2) with bias, LayerNorm eps 1e-5."""

    def __init__(self, cin, cout):
        super().__init__()
        self.proj = nn.Conv3d(cin, cout, (1, 2, 2), (1, 2, 2))
        self.norm = nn.LayerNorm(cout, eps=1e-5)

    def forward(self, x):
        x = self.proj(x)
        return _from_tokens(self.norm(_to_tokens(x)), x.shape)


class Stem(nn.Module):
    """patch_embed1: proj = conv k3 s(1,2,2), BN, GELU, conv k3 s2, BN; no LayerNorm."""

    def __init__(self, c1):
        super().__init__()
        self.proj = nn.Sequential(
            nn.Conv3d(3, c1 // 2, 3, (1, 2, 2), 1), nn.BatchNorm3d(c1 // 2, eps=1e-5),
            nn.GELU(), nn.Conv3d(c1 // 2, c1, 3, (2, 2, 2), 1), nn.BatchNorm3d(c1, eps=1e-5))

    def forward(self, x):
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden, conv):
        super().__init__()
        self.fc1 = nn.Conv3d(dim, hidden, 1) if conv else nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact erf
        self.fc2 = nn.Conv3d(hidden, dim, 1) if conv else nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def _gammas(module, shape, layer_scale):
    """gamma_1 / gamma_2 Parameters with the layer scale; None without (as gamma 1)."""
    if layer_scale:
        module.gamma_1 = nn.Parameter(torch.ones(shape))
        module.gamma_2 = nn.Parameter(torch.ones(shape))
    else:
        module.gamma_1 = module.gamma_2 = None


def _scaled(gamma, branch):
    return branch if gamma is None else gamma * branch


class CBlock(nn.Module):
    """Stages 1-2: DPE, BN -> conv1 -> DW5 -> conv2, BN -> 1x1 MLP; no activation in the
    conv1/attn/conv2 chain.  BatchNorm eps 1e-5."""

    def __init__(self, dim, mlp_ratio, layer_scale):
        super().__init__()
        self.pos_embed = nn.Conv3d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.BatchNorm3d(dim, eps=1e-5)
        self.conv1 = nn.Conv3d(dim, dim, 1)
        self.conv2 = nn.Conv3d(dim, dim, 1)
        self.attn = nn.Conv3d(dim, dim, 5, padding=2, groups=dim)
        self.norm2 = nn.BatchNorm3d(dim, eps=1e-5)
        self.mlp = Mlp(dim, dim * mlp_ratio, conv=True)
        _gammas(self, (1, dim, 1, 1, 1), layer_scale)

    def forward(self, x):
        x = x + self.pos_embed(x)
        x = x + _scaled(self.gamma_1, self.conv2(self.attn(self.conv1(self.norm1(x)))))
        return x + _scaled(self.gamma_2, self.mlp(self.norm2(x)))


class Attention(nn.Module):
    """MHSA whose forward also returns s: the cls query's attention row averaged
    over heads, over every key column but the cls one (length L-1)."""

    def __init__(self, dim, head_dim):
        super().__init__()
        if dim % head_dim:
            raise ValueError(f"head_dim {head_dim} does not divide {dim}")
        self.heads, self.head_dim = dim // head_dim, head_dim
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, z):
        _, L, C = z.shape
        qkv = self.qkv(z).reshape(1, L, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (1, heads, L, hd)
        a = ((q @ k.transpose(-2, -1)) * self.head_dim ** -0.5).softmax(dim=-1)
        s = a[0, :, 0, 1:].mean(dim=0)
        out = (a @ v).transpose(1, 2).reshape(1, L, C)
        return self.proj(out), s


@dataclasses.dataclass
class BlockTrace:
    stage: int
    block: int
    tokens: int                  # N, patch tokens of the stage
    kept: int                    # K (N where the block keeps all)
    attn_len: int                # L, tokens attention sees (cls included)
    ratio: float
    kept_set: Optional[List[int]] = None   # pruned blocks: original indices, ascending
    boundary: Optional[tuple] = None       # pruned blocks: (sorted score K-1, sorted score K)
    tied: int = 0                # pruned blocks: scores equal to the K-1 one (0 if gap)
    gap: float = math.inf        # pruned blocks: relative distance from the K-1 score to
    #                              the nearest distinct score across the boundary
    scores: Optional[torch.Tensor] = None  # g after the block (pooled after stage 3's last)


def update_scores(g, s, t):
    """§4.1: g for a block whose attention saw L = len(s) + 1 tokens."""
    if g is None:
        return s.clone()
    if len(g) == len(s):            # no representative token
        return (1 - t) * g + t * s
    g = g.clone()                   # pruned: [cls; K informative; rep], L = K + 2
    k = len(s) - 1
    g[:k] = (1 - t) * g[:k] + t * s[:k]
    return g


class EvoSABlock(nn.Module):
    """Stages 3-4: DPE on the full grid, then attention + MLP on [cls; tokens] with
    token pruning (§4.2-4.3).  LayerNorm eps 1e-6."""

    def __init__(self, dim, head_dim, mlp_ratio, layer_scale):
        super().__init__()
        self.pos_embed = nn.Conv3d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, head_dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio, conv=False)
        _gammas(self, (dim,), layer_scale)

    def _branches(self, z):
        """(z after both residuals, gamma_1 * attn out, gamma_2 * mlp out, s)."""
        a, s = self.attn(self.norm1(z))
        a = _scaled(self.gamma_1, a)
        z = z + a
        m = _scaled(self.gamma_2, self.mlp(self.norm2(z)))
        return z + m, a, m, s

    def forward(self, x, cls, g, ratio, t, trace):
        """(x, cls, g) after the block; @trace is the block's BlockTrace, filled in."""
        x = x + self.pos_embed(x)
        shape = x.shape
        p = _to_tokens(x)[0]                          # (N, C)
        n = p.shape[0]
        if ratio == 1:
            z, _, _, s = self._branches(torch.cat([cls[0], p])[None])
            trace.kept, trace.attn_len = n, n + 1
            return _from_tokens(z[:, 1:], shape), z[:, :1], update_scores(g, s, t)
        if g is None:
            raise ValueError("a pruning block needs scores: the first stage-3 block and a "
                             "stage 4 without pooled scores must keep all tokens")
        order = keep_order(g)
        ps, gs = p[order], g[order]
        k = int(n * ratio)
        info, drop = ps[:k], ps[k:]
        w = gs[k:] / gs[k:].sum()                     # pre-update scores of the dropped
        rep = (w[:, None] * drop).sum(dim=0, keepdim=True)
        z, a, m, s = self._branches(torch.cat([cls[0], info, rep])[None])
        gs = update_scores(gs, s, t)
        drop = drop + a[0, -1] + m[0, -1]             # fast update: rep's total change
        sorted_tokens = torch.cat([z[0, 1:k + 1], drop])
        restore = torch.argsort(order)                # inverse permutation
        trace.kept, trace.attn_len = k, k + 2
        trace.kept_set = sorted(order[:k].tolist())
        last, first_dropped = g[order[k - 1]], g[order[k]]
        trace.boundary = (float(last), float(first_dropped))
        trace.tied = int((g == last).sum()) if last == first_dropped else 0
        trace.gap = _boundary_gap(g, last, first_dropped, trace.tied) / float(last)
        x = _from_tokens(sorted_tokens[restore][None], shape)
        return x, z[:, :1], gs[restore]


def _boundary_gap(g, last, first_dropped, tied):
    """Distance from the K-th score to the nearest distinct one across the boundary;
    a group of equal scores straddling it counts as one value."""
    if not tied:
        return float(last - first_dropped)
    above, below = g[g > last], g[g < last]
    return min(float(above.min() - last) if len(above) else math.inf,
               float(last - below.max()) if len(below) else math.inf)


def pool_scores(g, grid):
    """§4.4: average g over 2x2 spatial windows of the (T, H, W) grid, then rescale
    so the sum is unchanged.  (T, H/2, W/2) values in (t,h,w) order."""
    t, h, w = grid
    pooled = g.reshape(t, h // 2, 2, w // 2, 2).mean(dim=(2, 4)).reshape(-1)
    return pooled * (g.sum() / pooled.sum())


class LightUniformer(nn.Module):
    """Uniformer_light / _fp32 (layer_scale False) and _ls_fp32 (True), eval mode.

    prune_ratio and trade_off: (stage-3 list, stage-4 list), one entry per
    block; default: the releases' (released_schedule).  Input (1,3,T,S,S)
    normalised RGB, or [x]; T even, sides multiples of 32.
    """

    def __init__(self, depths, dims, head_dim, mlp_ratio=3, num_classes=400,
                 layer_scale=False, prune_ratio=None, trade_off=None):
        super().__init__()
        released = released_schedule(depths)
        self.prune_ratio = tuple(tuple(map(float, r)) for r in (prune_ratio or released[0]))
        self.trade_off = tuple(tuple(map(float, t)) for t in (trade_off or released[1]))
        for name, lists in (("prune_ratio", self.prune_ratio), ("trade_off", self.trade_off)):
            if tuple(map(len, lists)) != tuple(depths[2:]):
                raise ValueError(f"{name} needs {depths[2]} and {depths[3]} entries")
        if self.prune_ratio[0][0] != 1:
            raise ValueError("stage 3 block 0 must keep every token (no scores exist yet)")
        if self.prune_ratio[0][-1] == 1 and min(self.prune_ratio[1]) < 1:
            raise ValueError("stage 4 can prune only from the pooled scores of a pruning "
                             "last stage-3 block")
        # Registration order = the official state_dict order.
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dims[2]))
        self.patch_embed1 = Stem(dims[0])
        for s in (2, 3, 4):
            setattr(self, f"patch_embed{s}", PatchEmbed(dims[s - 2], dims[s - 1]))
        self.cls_upsample = nn.Linear(dims[2], dims[3])
        for s in (1, 2):
            setattr(self, f"blocks{s}", nn.ModuleList(
                CBlock(dims[s - 1], mlp_ratio, layer_scale) for _ in range(depths[s - 1])))
        for s in (3, 4):
            setattr(self, f"blocks{s}", nn.ModuleList(
                EvoSABlock(dims[s - 1], head_dim, mlp_ratio, layer_scale)
                for _ in range(depths[s - 1])))
        self.norm = nn.BatchNorm3d(dims[3], eps=1e-5)
        self.norm_cls = nn.LayerNorm(dims[3])           # training only
        self.head = nn.Linear(dims[3], num_classes)
        self.head_cls = nn.Linear(dims[3], num_classes)  # training only
        self.eval()

    def forward(self, x):
        return self.run(x)[0]

    def run(self, x):
        """(logits (1, classes), [BlockTrace for every stage-3 and stage-4 block])."""
        if isinstance(x, (list, tuple)):  # the official forward takes [x]
            x = x[0]
        if x.dim() != 5 or x.shape[0] != 1 or x.shape[1] != 3:
            raise ValueError(f"input must be (1,3,T,H,W), not {tuple(x.shape)}")
        if x.shape[2] % 2 or x.shape[3] % 32 or x.shape[4] % 32:
            raise ValueError(f"T must be even and H, W multiples of 32: {tuple(x.shape)}")
        trace = []
        x = self.patch_embed1(x)
        for blk in self.blocks1:
            x = blk(x)
        x = self.patch_embed2(x)
        for blk in self.blocks2:
            x = blk(x)
        x = self.patch_embed3(x)
        cls, g = self.cls_token, None
        for stage in (3, 4):
            if stage == 4:
                cls = self.cls_upsample(cls)
                x = self.patch_embed4(x)
                if self.prune_ratio[0][-1] == 1:
                    g = None  # unpooled stage-3 scores fit no stage-4 grid (nothing prunes)
            blocks = getattr(self, f"blocks{stage}")
            for i, blk in enumerate(blocks):
                ratio, t = self.prune_ratio[stage - 3][i], self.trade_off[stage - 3][i]
                record = BlockTrace(stage, i, x.shape[2] * x.shape[3] * x.shape[4], 0, 0, ratio)
                x, cls, g = blk(x, cls, g, ratio, t, record)
                if stage == 3 and i == len(blocks) - 1 and ratio < 1:
                    g = pool_scores(g, x.shape[2:])
                record.scores = g.detach().clone()
                trace.append(record)
        x = self.norm(x).flatten(2).mean(-1)
        return self.head(x), trace


def unwrap(obj):
    """The state_dict inside an official checkpoint object: {"model_state": sd, ...},
    {"model": sd} or sd itself, with a "module." prefix removed."""
    for key in ("model_state", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def from_state_dict(sd, prune_ratio=None, trade_off=None, head_dim=None):
    """A LightUniformer loaded (strictly) from an official state_dict; the layout,
    class count and layer scale come from the key shapes, head_dim from the
    release (XXS 28, XS 32) unless given."""
    sd = unwrap(sd)
    dims = (sd["patch_embed1.proj.3.weight"].shape[0],) + tuple(
        sd[f"patch_embed{s}.proj.weight"].shape[0] for s in (2, 3, 4))
    depths = tuple(len({k.split(".")[1] for k in sd if k.startswith(f"blocks{s}.")})
                   for s in (1, 2, 3, 4))
    if head_dim is None:
        head_dim = next(v["head_dim"] for v in (XXS, XS)
                        if (v["depths"], v["dims"]) == (depths, dims))
    model = LightUniformer(depths, dims, head_dim,
                           sd["blocks1.0.mlp.fc1.weight"].shape[0] // dims[0],
                           sd["head.weight"].shape[0], "blocks1.0.gamma_1" in sd,
                           prune_ratio, trade_off)
    model.load_state_dict(sd, strict=True)
    return model
