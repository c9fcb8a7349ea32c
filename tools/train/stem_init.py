"""Motion-tuned initialisation of the stem (patch_embed1.proj, kernel 3x4x4).

Why: the direction of motion is a second-order feature of the pixels (the sign
of I_x * I_t: spatial gradient times temporal change), so from a random start
the network sits on a long plateau at chance (measured: a free UniFormer, and a
plain 3-D CNN, stayed at chance for 2000 steps on the nine classes).  Stem
channels computing (I_x + I_t) and (I_x - I_t), once rectified by the block
MLPs' GELU and pooled, give |a+b| - |a-b| = 2 min(|a|,|b|) sign(ab): the motion
direction along x; the same for y.  Curl and divergence of that flow (rotation,
growth) are then linear in the later layers.  With this start the plateau ends
after ~250 steps.  All weights stay trainable; the result is a plain UniFormer.
"""
import torch

# Luminance and two colour-opponent signals (objects may be isoluminant with
# their background), each of unit norm over RGB.
COLOURS = ((1.0, 1.0, 1.0), (1.0, -1.0, 0.0), (-0.5, -0.5, 1.0))
# Temporal taps of I_t: the kernel's frames t-1 and t+1 (stride 2, padding 1).
IT_TAPS = (-1.0, 0.0, 1.0)


def motion_stem_init(model):
    """Overwrites the first 4 * len(COLOURS) stem channels; returns that count."""
    w = model.patch_embed1.proj.weight                      # [C, 3, 3, 4, 4]
    ramp = torch.tensor([-1.5, -0.5, 0.5, 1.5])
    ramp = ramp / ramp.norm() / 2                           # unit norm over the 4x4 plane
    ix = torch.zeros(3, 4, 4)
    ix[1] = ramp[None, :]                                   # centre frame, along x
    iy = torch.zeros(3, 4, 4)
    iy[1] = ramp[:, None]                                   # centre frame, along y
    it = torch.tensor(IT_TAPS)[:, None, None].expand(3, 4, 4).clone()
    it = it / it.norm()
    channel = 0
    with torch.no_grad():
        for colour in COLOURS:
            c = torch.tensor(colour)
            c = c / c.norm()
            for spatial in (ix, iy):
                for sign in (1.0, -1.0):
                    kernel = (spatial + sign * it) / 2 ** 0.5
                    w[channel] = c[:, None, None, None] * kernel[None]
                    channel += 1
        model.patch_embed1.proj.bias[:channel] = 0
    return channel
