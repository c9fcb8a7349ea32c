#!/usr/bin/python3
"""Independent PyTorch references of TimeSformer, ViViT (model 1) and VideoMAE.

Written from ../shared/docs/video-vit-spec.md (sections 1.1, 2.1, 3.1 and 4)
only: plain nn.Modules, no einops / timm / transformers.  Inference only (no
dropout or drop-path modules: they are identity at eval).

Input of every model: [B, 3, T, H, W] float.

Parameter names (model.state_dict()):

* TimeSformer: the official key layout (the official .pyth stores these under
  'model.'); the same names are the gst-uniformer model-file names.
* VideoMAE: the official layout (attn.q_bias / attn.v_bias, attn.qkv.weight
  without bias; fc_norm with mean pooling, norm otherwise).  The sinusoid
  position table is a non-persistent buffer, as in both real formats.
* ViViT: there is no official PyTorch layout (Scenic is flax), so the module
  uses the gst-uniformer model-file names (docs/model-format.md), with q/k/v
  concatenated in attn.qkv; forward() still applies query, key and value as
  three separate Linears, as Hugging Face's port does.

Module-level API:

    build(family, **cfg)            -> model (cfg keys: see DEFAULTS)
    to_hf_state_dict(model, sd=None) -> OrderedDict in the Hugging Face layout
    from_hf_state_dict(family, sd)   -> OrderedDict in the module's own layout
    hf_config(model, id2label=None)  -> dict, the config.json fields
    engine_state_dict(model)         -> OrderedDict with the model-file names
    sinusoid_table(n, c)             -> [1, n, c] float32 (VideoMAE)
    TimeSformer.resized_embeddings(frames, grid_h, grid_w) -> (pos, time)

Running this file runs the numerical self-checks (self_check()).
"""
import collections
import math
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FAMILIES = ('timesformer', 'vivit', 'videomae')

# Base models of each family (spec sections 1.1, 2.1, 3.1).  'size' is the
# (trained) input (H, W); 'frames' the (trained) frame count.
DEFAULTS = {
    'timesformer': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=1,
                        frames=8, size=(224, 224), classes=400, eps=1e-6, gelu='exact',
                        pooling='cls'),
    'vivit': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2,
                  frames=32, size=(224, 224), classes=400, eps=1e-6, gelu='tanh',
                  pooling='cls'),
    'videomae': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2,
                     frames=16, size=(224, 224), classes=400, eps=1e-6, head_eps=1e-6,
                     gelu='exact', pooling='mean'),
}


# ---------------------------------------------------------------------------
# Shared pieces

def gelu_tanh(x):
    """Hugging Face's gelu_fast, in its own evaluation order:
    0.5 x (1 + tanh(0.7978845608 x (1 + 0.044715 x^2)))."""
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, gelu='exact'):
        super().__init__()
        assert gelu in ('exact', 'tanh'), gelu
        self.gelu = gelu
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        h = self.fc1(x)
        h = F.gelu(h) if self.gelu == 'exact' else gelu_tanh(h)
        return self.fc2(h)


def _heads_split(t, heads):
    """[G, L, C] -> [G, heads, L, hd]; channel c = head * hd + d."""
    G, L, C = t.shape
    return t.reshape(G, L, heads, C // heads).transpose(1, 2)


def _heads_merge(t):
    """[G, heads, L, hd] -> [G, L, heads * hd] (heads concatenated head-major)."""
    G, h, L, hd = t.shape
    return t.transpose(1, 2).reshape(G, L, h * hd)


class Attention(nn.Module):
    """Multi-head self-attention over [G, L, C]: G independent sequences.

    qkv output channel = which * C + head * hd + d (which: q, k, v).
    split_bias: VideoMAE's bias-less qkv plus q_bias / v_bias, the k bias 0.
    scale_q: multiply q by hd^-0.5 before q.k (VideoMAE official) instead of
    the logits after (TimeSformer official).
    """

    def __init__(self, dim, heads, split_bias=False, scale_q=False):
        super().__init__()
        assert dim % heads == 0, (dim, heads)
        self.heads, self.scale, self.scale_q = heads, (dim // heads) ** -0.5, scale_q
        self.split_bias = split_bias
        self.qkv = nn.Linear(dim, 3 * dim, bias=not split_bias)
        if split_bias:
            self.q_bias = nn.Parameter(torch.zeros(dim))
            self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def qkv_bias(self):
        if not self.split_bias:
            return self.qkv.bias
        return torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))

    def forward(self, x):
        G, L, C = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv_bias())
        qkv = qkv.reshape(G, L, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.scale_q:
            a = (q * self.scale) @ k.transpose(-2, -1)
        else:
            a = (q @ k.transpose(-2, -1)) * self.scale
        a = a.softmax(dim=-1)
        return self.proj(_heads_merge(a @ v))


class SeparateQKVAttention(Attention):
    """ViViT: the same parameters (attn.qkv), applied as three Linears
    (query, key, value), logits scaled after q.k, as Hugging Face does."""

    def forward(self, x):
        C = x.shape[-1]
        w, b = self.qkv.weight, self.qkv.bias
        q, k, v = (_heads_split(F.linear(x, w[i * C:(i + 1) * C], b[i * C:(i + 1) * C]),
                                self.heads) for i in range(3))
        a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj(_heads_merge(a @ v))


class Block(nn.Module):
    """Pre-LN transformer block (ViViT, VideoMAE; TimeSformer with T = 1)."""

    def __init__(self, dim, heads, mlp, eps, gelu='exact', attn=Attention, **attn_kw):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = attn(dim, heads, **attn_kw)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp, gelu)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """Kernel = stride patchify.  TimeSformer: Conv2d per frame (tubelet None);
    otherwise Conv3d with kernel (tubelet, p, p).  Returns the conv output."""

    def __init__(self, dim, patch, tubelet=None):
        super().__init__()
        if tubelet is None:
            self.proj = nn.Conv2d(3, dim, patch, stride=patch)
        else:
            k = (tubelet, patch, patch)
            self.proj = nn.Conv3d(3, dim, k, stride=k)

    def forward(self, x):
        return self.proj(x)


def _size2(s):
    return (int(s), int(s)) if isinstance(s, (int, np.integer)) else (int(s[0]), int(s[1]))


def _check_input(x, model):
    assert x.dim() == 5 and x.shape[1] == 3, 'input must be [B,3,T,H,W], got %s' % (x.shape,)


# ---------------------------------------------------------------------------
# TimeSformer (divided space-time), spec section 1.1

class DividedBlock(nn.Module):
    def __init__(self, dim, heads, mlp, eps):
        super().__init__()
        # Registration order follows the official Block.
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.temporal_norm1 = nn.LayerNorm(dim, eps=eps)
        self.temporal_attn = Attention(dim, heads)
        self.temporal_fc = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp, 'exact')

    def forward(self, x, T):
        """x: [B, 1 + N*T, C], patch rows 1 + n*T + t."""
        B, L, C = x.shape
        N = (L - 1) // T
        assert 1 + N * T == L, (L, T)
        # 1. Temporal: B*N groups of T consecutive rows.
        xt = x[:, 1:]
        r = self.temporal_attn(self.temporal_norm1(xt.reshape(B * N, T, C)))
        r = self.temporal_fc(r.reshape(B, N * T, C))
        xt = x[:, 1:] + r
        # 2. Spatial: T groups of [cls; N patches], cls replicated per frame.
        cls_rep = x[:, 0:1].expand(B, T, C).reshape(B * T, 1, C)
        xs = xt.reshape(B, N, T, C).permute(0, 2, 1, 3).reshape(B * T, N, C)
        rs = self.attn(self.norm1(torch.cat((cls_rep, xs), dim=1)))
        cls_out = rs[:, 0].reshape(B, T, C).mean(dim=1, keepdim=True)
        rs_p = rs[:, 1:].reshape(B, T, N, C).permute(0, 2, 1, 3).reshape(B, N * T, C)
        # 3. Merge: the spatial residual lands on the temporally updated
        #    patches and on the original cls.
        x = torch.cat((x[:, 0:1], xt), dim=1) + torch.cat((cls_out, rs_p), dim=1)
        # 4. MLP.
        return x + self.mlp(self.norm2(x))


class TimeSformer(nn.Module):
    family = 'timesformer'

    def __init__(self, hidden=768, depth=12, heads=12, mlp=3072, patch=16, frames=8,
                 size=224, classes=400, eps=1e-6, **unused):
        super().__init__()
        _reject_unused(unused, 'timesformer')
        H, W = _size2(size)
        assert H == W, 'TimeSformer trains on square inputs (pos_embed is a P x P grid)'
        assert H % patch == 0, (H, patch)
        P = H // patch
        self.cfg = dict(family='timesformer', hidden=hidden, depth=depth, heads=heads, mlp=mlp,
                        patch=patch, tubelet=1, frames=frames, size=(H, W), classes=classes,
                        eps=eps, head_eps=eps, gelu='exact', pooling='cls')
        self.cls_token = nn.Parameter(torch.zeros(1, 1, hidden))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + P * P, hidden))
        self.time_embed = nn.Parameter(torch.zeros(1, frames, hidden))
        self.patch_embed = PatchEmbed(hidden, patch)
        self.blocks = nn.ModuleList(DividedBlock(hidden, heads, mlp, eps) for _ in range(depth))
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.head = nn.Linear(hidden, classes)
        self.eval()

    def resized_embeddings(self, frames, grid_h, grid_w):
        """(pos [1, 1+N', C], time [1, T', C]) for a run with @frames frames and
        a grid_h x grid_w patch grid, resized as the official code does: only
        when the token count (pos) or frame count (time) differs; cls slot
        kept; the other N as a P x P grid (P = int(sqrt(N_train))) resized with
        F.interpolate(mode='nearest'), i.e. src = floor(dst * in / out), to
        (H'', grid_w) with H'' = (1 + N') // grid_w as in the official code;
        time_embed 1-D nearest."""
        pos, time = self.pos_embed, self.time_embed
        n_run = grid_h * grid_w
        if 1 + n_run != pos.shape[1]:
            C = pos.shape[2]
            P = int((pos.shape[1] - 1) ** 0.5)
            other = pos[0, 1:].transpose(0, 1).reshape(1, C, P, P)
            hh = (1 + n_run) // grid_w
            other = F.interpolate(other, size=(hh, grid_w), mode='nearest')
            pos = torch.cat((pos[:, :1], other.flatten(2).transpose(1, 2)), dim=1)
        if frames != time.shape[1]:
            time = F.interpolate(time.transpose(1, 2), size=frames, mode='nearest').transpose(1, 2)
        return pos, time

    def embed(self, x):
        """[B,3,T,H,W] -> ([B, 1 + N*T, C], T); patch row 1 + n*T + t."""
        _check_input(x, self)
        B, _, T, H, W = x.shape
        p = self.cfg['patch']
        assert H % p == 0 and W % p == 0, 'H and W must be multiples of the patch size'
        f = self.patch_embed(x.permute(0, 2, 1, 3, 4).reshape(B * T, 3, H, W))
        gh, gw = f.shape[-2:]
        N, C = gh * gw, f.shape[1]
        tok = f.flatten(2).transpose(1, 2)                     # [(B T), N, C], n = h*W' + w
        pos, time = self.resized_embeddings(T, gh, gw)
        tok = torch.cat((self.cls_token.expand(B * T, 1, C), tok), dim=1) + pos
        cls = tok.reshape(B, T, 1 + N, C)[:, 0, 0:1]           # frame 0's cls, [B,1,C]
        pt = tok[:, 1:].reshape(B, T, N, C).permute(0, 2, 1, 3).reshape(B * N, T, C)
        pt = pt + time                                         # cls gets no time embedding
        return torch.cat((cls, pt.reshape(B, N * T, C)), dim=1), T

    def features(self, x):
        x, T = self.embed(x)
        for blk in self.blocks:
            x = blk(x, T)
        return self.norm(x[:, 0])                              # LN on the cls row only

    def forward(self, x):
        return self.head(self.features(x))


# ---------------------------------------------------------------------------
# ViViT model 1 (spacetime), spec section 2.1

class ViViT(nn.Module):
    family = 'vivit'

    def __init__(self, hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2,
                 frames=32, size=224, classes=400, eps=1e-6, gelu='tanh', **unused):
        super().__init__()
        _reject_unused(unused, 'vivit')
        H, W = _size2(size)
        assert H % patch == 0 and W % patch == 0 and frames % tubelet == 0
        n = (frames // tubelet) * (H // patch) * (W // patch)
        self.cfg = dict(family='vivit', hidden=hidden, depth=depth, heads=heads, mlp=mlp,
                        patch=patch, tubelet=tubelet, frames=frames, size=(H, W),
                        classes=classes, eps=eps, head_eps=eps, gelu=gelu, pooling='cls')
        self.patch_embed = PatchEmbed(hidden, patch, tubelet)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, hidden))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + n, hidden))
        self.blocks = nn.ModuleList(Block(hidden, heads, mlp, eps, gelu, SeparateQKVAttention)
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.head = nn.Linear(hidden, classes)
        self.eval()

    def embed(self, x):
        _check_input(x, self)
        c = self.cfg
        if tuple(x.shape[2:]) != (c['frames'],) + c['size']:
            raise ValueError('ViViT input must be T,H,W = %s, got %s'
                             % ((c['frames'],) + c['size'], tuple(x.shape[2:])))
        tok = self.patch_embed(x).flatten(2).transpose(1, 2)   # (t, h, w) order
        B, _, C = tok.shape
        return torch.cat((self.cls_token.expand(B, 1, C), tok), dim=1) + self.pos_embed

    def features(self, x):
        x = self.embed(x)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x[:, 0])

    def forward(self, x):
        return self.head(self.features(x))


# ---------------------------------------------------------------------------
# VideoMAE, spec section 3.1

def sinusoid_table(n, c):
    """get_sinusoid_encoding_table(n, c): angle[p, j] = p / 10000^(2*(j//2)/c),
    sin on even j, cos on odd j, in float64 numpy, cast to float32: [1, n, c]."""
    j = np.arange(c)
    angle = np.arange(n, dtype=np.float64)[:, None] / np.power(10000, 2 * (j // 2) / c)[None, :]
    table = np.empty_like(angle)
    table[:, 0::2] = np.sin(angle[:, 0::2])
    table[:, 1::2] = np.cos(angle[:, 1::2])
    return torch.from_numpy(table.astype(np.float32))[None]


class VideoMAE(nn.Module):
    family = 'videomae'

    def __init__(self, hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2,
                 frames=16, size=224, classes=400, eps=1e-6, head_eps=None, pooling='mean',
                 **unused):
        super().__init__()
        _reject_unused(unused, 'videomae')
        assert pooling in ('mean', 'token0'), pooling
        H, W = _size2(size)
        assert H % patch == 0 and W % patch == 0 and frames % tubelet == 0
        head_eps = eps if head_eps is None else head_eps
        n = (frames // tubelet) * (H // patch) * (W // patch)
        self.cfg = dict(family='videomae', hidden=hidden, depth=depth, heads=heads, mlp=mlp,
                        patch=patch, tubelet=tubelet, frames=frames, size=(H, W),
                        classes=classes, eps=eps,
                        head_eps=head_eps if pooling == 'mean' else eps,
                        gelu='exact', pooling=pooling)
        self.patch_embed = PatchEmbed(hidden, patch, tubelet)
        self.register_buffer('pos_embed', sinusoid_table(n, hidden), persistent=False)
        self.blocks = nn.ModuleList(Block(hidden, heads, mlp, eps, 'exact', Attention,
                                          split_bias=True, scale_q=True)
                                    for _ in range(depth))
        if pooling == 'mean':
            self.fc_norm = nn.LayerNorm(hidden, eps=head_eps)
        else:
            self.norm = nn.LayerNorm(hidden, eps=eps)
        self.head = nn.Linear(hidden, classes)
        self.eval()

    def embed(self, x):
        _check_input(x, self)
        c = self.cfg
        if tuple(x.shape[2:]) != (c['frames'],) + c['size']:
            raise ValueError('VideoMAE input must be T,H,W = %s, got %s'
                             % ((c['frames'],) + c['size'], tuple(x.shape[2:])))
        tok = self.patch_embed(x).flatten(2).transpose(1, 2)   # (t, h, w), no cls
        return tok + self.pos_embed.to(tok.dtype)

    def features(self, x):
        x = self.embed(x)
        for blk in self.blocks:
            x = blk(x)
        if self.cfg['pooling'] == 'mean':
            return self.fc_norm(x.mean(dim=1))
        return self.norm(x)[:, 0]                              # a patch token

    def forward(self, x):
        return self.head(self.features(x))


# ---------------------------------------------------------------------------
# Construction and key layouts

CLASSES = {'timesformer': TimeSformer, 'vivit': ViViT, 'videomae': VideoMAE}


def _reject_unused(unused, family):
    # Keys that are fixed for the family are accepted when they hold the fixed value.
    fixed = {'timesformer': dict(tubelet=1, gelu='exact', pooling='cls', head_eps=None),
             'vivit': dict(pooling='cls', head_eps=None),
             'videomae': dict(gelu='exact')}[family]
    for k, v in unused.items():
        if k == 'family':
            continue
        if k not in fixed:
            raise TypeError('%s: unknown option %s' % (family, k))
        if v is not None and v != fixed[k] and not (k == 'head_eps'):
            raise ValueError('%s: %s must be %r, got %r' % (family, k, fixed[k], v))


def build(family, **cfg):
    """A zero-initialised model of @family; @cfg overrides DEFAULTS[family]."""
    c = dict(DEFAULTS[family])
    c.update({k: v for k, v in cfg.items() if v is not None})
    c.pop('family', None)
    return CLASSES[family](**c)


def _family(model_or_family):
    return model_or_family if isinstance(model_or_family, str) else model_or_family.family


# (module regex, HF replacement), applied to the name without its leaf suffix.
_HF_BLOCK = {
    'timesformer': [('norm1', 'layernorm_before'), ('attn.qkv', 'attention.attention.qkv'),
                    ('attn.proj', 'attention.output.dense'),
                    ('temporal_norm1', 'temporal_layernorm'),
                    ('temporal_attn.qkv', 'temporal_attention.attention.qkv'),
                    ('temporal_attn.proj', 'temporal_attention.output.dense'),
                    ('temporal_fc', 'temporal_dense'), ('norm2', 'layernorm_after'),
                    ('mlp.fc1', 'intermediate.dense'), ('mlp.fc2', 'output.dense')],
    'vivit': [('norm1', 'layernorm_before'), ('attn.proj', 'attention.output.dense'),
              ('norm2', 'layernorm_after'), ('mlp.fc1', 'intermediate.dense'),
              ('mlp.fc2', 'output.dense')],
    'videomae': [('norm1', 'layernorm_before'), ('attn.proj', 'attention.output.dense'),
                 ('norm2', 'layernorm_after'), ('mlp.fc1', 'intermediate.dense'),
                 ('mlp.fc2', 'output.dense')],
}
_HF_TOP = {
    'timesformer': {'cls_token': 'timesformer.embeddings.cls_token',
                    'pos_embed': 'timesformer.embeddings.position_embeddings',
                    'time_embed': 'timesformer.embeddings.time_embeddings',
                    'patch_embed.proj': 'timesformer.embeddings.patch_embeddings.projection',
                    'norm': 'timesformer.layernorm', 'head': 'classifier'},
    'vivit': {'cls_token': 'vivit.embeddings.cls_token',
              'pos_embed': 'vivit.embeddings.position_embeddings',
              'patch_embed.proj': 'vivit.embeddings.patch_embeddings.projection',
              'norm': 'vivit.layernorm', 'head': 'classifier'},
    'videomae': {'patch_embed.proj': 'videomae.embeddings.patch_embeddings.projection',
                 'norm': 'videomae.layernorm', 'fc_norm': 'fc_norm', 'head': 'classifier'},
}
_HF_PREFIX = {'timesformer': 'timesformer.encoder.layer.', 'vivit': 'vivit.encoder.layer.',
              'videomae': 'videomae.encoder.layer.'}
_QKV = ('query', 'key', 'value')


def _own(t):
    # A tensor with its own storage (as a saved state_dict has), not a view.
    return t.detach().clone().contiguous()


def to_hf_state_dict(model, sd=None):
    """The Hugging Face key layout of @model's weights (or of @sd, a state_dict
    of a @model-family module in this file's layout; then @model may be the
    family name).  ViViT and VideoMAE q/k/v are split into thirds."""
    fam = _family(model)
    sd = model.state_dict() if sd is None else sd
    out = collections.OrderedDict()
    pre = _HF_PREFIX[fam]
    for name, t in sd.items():
        m = re.fullmatch(r'blocks\.(\d+)\.(.+)\.(weight|bias|q_bias|v_bias)', name)
        if m:
            i, mod, leaf = m.groups()
            base = pre + i + '.'
            if mod == 'attn.qkv' and fam in ('vivit', 'videomae'):
                C = t.shape[0] // 3
                for j, part in enumerate(_QKV):
                    out[base + 'attention.attention.%s.%s' % (part, leaf)] = \
                        _own(t[j * C:(j + 1) * C])
                continue
            if mod == 'attn' and leaf in ('q_bias', 'v_bias'):
                out[base + 'attention.attention.' + leaf] = _own(t)
                continue
            table = dict(_HF_BLOCK[fam])
            if mod not in table:
                raise KeyError('%s: no HF name for %s' % (fam, name))
            out[base + table[mod] + '.' + leaf] = _own(t)
            continue
        mod, _, leaf = name.rpartition('.')
        if name in _HF_TOP[fam]:                    # parameters without a leaf
            out[_HF_TOP[fam][name]] = _own(t)
        elif mod in _HF_TOP[fam]:
            out[_HF_TOP[fam][mod] + '.' + leaf] = _own(t)
        else:
            raise KeyError('%s: no HF name for %s' % (fam, name))
    return out


def from_hf_state_dict(family, sd):
    """The inverse of to_hf_state_dict: HF keys -> this file's layout (q/k/v
    concatenated again).  TimeSformer's patch weight stays [C,3,p,p]."""
    top = {v: k for k, v in _HF_TOP[family].items()}
    block = {v: k for k, v in _HF_BLOCK[family]}
    pre = re.escape(_HF_PREFIX[family])
    out, parts = collections.OrderedDict(), {}
    for name, t in sd.items():
        m = re.fullmatch(pre + r'(\d+)\.(.+)\.(weight|bias|q_bias|v_bias)', name)
        if m:
            i, mod, leaf = m.groups()
            q = re.fullmatch(r'attention\.attention\.(query|key|value)', mod)
            if q and family in ('vivit', 'videomae'):
                parts.setdefault((i, leaf), {})[q.group(1)] = t
                key = 'blocks.%s.attn.qkv.%s' % (i, leaf)
                out.setdefault(key, None)          # keep the position in the order
                continue
            if mod == 'attention.attention' and leaf in ('q_bias', 'v_bias'):
                out['blocks.%s.attn.%s' % (i, leaf)] = t
                continue
            if mod not in block:
                raise KeyError('%s: unknown HF key %s' % (family, name))
            out['blocks.%s.%s.%s' % (i, block[mod], leaf)] = t
            continue
        mod, _, leaf = name.rpartition('.')
        if name in top:
            out[top[name]] = t
        elif mod in top:
            out[top[mod] + '.' + leaf] = t
        else:
            raise KeyError('%s: unknown HF key %s' % (family, name))
    for (i, leaf), d in parts.items():
        out['blocks.%s.attn.qkv.%s' % (i, leaf)] = torch.cat([d[p] for p in _QKV], dim=0)
    return out


def hf_config(model, id2label=None, transformers_version='4.57.1'):
    """config.json fields of the Hugging Face model for @model (spec 1.2, 2.2,
    3.2).  image_size is an int when square; a non-square [H, W] is written as
    a list (VideoMAE's HF code accepts a pair; TimeSformer is always square;
    HF ViViT accepts only an int, so a non-square ViViT config is not one HF
    can load)."""
    c = model.cfg
    fam = c['family']
    K = c['classes']
    if id2label is None:
        id2label = {i: 'LABEL_%d' % i for i in range(K)}
    H, W = c['size']
    image_size = H if H == W else [H, W]
    common = dict(hidden_size=c['hidden'], num_hidden_layers=c['depth'],
                  num_attention_heads=c['heads'], intermediate_size=c['mlp'],
                  num_channels=3, qkv_bias=True, layer_norm_eps=c['eps'],
                  hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                  initializer_range=0.02, image_size=image_size, num_frames=c['frames'],
                  id2label={str(i): v for i, v in id2label.items()},
                  label2id={v: i for i, v in id2label.items()},
                  problem_type='single_label_classification', torch_dtype='float32',
                  transformers_version=transformers_version)
    if fam == 'timesformer':
        return dict(common, architectures=['TimesformerForVideoClassification'],
                    model_type='timesformer', patch_size=c['patch'], hidden_act='gelu',
                    attention_type='divided_space_time', drop_path_rate=0.0)
    if fam == 'vivit':
        return dict(common, architectures=['VivitForVideoClassification'], model_type='vivit',
                    tubelet_size=[c['tubelet'], c['patch'], c['patch']],
                    hidden_act='gelu_fast' if c['gelu'] == 'tanh' else 'gelu')
    return dict(common, architectures=['VideoMAEForVideoClassification'],
                model_type='videomae', patch_size=c['patch'], tubelet_size=c['tubelet'],
                hidden_act='gelu', use_mean_pooling=c['pooling'] == 'mean',
                decoder_num_attention_heads=6, decoder_hidden_size=384,
                decoder_num_hidden_layers=4, decoder_intermediate_size=1536,
                norm_pix_loss=True)


def model_from_hf_config(cfg, **override):
    """A zero-initialised model from a config.json dict (HF VideoMAE's fc_norm
    eps is hard-coded 1e-5, so head_eps defaults to 1e-5 there)."""
    fam = cfg['model_type']
    s = cfg['image_size']
    kw = dict(hidden=cfg['hidden_size'], depth=cfg['num_hidden_layers'],
              heads=cfg['num_attention_heads'], mlp=cfg['intermediate_size'],
              frames=cfg['num_frames'], size=_size2(s), classes=len(cfg['id2label']),
              eps=cfg['layer_norm_eps'])
    if fam == 'timesformer':
        kw.update(patch=cfg['patch_size'])
    elif fam == 'vivit':
        kt, ph, pw = cfg['tubelet_size']
        assert ph == pw
        kw.update(patch=ph, tubelet=kt,
                  gelu={'gelu_fast': 'tanh', 'gelu_pytorch_tanh': 'tanh',
                        'gelu_new': 'tanh', 'gelu': 'exact'}[cfg['hidden_act']])
    elif fam == 'videomae':
        kw.update(patch=cfg['patch_size'], tubelet=cfg['tubelet_size'],
                  pooling='mean' if cfg.get('use_mean_pooling', True) else 'token0',
                  head_eps=1e-5)
    else:
        raise ValueError('unknown model_type %r' % fam)
    kw.update(override)
    return build(fam, **kw)


def engine_state_dict(model):
    """The tensors as docs/model-format.md names them, before any load-time
    folding: patch weight [C,3,tubelet,p,p] (TimeSformer's Conv2d as tubelet 1),
    VideoMAE's qkv bias assembled as (q_bias, 0, v_bias), embeddings at the
    model's own size (no VideoMAE table: the engine computes it)."""
    out = collections.OrderedDict()
    for name, t in model.state_dict().items():
        t = t.detach()
        if name == 'patch_embed.proj.weight' and t.dim() == 4:
            t = t.unsqueeze(2)
        m = re.fullmatch(r'(blocks\.\d+\.attn)\.(q_bias|v_bias)', name)
        if m:
            if m.group(2) == 'q_bias':
                out[m.group(1) + '.qkv.bias'] = torch.cat(
                    (t, torch.zeros_like(t), model.state_dict()[m.group(1) + '.v_bias']))
            continue
        out[name] = t.clone()
    return out


# ---------------------------------------------------------------------------
# Self-checks of structural facts from the spec

def _randomise(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dim() >= 2:
                fan = t[0].numel() if not name.endswith(('_embed', '_token')) else 1
                t.copy_(torch.randn(t.shape, generator=g) / math.sqrt(fan))
            elif name.endswith('weight') and 'norm' in name:
                t.copy_(1 + 0.1 * torch.randn(t.shape, generator=g))
            else:
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
    return model


def _naive_divided_block(blk, x, T):
    """The divided block from explicit index lists (no reshapes), float64."""
    B, L, C = x.shape
    N = (L - 1) // T
    row = lambda n, t: 1 + n * T + t  # noqa: E731
    out = x.clone()
    xt = x.clone()
    for b in range(B):
        for n in range(N):
            idx = [row(n, t) for t in range(T)]
            r = blk.temporal_attn(blk.temporal_norm1(x[b, idx][None]))[0]
            xt[b, idx] = x[b, idx] + blk.temporal_fc(r)
        cls_sum = torch.zeros(C, dtype=x.dtype)
        for t in range(T):
            idx = [row(n, t) for n in range(N)]
            seq = torch.cat((x[b, 0:1], xt[b, idx]), dim=0)[None]
            rs = blk.attn(blk.norm1(seq))[0]
            cls_sum += rs[0]
            out[b, idx] = xt[b, idx] + rs[1:]
        out[b, 0] = x[b, 0] + cls_sum / T
    return out + blk.mlp(blk.norm2(out))


def self_check(verbose=True):
    torch.manual_seed(0)
    results = []

    def ok(name, cond, detail=''):
        results.append(bool(cond))
        if verbose:
            print('%s %s%s' % ('ok  ' if cond else 'FAIL', name, (': ' + detail) if detail else ''))

    with torch.no_grad():
        # --- TimeSformer token order, via one-hot inputs.
        ts = _randomise(build('timesformer', hidden=32, depth=1, heads=4, mlp=64, patch=4,
                              frames=3, size=8, classes=5)).double()
        ts.pos_embed.zero_(), ts.time_embed.zero_(), ts.cls_token.zero_()
        ts.patch_embed.proj.bias.zero_()
        T, H, W = 3, 8, 12           # grid 2 x 3, N = 6 (pos resized, zero anyway)
        good = True
        for t in range(T):
            for n in range(6):
                x = torch.zeros(1, 3, T, H, W, dtype=torch.float64)
                h, w = divmod(n, 3)
                x[0, 1, t, 4 * h + 1, 4 * w + 2] = 1.0
                tok, _ = ts.embed(x)
                nz = (tok[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
                good &= nz == [1 + n * T + t]
        ok('timesformer token order 1 + n*T + t (one-hot, non-square 2x3 grid)', good)

        # --- TimeSformer embeddings: token (n,t) = conv + pos[1+n] + time[t].
        ts = _randomise(build('timesformer', hidden=32, depth=2, heads=4, mlp=64, patch=4,
                              frames=3, size=8, classes=5), 1).double()
        x = torch.randn(2, 3, 3, 8, 8, dtype=torch.float64)
        tok, _ = ts.embed(x)
        ref = torch.zeros_like(tok)
        w, bias = ts.patch_embed.proj.weight, ts.patch_embed.proj.bias
        for b in range(2):
            ref[b, 0] = ts.cls_token[0, 0] + ts.pos_embed[0, 0]
            for t in range(3):
                for n in range(4):
                    h, ww = divmod(n, 2)
                    patch = x[b, :, t, 4 * h:4 * h + 4, 4 * ww:4 * ww + 4]
                    ref[b, 1 + n * 3 + t] = (w * patch).sum((1, 2, 3)) + bias \
                        + ts.pos_embed[0, 1 + n] + ts.time_embed[0, t]
        ok('timesformer embedding = conv + pos[1+n] + time[t]; cls = cls + pos[0]',
           torch.allclose(tok, ref, atol=1e-12), 'max %.1e' % (tok - ref).abs().max())

        # --- Divided block against the index-list version (B = 2, non-square).
        x = torch.randn(2, 1 + 6 * 3, 32, dtype=torch.float64)
        blk = ts.blocks[0]
        d = (blk(x, 3) - _naive_divided_block(blk, x, 3)).abs().max()
        ok('timesformer divided block = index-list implementation', d < 1e-12, 'max %.1e' % d)

        # --- temporal_fc = 0 makes the temporal step an identity residual.
        blk2 = _randomise(DividedBlock(32, 4, 64, 1e-6), 5).double()
        blk2.temporal_fc.weight.zero_(), blk2.temporal_fc.bias.zero_()
        y0 = blk2(x, 3)
        _randomise(blk2.temporal_attn, 6), _randomise(blk2.temporal_norm1, 7)
        d = (blk2(x, 3) - y0).abs().max()
        ok('temporal_fc = 0: output independent of temporal_attn/temporal_norm1', d == 0,
           'max %.1e' % d)

        # --- T = 1 with temporal_fc = 0: a plain pre-LN ViT block on [cls; patches].
        x1 = torch.randn(2, 1 + 6, 32, dtype=torch.float64)
        plain = Block(32, 4, 64, 1e-6).double()
        for nm in ('norm1', 'attn', 'norm2', 'mlp'):
            getattr(plain, nm).load_state_dict(getattr(blk2, nm).state_dict())
        d = (blk2(x1, 1) - plain(x1)).abs().max()
        ok('T = 1, temporal_fc = 0: divided block = plain ViT block', d < 1e-12, 'max %.1e' % d)

        # --- Nearest resizing: src = floor(dst * in / out), cls slot kept.
        ts3 = _randomise(build('timesformer', hidden=8, depth=0, heads=2, mlp=8, patch=4,
                               frames=4, size=12, classes=3), 2)
        pos, time = ts3.resized_embeddings(6, 2, 5)
        P = 3
        grid = ts3.pos_embed[0, 1:].reshape(P, P, 8)
        exp = torch.stack([grid[(i * P) // 2, (j * P) // 5] for i in range(2) for j in range(5)])
        exp_t = torch.stack([ts3.time_embed[0, (t * 4) // 6] for t in range(6)])
        ok('pos resize 3x3 -> 2x5: floor rule, cls kept',
           torch.equal(pos[0, 1:], exp) and torch.equal(pos[0, 0], ts3.pos_embed[0, 0]))
        ok('time resize 4 -> 6: floor rule', torch.equal(time[0], exp_t))
        p2, t2 = ts3.resized_embeddings(4, 3, 3)
        ok('no resizing at the trained size', p2 is ts3.pos_embed and t2 is ts3.time_embed)
        pos, time = ts3.resized_embeddings(2, 4, 4)
        exp = torch.stack([grid[(i * 3) // 4, (j * 3) // 4] for i in range(4) for j in range(4)])
        ok('pos resize 3x3 -> 4x4 and time 4 -> 2',
           torch.equal(pos[0, 1:], exp) and torch.equal(time[0], ts3.time_embed[0, [0, 2]]))

        # Official quirk kept: the test is on the token count, so a run grid with
        # the trained count but another shape (3x3 trained, here 1x9) is not resized.
        p3, _ = ts3.resized_embeddings(4, 1, 9)
        ok('same token count, other grid shape: pos used as stored (official)',
           p3 is ts3.pos_embed)

        back = model_from_hf_config(hf_config(ts3))
        ok('timesformer config.json round trip', back.cfg == ts3.cfg)

        # --- TimeSformer accepts another T and size; B rows independent.
        y = ts(torch.randn(2, 3, 5, 12, 16, dtype=torch.float64))
        y1 = ts(torch.randn(2, 3, 5, 12, 16, dtype=torch.float64)[:1])
        ok('timesformer runs at T=5, 12x16 (trained 3, 8x8)',
           y.shape == (2, 5) and y1.shape == (1, 5))
        xb = torch.randn(2, 3, 3, 8, 12, dtype=torch.float64)
        d = (ts(xb)[1] - ts(xb[1:])[0]).abs().max()
        ok('timesformer batch rows independent', d < 1e-12, 'max %.1e' % d)

        # --- ViViT token order (t, h, w), via one-hot inputs.
        vv = _randomise(build('vivit', hidden=16, depth=1, heads=2, mlp=32, patch=4, tubelet=2,
                              frames=4, size=(8, 12), classes=3), 3).double()
        vv.pos_embed.zero_(), vv.cls_token.zero_(), vv.patch_embed.proj.bias.zero_()
        good = True
        for tt in range(2):
            for n in range(6):
                x = torch.zeros(1, 3, 4, 8, 12, dtype=torch.float64)
                h, w = divmod(n, 3)
                x[0, 2, 2 * tt + 1, 4 * h + 3, 4 * w] = 1.0
                nz = (vv.embed(x)[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
                good &= nz == [1 + tt * 6 + n]
        ok('vivit token order 1 + t*H\'W\' + h*W\' + w (one-hot)', good)
        try:
            vv(torch.zeros(1, 3, 4, 8, 8, dtype=torch.float64))
            ok('vivit refuses another input size', False)
        except ValueError:
            ok('vivit refuses another input size', True)

        # --- ViViT separate q/k/v = one concatenated GEMM.
        x = torch.randn(2, 13, 16, dtype=torch.float64)
        a = vv.blocks[0].attn
        d = (a(x) - Attention.forward(a, x)).abs().max()
        ok('vivit separate q/k/v = concatenated qkv', d < 1e-12, 'max %.1e' % d)

        # --- tanh GELU.
        z = torch.linspace(-8, 8, 2001, dtype=torch.float64)
        ref = 0.5 * z * (1 + torch.tanh(0.7978845608 * (z + 0.044715 * z ** 3)))
        d = (gelu_tanh(z) - ref).abs().max()
        d2 = (gelu_tanh(z) - F.gelu(z, approximate='tanh')).abs().max()
        ok('gelu_fast = 0.5x(1+tanh(0.7978845608(x+0.044715x^3)))', d < 1e-14,
           'max %.1e; vs torch tanh-GELU %.1e' % (d, d2))
        d3 = (gelu_tanh(z) - F.gelu(z)).abs().max()
        ok('tanh GELU differs from exact GELU', d3 > 1e-4, 'max %.1e' % d3)

        # --- Sinusoid table vs the formula evaluated element by element.
        n, c = 40, 24
        tab = sinusoid_table(n, c)
        exp = np.zeros((n, c))
        for pp in range(n):
            for j in range(c):
                ang = pp / np.power(10000, 2 * (j // 2) / c)
                exp[pp, j] = np.sin(ang) if j % 2 == 0 else np.cos(ang)
        ok('sinusoid table = formula (float64, then f32), bitwise',
           tab.shape == (1, n, c) and np.array_equal(tab[0].numpy(), exp.astype(np.float32)))
        ok('sinusoid table row 0 = (0,1,0,1,...)',
           np.array_equal(tab[0, 0].numpy(), np.tile([0, 1], c // 2).astype(np.float32)))

        # --- VideoMAE: no cls, k bias 0, pooling variants, refusal.
        vm = _randomise(build('videomae', hidden=16, depth=1, heads=2, mlp=32, patch=4,
                              frames=4, size=(8, 12), classes=3), 4).double()
        ok('videomae has no cls / pos in state_dict',
           not any(k in vm.state_dict() for k in ('cls_token', 'pos_embed')))
        a = vm.blocks[0].attn
        x = torch.randn(2, 12, 16, dtype=torch.float64)
        C = 16
        W = a.qkv.weight
        q, k, v = (_heads_split(F.linear(x, W[i * C:(i + 1) * C], b), 2) for i, b in
                   enumerate((a.q_bias, None, a.v_bias)))
        hf = a.proj(_heads_merge(((q @ k.transpose(-2, -1)) * a.scale).softmax(-1) @ v))
        d = (a(x) - hf).abs().max()
        ok('videomae qkv bias cat(q,0,v) = HF bias-less k; scale on q = on logits', d < 1e-12,
           'max %.1e' % d)
        xin = torch.randn(1, 3, 4, 8, 12, dtype=torch.float64)
        tok = vm.embed(xin)
        ok('videomae embedding adds the sinusoid table to (t,h,w) tokens',
           torch.allclose(tok - vm.patch_embed(xin).flatten(2).transpose(1, 2),
                          sinusoid_table(12, 16).double(), atol=1e-12))
        vm0 = _randomise(build('videomae', hidden=16, depth=1, heads=2, mlp=32, patch=4,
                               frames=4, size=(8, 12), classes=3, pooling='token0'), 4).double()
        t0 = vm0.blocks[0](vm0.embed(xin))
        d = (vm0.features(xin) - vm0.norm(t0[:, 0])).abs().max()
        ok('videomae token0 head = norm then token 0', d < 1e-12)
        try:
            vm(torch.zeros(1, 3, 6, 8, 12, dtype=torch.float64))
            ok('videomae refuses another frame count', False)
        except ValueError:
            ok('videomae refuses another frame count', True)

        # --- config.json round trips (HF VideoMAE: fc_norm eps is 1e-5).
        vmh = build('videomae', hidden=16, depth=1, heads=2, mlp=32, patch=4, frames=4,
                    size=(8, 12), classes=3, eps=1e-12, head_eps=1e-5)
        for mdl in (vv, vmh, vm0):
            back = model_from_hf_config(hf_config(mdl))
            ok('%s config.json round trip' % mdl.family, back.cfg == mdl.cfg,
               '' if back.cfg == mdl.cfg else '%s vs %s' % (back.cfg, mdl.cfg))

        # --- Key layouts: round trips and a few exact names.
        for fam, mdl in (('timesformer', ts), ('vivit', vv), ('videomae', vm), ('videomae', vm0)):
            hf = to_hf_state_dict(mdl)
            back = from_hf_state_dict(fam, hf)
            own = mdl.state_dict()
            same = set(back) == set(own) and all(torch.equal(back[k], own[k]) for k in own)
            ok('%s HF round trip (%d keys)' % (fam, len(hf)), same)
        hf = to_hf_state_dict(ts)
        ok('timesformer HF names', all(k in hf for k in (
            'timesformer.embeddings.time_embeddings',
            'timesformer.encoder.layer.1.temporal_attention.attention.qkv.weight',
            'timesformer.encoder.layer.1.temporal_dense.bias', 'timesformer.layernorm.weight',
            'classifier.weight')))
        hf = to_hf_state_dict(vm)
        ok('videomae HF names', all(k in hf for k in (
            'videomae.encoder.layer.0.attention.attention.key.weight',
            'videomae.encoder.layer.0.attention.attention.q_bias', 'fc_norm.bias')) and
           'videomae.encoder.layer.0.attention.attention.key.bias' not in hf)
        es = engine_state_dict(vm)
        ok('engine layout: videomae qkv.bias = (q_bias, 0, v_bias)',
           torch.equal(es['blocks.0.attn.qkv.bias'][16:32], torch.zeros(16, dtype=torch.float64))
           and 'blocks.0.attn.q_bias' not in es)
        ok('engine layout: timesformer patch weight [C,3,1,p,p]',
           tuple(engine_state_dict(ts)['patch_embed.proj.weight'].shape) == (32, 3, 1, 4, 4))
    n_bad = results.count(False)
    if verbose:
        print('%d checks, %d failed' % (len(results), n_bad))
    return n_bad == 0


if __name__ == '__main__':
    torch.set_num_threads(2)
    sys.exit(0 if self_check() else 1)
