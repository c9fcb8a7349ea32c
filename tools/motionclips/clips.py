"""Clip sets and demo sequences: which scene each clip gets, and writing them
as videos or arrays.  Clip i of base seed S is always the same clip, whatever
--count is, so held-out sets are simply other seeds."""
import dataclasses

import numpy as np

from .classes import CLASSES
from .render import FPS, render_frames, window_times
from .scene import clip_rng, sample_scene

CHUNK = 30  # frames rendered at once when writing videos (bounds memory)


def clip_label(index, classes):
    return classes[index % len(classes)]


def clip_scene(seed, index, classes, duration):
    """(scene, rng) of clip @index; the rng continues into the sensor noise."""
    rng = clip_rng(seed, index)
    return sample_scene(rng, clip_label(index, classes), duration), rng


def frame_chunks(scenes, width, height, rng, fps=FPS):
    """Renders consecutive (scene, seconds) segments as uint8 chunks at @fps;
    each segment restarts its scene's clock at 0."""
    for scene, seconds in scenes:
        n = int(round(seconds * fps))
        for start in range(0, n, CHUNK):
            times = np.arange(start, min(n, start + CHUNK)) / fps
            yield render_frames(scene, times, width, height, rng)


def window_frames(scene, rng, width, height, frames, sampling_rate, start=0.0):
    """The uint8 frames one model window of @scene sees."""
    return render_frames(scene, window_times(frames, sampling_rate, FPS, start), width, height, rng)


def _keep_room(scene, room):
    """@scene with the background, distractors, shake and noise of @room."""
    return dataclasses.replace(scene, bg_colour=room.bg_colour, bg_gradient=room.bg_gradient,
                               bg_waves=room.bg_waves, distractors=room.distractors,
                               shake=room.shake, flicker=room.flicker, noise=room.noise)


def sequence_scenes(seed, classes, segment):
    """One scene per class in @classes order, @segment seconds each, all in the
    room (background and distractors) of the first; returns [(scene, seconds)]
    and the ground truth [(class name, start s, end s)]."""
    rng = clip_rng(seed, 0)
    room = None
    scenes, truth = [], []
    for k, label in enumerate(classes):
        scene = sample_scene(clip_rng(seed, k + 1), label, segment)
        room = room or scene
        scenes.append((_keep_room(scene, room), segment))
        truth.append((CLASSES[label], k * segment, (k + 1) * segment))
    return scenes, truth, rng
