"""The engine's preprocessing in numpy (uniformer-spec.md section 4a, as
engine/uniformer.h UF_RESIZE_CROP): short side resized to the crop size with
bilinear interpolation (align_corners=False, no antialias), centre crop,
/255, (x - mean) / std."""
import math

import numpy as np


def _axis(n_in, n_out):
    """Source indices and weights of a 1-D align_corners=False bilinear resize."""
    scale = n_in / n_out
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (src - i0).astype(np.float32)


def resize_crop(frames, crop):
    """uint8/float [T,H,W,3] -> float32 [T,crop,crop,3] in pixel units (0..255)."""
    t, h, w, _ = frames.shape
    short = min(h, w)
    out_h = crop if h == short else math.floor(h / short * crop)
    out_w = crop if w == short else math.floor(w / short * crop)
    y0, x0 = math.ceil((out_h - crop) / 2), math.ceil((out_w - crop) / 2)
    yi0, yi1, wy = _axis(h, out_h)
    xi0, xi1, wx = _axis(w, out_w)
    yi0, yi1, wy = yi0[y0:y0 + crop], yi1[y0:y0 + crop], wy[y0:y0 + crop]
    xi0, xi1, wx = xi0[x0:x0 + crop], xi1[x0:x0 + crop], wx[x0:x0 + crop]
    f = frames.astype(np.float32)
    rows = f[:, yi0] * (1 - wy)[None, :, None, None] + f[:, yi1] * wy[None, :, None, None]
    return rows[:, :, xi0] * (1 - wx)[None, None, :, None] + rows[:, :, xi1] * wx[None, None, :, None]


def to_tensor(frames, crop, mean=0.45, std=0.225):
    """uint8 [T,H,W,3] -> the model input float32 [1,3,T,crop,crop]."""
    x = resize_crop(frames, crop) / 255.0
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)[None], dtype=np.float32)


def model_input(frames, meta):
    """uint8 RGB [T,H,W,3] -> the input of the model whose safetensors
    __metadata__ is @meta (square crop_height, mean, std, color_order)."""
    if meta.get("color_order") == "bgr":
        frames = frames[..., ::-1]
    mean = [float(v) for v in meta["mean"].split(",")]
    std = [float(v) for v in meta["std"].split(",")]
    return to_tensor(frames, int(meta["crop_height"]), mean, std)
