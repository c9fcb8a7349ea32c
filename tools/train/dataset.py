"""Training arrays of generated motion clips, already resized and centre-cropped
exactly as the engine does, stored as uint8 [N,T,crop,crop,3] plus labels.

Clips are rendered at several frame sizes (4:3), so the model sees the engine's
bilinear downscale without antialias at several factors, as real video gets.
"""
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from motionclips import CLASSES, render_frames, sample_scene, window_times  # noqa: E402
from motionclips.clips import clip_label  # noqa: E402
from motionclips.preprocess import resize_crop  # noqa: E402
from motionclips.scene import clip_rng  # noqa: E402

# (width, height, weight): low resolutions are cheap to render; larger ones teach the downscale.
RENDER_SIZES = ((96, 72, 0.3), (128, 96, 0.3), (160, 120, 0.2), (240, 180, 0.1), (320, 240, 0.1))
ALL_CLASSES = tuple(range(len(CLASSES)))


def make_clip(seed, index, frames, sampling_rate, crop, plain=False):
    rng = clip_rng(seed, index)
    label = clip_label(index, ALL_CLASSES)
    weights = np.array([w for _, _, w in RENDER_SIZES])
    width, height, _ = RENDER_SIZES[rng.choice(len(RENDER_SIZES), p=weights / weights.sum())]
    times = window_times(frames, sampling_rate)
    scene = sample_scene(rng, label, times[-1], plain)
    pixels = resize_crop(render_frames(scene, times, width, height, rng), crop)
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8), label


def _job(args):
    return make_clip(*args)


def make_set(seed, count, frames=8, sampling_rate=4, crop=96, workers=1, plain=False):
    """Clips 0..count-1 of base @seed: (uint8 [N,T,crop,crop,3], int64 [N]);
    @plain: without clutter, shake and noise (see sample_scene)."""
    jobs = [(seed, i, frames, sampling_rate, crop, plain) for i in range(count)]
    if workers > 1:
        with Pool(workers) as pool:
            results = pool.map(_job, jobs, chunksize=16)
    else:
        results = [_job(j) for j in jobs]
    return (np.stack([r[0] for r in results]),
            np.array([r[1] for r in results], dtype=np.int64))
