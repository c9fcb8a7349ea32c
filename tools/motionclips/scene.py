"""Random scenes: background, static distractors, one object and its motion.

Positions and sizes are in "square units": the centre square of the frame (the
part the engine keeps after its centre crop) spans [0,1] x [0,1], y downwards.
Motion is a function of time in seconds, so the same scene renders at any frame
rate and any window offset:
  centre(t) = p0 + v t,  angle(t) = theta0 + omega t (positive = clockwise),
  size(t) = s0 exp(g t)  (size = outer radius of the shape).
"""
import dataclasses
from dataclasses import dataclass

import numpy as np

from .classes import CLASSES, INDEX

N_SHAPES = 8     # see render.shape_distance
N_TEXTURES = 7   # see render.texture_mix
SOLID = 6        # the texture without pattern: rotation of a disc would be invisible
ROUND = (0, 3)   # disc and hexagon: never solid (a solid hexagon hardly shows rotation)

# Motion ranges, per second (chosen so one 8x4 window at 30 fps, 0.93 s, shows a
# clear change yet stays inside the square).
SPEED = (0.20, 0.50)          # square sides per second
OMEGA = (2.0, 3.0)            # rad/s: 15-23 degrees per sampled frame step (slower is
                              # lost in noise at 64x64; faster aliases on checkers)
GROWTH = (np.log(1.5), np.log(2.4))  # log size change per second
SIZE = (0.12, 0.28)           # object radius, still/moving
ROTATING_SIZE = (0.16, 0.28)  # smaller rotating objects barely move a pixel
SCALE_SIZE = (0.08, 0.40)     # radius range a growing/shrinking object stays in
REACH = 1.1                   # shapes' farthest point, in radii (the cross)
MARGIN = 0.03                 # room left for camera shake


@dataclass
class Shape:
    kind: int
    texture: int
    colour1: np.ndarray       # RGB in [0,1]
    colour2: np.ndarray
    freq: float               # texture frequency (stripes, checker, spokes)
    tex_angle: float          # texture orientation in the shape's frame


@dataclass
class Placed:
    shape: Shape
    centre: np.ndarray        # square units
    size: float
    angle: float


@dataclass
class Scene:
    label: int
    duration: float           # seconds the motion is planned for
    bg_colour: np.ndarray
    bg_gradient: np.ndarray   # (2,3): colour change per square unit along x and y
    bg_waves: np.ndarray      # (k,6): fx, fy, phase, r, g, b amplitudes
    distractors: list
    obj: Shape
    p0: np.ndarray
    velocity: np.ndarray
    theta0: float
    omega: float
    s0: float
    growth: float
    shake: np.ndarray         # (2,3): per axis amplitude, frequency (Hz), phase
    flicker: np.ndarray       # amplitude, frequency (Hz), phase
    noise: float              # sensor noise std on [0,1] pixels

    def centre(self, t):
        return self.p0[None, :] + self.velocity[None, :] * np.asarray(t)[:, None]

    def angle(self, t):
        return self.theta0 + self.omega * np.asarray(t)

    def size(self, t):
        return self.s0 * np.exp(self.growth * np.asarray(t))


def _colour_far_from(rng, others, distance):
    for _ in range(100):
        c = rng.uniform(0.0, 1.0, 3)
        if all(np.linalg.norm(c - o) >= distance for o in others):
            return c
    return 1.0 - others[0]  # pragmatic fallback: the complement is far enough


def _shape(rng, avoid):
    kind = int(rng.integers(N_SHAPES))
    # SOLID is the last texture index, so drawing below it excludes it
    texture = int(rng.integers(N_TEXTURES if kind not in ROUND else SOLID))
    c1 = _colour_far_from(rng, avoid, 0.45)
    c2 = _colour_far_from(rng, [c1], 0.35)
    return Shape(kind, texture, c1, c2, float(rng.uniform(2.0, 5.0)),
                 float(rng.uniform(0, 2 * np.pi)))


def _log_uniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _plan_motion(rng, label, duration):
    """p0, velocity, omega, s0, growth for the class, staying inside the square
    for the whole duration."""
    name = CLASSES[label]
    velocity, omega, growth = np.zeros(2), 0.0, 0.0
    if name in ("growing", "shrinking"):
        lo, hi = SCALE_SIZE
        growth = rng.uniform(*GROWTH)
        growth = min(growth, np.log(hi / lo) / duration)  # long clips: slower
        factor = np.exp(growth * duration)
        smallest = _log_uniform(rng, lo, max(lo, hi / factor))  # max: rounding
        s0 = smallest if name == "growing" else smallest * factor
        growth = growth if name == "growing" else -growth
        largest = smallest * factor
        room = REACH * largest + MARGIN
        p0 = rng.uniform(room, 1 - room, 2)
        return p0, velocity, omega, s0, growth
    s0 = float(rng.uniform(*SIZE))
    room = REACH * s0 + MARGIN
    if name.startswith("moving"):
        # long clips: a smaller object, so that even the slowest speed fits
        s0 = min(s0, max(SIZE[0], (1 - SPEED[0] * duration - 2 * MARGIN) / (2 * REACH)))
        room = REACH * s0 + MARGIN
        speed = rng.uniform(*SPEED)
        travel = min(speed * duration, 1 - 2 * room)
        axis = 0 if name in ("moving left", "moving right") else 1
        sign = -1 if name in ("moving left", "moving up") else 1
        velocity[axis] = sign * travel / duration
        p0 = rng.uniform(room, 1 - room, 2)
        # start where the whole path fits
        start_lo, start_hi = (room + travel, 1 - room) if sign < 0 else (room, 1 - room - travel)
        p0[axis] = rng.uniform(start_lo, max(start_lo, start_hi))
        return p0, velocity, omega, s0, growth
    if name.startswith("rotating"):
        omega = rng.uniform(*OMEGA) * (1 if name == "rotating clockwise" else -1)
        s0 = float(np.interp(s0, SIZE, ROTATING_SIZE))  # same draw, mapped to the larger range
        room = REACH * s0 + MARGIN
    return rng.uniform(room, 1 - room, 2), velocity, omega, s0, growth


def sample_scene(rng, label, duration, plain=False):
    """A random scene of class @label whose motion fits @duration seconds.
    @plain keeps the background's colour and gradient but drops the clutter,
    camera shake, flicker and noise (the first clips of the training
    curriculum; the random draws are the same, so only those parts change)."""
    if not 0 <= label < len(CLASSES):
        raise ValueError(f"class index {label} out of range 0..{len(CLASSES) - 1}")
    bg = rng.uniform(0.05, 0.95, 3)
    gradient = rng.normal(0, 0.25, (2, 3))
    k = int(rng.integers(0, 4))
    waves = np.concatenate([rng.normal(0, 6.0, (k, 2)), rng.uniform(0, 2 * np.pi, (k, 1)),
                            rng.normal(0, 0.08, (k, 3))], axis=1)
    distractors = []
    for _ in range(int(rng.integers(0, 5))):
        shape = _shape(rng, [bg])
        distractors.append(Placed(shape, rng.uniform(-0.3, 1.3, 2), float(rng.uniform(0.04, 0.16)),
                                  float(rng.uniform(0, 2 * np.pi))))
    obj = _shape(rng, [bg] + [d.shape.colour1 for d in distractors[:2]])
    p0, velocity, omega, s0, growth = _plan_motion(rng, label, duration)
    shake_amp = rng.uniform(0, 0.008) if rng.random() < 0.7 else 0.0
    shake = np.stack([np.full(2, shake_amp) * rng.uniform(0.5, 1, 2),
                      rng.uniform(0.5, 4.0, 2), rng.uniform(0, 2 * np.pi, 2)], axis=1)
    flicker = np.array([rng.uniform(0, 0.03), rng.uniform(0.2, 2.0), rng.uniform(0, 2 * np.pi)])
    scene = Scene(label, float(duration), bg, gradient, waves, distractors, obj, p0, velocity,
                  float(rng.uniform(0, 2 * np.pi)), float(omega), float(s0), float(growth),
                  shake, flicker, float(rng.uniform(0, 0.025)))
    if plain:
        scene = dataclasses.replace(scene, bg_waves=waves[:0], distractors=[], shake=shake * 0,
                                    flicker=flicker * 0, noise=0.0)
    return scene


def clip_rng(seed, index):
    """The generator of clip @index of the set with base @seed (independent of count)."""
    return np.random.default_rng([int(seed), int(index)])


__all__ = ["Scene", "sample_scene", "clip_rng", "INDEX"]
