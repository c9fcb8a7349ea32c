"""Batch augmentation for training: mirrors and time reversal (with the labels
they imply), blur, noise and brightness/contrast changes that stand in for
camera and H.264 degradation."""
import torch
import torch.nn.functional as F

from motionclips.classes import HFLIP, REVERSE, VFLIP


def _relabel(labels, mask, perm):
    return torch.where(mask, torch.tensor(perm)[labels], labels)


def _blur(x, sigma):
    """Separable Gaussian blur of x [B,C,T,H,W] with a per-clip sigma [B]."""
    radius = 3
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype)
    k = torch.exp(-offsets[None] ** 2 / (2 * sigma[:, None].clamp(min=1e-3) ** 2))
    k = k / k.sum(1, keepdim=True)                                  # [B,7]
    b, c, t, h, w = x.shape
    y = x.permute(1, 2, 0, 3, 4).reshape(1, c * t * b, h, w)
    kk = k.repeat(c * t, 1)                                          # matches (c,t,b) order
    y = F.conv2d(F.pad(y, (radius, radius, 0, 0), mode="replicate"), kk[:, None, None, :],
                 groups=c * t * b)
    y = F.conv2d(F.pad(y, (0, 0, radius, radius), mode="replicate"), kk[:, None, :, None],
                 groups=c * t * b)
    return y.reshape(c, t, b, h, w).permute(2, 0, 1, 3, 4)


def augment(pixels, labels, gen):
    """pixels uint8 [B,T,H,W,3] -> float [B,3,T,H,W] on [0,1], labels remapped."""
    x = pixels.permute(0, 4, 1, 2, 3).float() / 255.0
    b = x.shape[0]

    def coin(p=0.5):
        return torch.rand(b, generator=gen) < p

    m = coin()
    x = torch.where(m[:, None, None, None, None], x.flip(4), x)
    labels = _relabel(labels, m, HFLIP)
    m = coin()
    x = torch.where(m[:, None, None, None, None], x.flip(3), x)
    labels = _relabel(labels, m, VFLIP)
    m = coin()
    x = torch.where(m[:, None, None, None, None], x.flip(2), x)
    labels = _relabel(labels, m, REVERSE)

    sigma = torch.rand(b, generator=gen) * 1.3 * coin(0.6)
    x = torch.where((sigma > 0.05)[:, None, None, None, None], _blur(x, sigma), x)
    contrast = 1 + (torch.rand(b, generator=gen) - 0.5) * 0.3
    bright = (torch.rand(b, generator=gen) - 0.5) * 0.15
    x = (x - 0.5) * contrast[:, None, None, None, None] + 0.5 + bright[:, None, None, None, None]
    noise = torch.rand(b, generator=gen) * 0.03
    x = x + torch.randn(x.shape, generator=gen) * noise[:, None, None, None, None]
    return x.clamp(0, 1), labels
