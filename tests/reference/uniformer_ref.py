"""Independent PyTorch reference of the base UniFormer video network.

Written from docs/uniformer-spec.md (sections 1.2, 1.3, 2 and 7) only, so that
it can judge both the converter and the engine.  Module names are chosen so that
state_dict() keys equal the official checkpoint keys (spec section 2) and an
official file loads with load_state_dict(strict=True).  Inference only: no
dropout / drop-path modules exist (they are identity in eval mode).
"""
from torch import nn

# Spec section 1.1: UniFormer-S.
S_CONFIG = dict(depths=(3, 4, 8, 3), dims=(64, 128, 320, 512), head_dim=64,
                mlp_ratio=4, num_classes=400)


def _to_tokens(x):
    """(B,C,T,H,W) -> (B,N,C) with token n = t*H*W + h*W + w (spec section 7.4)."""
    return x.flatten(2).transpose(1, 2)


def _from_tokens(tok, shape):
    return tok.transpose(1, 2).reshape(shape)


class PatchEmbed(nn.Module):
    """Conv3d then a per-voxel LayerNorm over channels, eps 1e-5 (not 1e-6)."""

    def __init__(self, cin, cout, kernel, stride, padding):
        super().__init__()
        self.proj = nn.Conv3d(cin, cout, kernel, stride, padding)
        self.norm = nn.LayerNorm(cout, eps=1e-5)

    def forward(self, x):
        x = self.proj(x)
        return _from_tokens(self.norm(_to_tokens(x)), x.shape)


class ConvMlp(nn.Module):
    """CBlock MLP: 1x1x1 convs, exact erf GELU (spec section 7.2)."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv3d(dim, hidden, 1)
        self.act = nn.GELU()  # approximate='none'
        self.fc2 = nn.Conv3d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Mlp(nn.Module):
    """SABlock MLP: Linear layers on tokens, exact erf GELU."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class CBlock(nn.Module):
    """Local MHRA block (stages 1-2).  BatchNorm eps 1e-5; conv1 -> DW5 -> conv2
    is purely linear (spec section 7.7): there is deliberately no activation."""

    def __init__(self, dim, mlp_ratio):
        super().__init__()
        self.pos_embed = nn.Conv3d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.BatchNorm3d(dim, eps=1e-5)
        self.conv1 = nn.Conv3d(dim, dim, 1)
        self.attn = nn.Conv3d(dim, dim, 5, padding=2, groups=dim)
        self.conv2 = nn.Conv3d(dim, dim, 1)
        self.norm2 = nn.BatchNorm3d(dim, eps=1e-5)
        self.mlp = ConvMlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.pos_embed(x)
        x = x + self.conv2(self.attn(self.conv1(self.norm1(x))))
        return x + self.mlp(self.norm2(x))


class Attention(nn.Module):
    """Joint attention over all T*H*W tokens; qkv channel = which*C + head*hd + d."""

    def __init__(self, dim, head_dim):
        super().__init__()
        assert dim % head_dim == 0, (dim, head_dim)
        self.heads, self.head_dim = dim // head_dim, head_dim
        self.scale = head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)  # qkv_bias=True (spec 0)
        self.proj = nn.Linear(dim, dim)

    def forward(self, z):
        B, N, C = z.shape
        # [3][heads][head_dim] split of the output channels, per spec section 1.3.
        qkv = self.qkv(z).reshape(B, N, 3, self.heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, heads, N, hd)
        a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        o = (a @ v).transpose(1, 2).reshape(B, N, C)  # heads concatenated head-major
        return self.proj(o)


class SABlock(nn.Module):
    """Global MHRA block (stages 3-4).  LayerNorm eps 1e-6 (spec section 7.1)."""

    def __init__(self, dim, head_dim, mlp_ratio):
        super().__init__()
        self.pos_embed = nn.Conv3d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, head_dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.pos_embed(x)  # DPE is its own residual, on the 5-D grid
        tok = _to_tokens(x)
        tok = tok + self.attn(self.norm1(tok))
        tok = tok + self.mlp(self.norm2(tok))
        return _from_tokens(tok, x.shape)


class Uniformer(nn.Module):
    """Base family (S/B).  Input (B,3,T,H,W), T even, H and W multiples of 32."""

    def __init__(self, depths=S_CONFIG['depths'], dims=S_CONFIG['dims'],
                 head_dim=64, mlp_ratio=4, num_classes=400):
        super().__init__()
        # Registration order = official state_dict order (patch embeds first).
        self.patch_embed1 = PatchEmbed(3, dims[0], (3, 4, 4), (2, 4, 4), (1, 0, 0))
        for s in (2, 3, 4):
            setattr(self, f'patch_embed{s}',
                    PatchEmbed(dims[s - 2], dims[s - 1], (1, 2, 2), (1, 2, 2), 0))
        for s in (1, 2):
            setattr(self, f'blocks{s}', nn.ModuleList(
                CBlock(dims[s - 1], mlp_ratio) for _ in range(depths[s - 1])))
        for s in (3, 4):
            setattr(self, f'blocks{s}', nn.ModuleList(
                SABlock(dims[s - 1], head_dim, mlp_ratio) for _ in range(depths[s - 1])))
        self.norm = nn.BatchNorm3d(dims[3], eps=1e-5)
        self.head = nn.Linear(dims[3], num_classes)
        self.eval()

    def forward(self, x):
        if isinstance(x, (list, tuple)):  # the official forward takes [x]
            x = x[0]
        assert x.dim() == 5 and x.shape[1] == 3, x.shape
        assert x.shape[2] % 2 == 0 and x.shape[3] % 32 == 0 and x.shape[4] % 32 == 0, x.shape
        for s in (1, 2, 3, 4):
            x = getattr(self, f'patch_embed{s}')(x)
            for blk in getattr(self, f'blocks{s}'):
                x = blk(x)
        x = self.norm(x).flatten(2).mean(-1)  # mean over T*H*W after the final BN
        return self.head(x)
