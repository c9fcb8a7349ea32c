"""Vectorised rendering of scenes into uint8 RGB frames [F,H,W,3].

All frames of a call are computed at once with numpy broadcasting over
(frame, row, column); shapes are anti-aliased over one pixel through an
approximate signed distance.
"""
import numpy as np

FPS = 30


def window_times(frames=8, sampling_rate=4, fps=FPS, start=0.0):
    """Times (s) of the frames one model window sees: every sampling_rate-th frame."""
    return start + np.arange(frames) * sampling_rate / fps


def _polygon(r, phi, n):
    half = np.pi / n
    return r * np.cos((phi % (2 * half)) - half) / np.cos(half) - 1.0


def shape_distance(kind, a, b):
    """Approximate signed distance (negative inside) to shape @kind of radius 1,
    in the shape's own coordinates."""
    r = np.hypot(a, b)
    phi = np.arctan2(b, a)
    if kind == 0:                                   # disc
        return r - 1.0
    if kind == 1:                                   # square
        return np.maximum(np.abs(a), np.abs(b)) - 0.72
    if kind == 2:                                   # triangle
        return _polygon(r, phi + np.pi / 2, 3) * 0.55
    if kind == 3:                                   # hexagon
        return _polygon(r, phi, 6) * 0.9
    if kind == 4:                                   # five-pointed flower
        return r - (0.68 + 0.32 * np.cos(5 * phi))
    if kind == 5:                                   # ellipse
        return r - 1.0 / np.sqrt(np.cos(phi) ** 2 + (np.sin(phi) / 0.55) ** 2)
    if kind == 6:                                   # plus sign
        bar1 = np.maximum(np.abs(a) - 1.0, np.abs(b) - 0.34)
        bar2 = np.maximum(np.abs(a) - 0.34, np.abs(b) - 1.0)
        return np.minimum(bar1, bar2) * 1.0 / 1.06
    if kind == 7:                                   # half disc
        return np.maximum(r - 1.0, -b - 0.15)
    raise ValueError(f"unknown shape kind {kind}")


def texture_mix(shape, a, b):
    """Weight of colour2 in [0,1] at shape coordinates (a,b); never symmetric
    under rotation, so a rotating object is visibly rotating."""
    c, s = np.cos(shape.tex_angle), np.sin(shape.tex_angle)
    u, w = c * a + s * b, -s * a + c * b
    f = shape.freq
    t = shape.texture
    if t == 0:                                      # stripes
        m = np.sin(f * np.pi * u)
    elif t == 1:                                    # checker
        m = np.sin(f * np.pi * u) * np.sin(f * np.pi * w)
    elif t == 2:                                    # two halves
        m = u * 4.0
    elif t == 3:                                    # spokes
        m = np.sin(np.round(f) * np.arctan2(w, u) + 0.3)
    elif t == 4:                                    # off-centre dot
        m = 0.32 - np.hypot(u - 0.45, w - 0.1)
        m = m * 12.0
    elif t == 5:                                    # linear gradient
        return np.clip(0.5 + 0.5 * u, 0.0, 1.0)
    else:                                           # solid
        return np.zeros_like(a)
    return np.clip(0.5 + 2.0 * m, 0.0, 1.0)


def _composite(img, shape, a, b, size_px):
    """Draws @shape over @img ([F,H,W,3]) where (a,b) are its coordinates."""
    d = shape_distance(shape.kind, a, b) * size_px
    alpha = np.clip(0.5 - d, 0.0, 1.0)
    if not alpha.any():
        return
    mix = texture_mix(shape, a, b)[..., None]
    colour = shape.colour1 * (1 - mix) + shape.colour2 * mix
    alpha = alpha[..., None]
    img *= 1 - alpha
    img += alpha * colour


def _local(u, v, centre, angle, size):
    """Image (u,v) -> shape coordinates; centre/angle/size broadcast over frames."""
    du, dv = u - centre[0], v - centre[1]
    c, s = np.cos(angle), np.sin(angle)
    return (c * du + s * dv) / size, (-s * du + c * dv) / size


def render_frames(scene, times, width, height, rng):
    """Frames of @scene at @times (s) as uint8 [F,height,width,3]; @rng draws the
    sensor noise."""
    times = np.asarray(times, dtype=np.float64)
    nf = len(times)
    side = min(width, height)
    x = (np.arange(width) + 0.5 - (width - side) / 2) / side
    y = (np.arange(height) + 0.5 - (height - side) / 2) / side
    shake = scene.shake
    off = shake[:, 0][None, :] * np.sin(2 * np.pi * shake[:, 1][None, :] * times[:, None]
                                        + shake[:, 2][None, :])          # [F,2]
    u = (x[None, None, :] - off[:, 0, None, None]).astype(np.float32)    # [F,1,W]
    v = (y[None, :, None] - off[:, 1, None, None]).astype(np.float32)    # [F,H,1]

    img = np.broadcast_to(scene.bg_colour.astype(np.float32), (nf, height, width, 3)).copy()
    img += (u[..., None] - 0.5) * scene.bg_gradient[0] + (v[..., None] - 0.5) * scene.bg_gradient[1]
    for fx, fy, ph, r, g, bl in scene.bg_waves:
        wave = np.sin(fx * u + fy * v + ph)[..., None]
        img += wave * np.array([r, g, bl], dtype=np.float32)
    for d in scene.distractors:
        a, b = _local(u, v, d.centre, d.angle, d.size)
        _composite(img, d.shape, a, b, d.size * side)

    centre = scene.centre(times)                                          # [F,2]
    angle = scene.angle(times)[:, None, None]
    size = scene.size(times)[:, None, None]
    a, b = _local(u, v, (centre[:, 0, None, None], centre[:, 1, None, None]), angle, size)
    _composite(img, scene.obj, a, b, size * side)

    fl = scene.flicker
    img *= (1 + fl[0] * np.sin(2 * np.pi * fl[1] * times + fl[2]))[:, None, None, None]
    if scene.noise > 0:
        img += rng.normal(0, scene.noise, img.shape).astype(np.float32)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def object_box(scene, times):
    """Per time, the object's bounding box (x0,y0,x1,y1) in square units: for checks."""
    from .scene import REACH
    c = scene.centre(times)
    r = REACH * scene.size(times)[:, None]
    return np.concatenate([c - r, c + r], axis=1)
