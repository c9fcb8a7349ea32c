"""Multi-object clips: 2 to 4 objects, each doing its own motion in its own
tile of the frame (the test data of uniformerinfer's region modes).

The frame is split into a grid of tiles as square as the frame allows (two
objects: 2x1 or 1x2; three or four: 2x2, so a clip of three objects has one
tile without an object).  Every tile is rendered as its own single-object
scene (scene.sample_scene, render.render_frames) from its own seed, so a
tile, seen as a region, is exactly a small single-object clip: the object
stays inside the tile's centre square, the part a region's centre crop keeps.

Seeds: clip @index of base @seed draws its tile layout from
default_rng([seed, index, 0]), object k (0-based, track id k + 1) its scene
and sensor noise from default_rng([seed, index, k + 1]), and a tile without
an object its background from default_rng([seed, index, 100 + tile]); none of
these is the two-number seed of a single-object clip.  Object k's class is
classes[(index * objects + k) mod len(classes)], so consecutive clips go
round all the classes.  A clip depends on (seed, index, objects, classes,
duration, size) only, not on how many clips are made.

Ground truth per object: track id, class, and its box [x, y, w, h] in frame
pixels per frame (the tile: constant over the clip).
"""
import copy
import dataclasses
import json

import numpy as np

from .classes import CLASSES, INDEX
from .clips import CHUNK
from .render import FPS, render_frames
from .scene import sample_scene

MIN_OBJECTS, MAX_OBJECTS = 2, 4
MIN_TILE = 16        # pixels, the smallest tile side
EMPTY_STREAM = 100   # seed stream of a tile without an object: 100 + tile index


@dataclasses.dataclass
class Tile:
    """One tile: its box in frame pixels, its scene and the generator of its
    sensor noise in the state right after the scene was drawn."""
    box: tuple                # (x, y, w, h)
    scene: object             # scene.Scene
    rng: np.random.Generator
    track_id: int = 0         # 1-based; 0: a tile without an object

    def fresh_rng(self):
        """A copy of the noise generator, so every render gives the same bytes."""
        return copy.deepcopy(self.rng)

    @property
    def label(self):
        return self.scene.label


@dataclasses.dataclass
class MultiClip:
    seed: int
    index: int
    width: int
    height: int
    duration: float
    fps: int
    objects: list             # Tiles with an object, in track id order
    empty: list               # Tiles without one

    @property
    def frames(self):
        return int(round(self.duration * self.fps))

    @property
    def tiles(self):
        return self.objects + self.empty


def grid(objects, width, height):
    """(columns, rows) of the tile grid for @objects objects: the most square
    tiles among the grids with room for them and at most one tile spare."""
    if not MIN_OBJECTS <= objects <= MAX_OBJECTS:
        raise ValueError(f"objects must be {MIN_OBJECTS}..{MAX_OBJECTS}, got {objects}")
    candidates = [(2, 1), (1, 2)] if objects == 2 else [(2, 2)]

    def squareness(cr):
        tw, th = width / cr[0], height / cr[1]
        return max(tw / th, th / tw)
    cols, rows = min(candidates, key=squareness)
    if width // cols < MIN_TILE or height // rows < MIN_TILE:
        raise ValueError(f"{width}x{height} is too small for {objects} objects "
                         f"(tiles of at least {MIN_TILE}x{MIN_TILE})")
    return cols, rows


def tile_boxes(cols, rows, width, height):
    """The tiles (x, y, w, h) of the grid, row by row; they cover the frame
    without overlapping (sides differ by at most one pixel)."""
    xs = [c * width // cols for c in range(cols + 1)]
    ys = [r * height // rows for r in range(rows + 1)]
    return [(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r])
            for r in range(rows) for c in range(cols)]


def object_label(index, k, objects, classes):
    return classes[(index * objects + k) % len(classes)]


def _rng(*seq):
    return np.random.default_rng([int(v) for v in seq])


def object_scene(seed, index, k, label, duration):
    """(scene, rng) of object @k of clip @index: the rng continues into its noise."""
    rng = _rng(seed, index, k + 1)
    return sample_scene(rng, label, duration), rng


def _empty_scene(seed, index, tile, duration):
    """A tile's background and distractors without the object (drawn as a
    standing-still scene whose object is moved far outside)."""
    rng = _rng(seed, index, EMPTY_STREAM + tile)
    scene = sample_scene(rng, INDEX["standing still"], duration)
    return dataclasses.replace(scene, p0=np.array([-10.0, -10.0])), rng


def multi_clip(seed, index, objects, width, height, duration, classes=None, fps=FPS):
    """Clip @index of base @seed with @objects objects (deterministic)."""
    classes = tuple(range(len(CLASSES))) if classes is None else tuple(classes)
    if not classes:
        raise ValueError("no classes")
    cols, rows = grid(objects, width, height)
    boxes = tile_boxes(cols, rows, width, height)
    order = _rng(seed, index, 0).permutation(len(boxes))   # tile of each object, then spares
    tiles = []
    for k in range(objects):
        scene, rng = object_scene(seed, index, k, object_label(index, k, objects, classes), duration)
        tiles.append(Tile(boxes[order[k]], scene, rng, k + 1))
    empty = []
    for t in order[objects:]:
        scene, rng = _empty_scene(seed, index, int(t), duration)
        empty.append(Tile(boxes[t], scene, rng))
    return MultiClip(int(seed), int(index), width, height, float(duration), fps, tiles, empty)


def render_tile(tile, times, rng):
    x, y, w, h = tile.box
    return render_frames(tile.scene, times, w, h, rng)


def multi_chunks(clip):
    """The clip's frames as uint8 [F,H,W,3] chunks of up to CHUNK frames; every
    tile is rendered at its own size with its own noise generator, in the same
    chunks as clips.frame_chunks, then pasted into its box."""
    rngs = [t.fresh_rng() for t in clip.tiles]
    n = clip.frames
    for start in range(0, n, CHUNK):
        times = np.arange(start, min(n, start + CHUNK)) / clip.fps
        out = np.empty((len(times), clip.height, clip.width, 3), np.uint8)
        for tile, rng in zip(clip.tiles, rngs):
            x, y, w, h = tile.box
            out[:, y:y + h, x:x + w] = render_tile(tile, times, rng)
        yield out


def truth(clip):
    """The ground truth as written next to the video (see write_multi)."""
    boxes = [list(t.box) for t in clip.objects]
    return {
        "width": clip.width, "height": clip.height, "fps": clip.fps, "frames": clip.frames,
        "seed": clip.seed, "index": clip.index,
        "objects": [{"id": t.track_id, "class_id": int(t.label), "motion": CLASSES[t.label],
                     "boxes": [list(box) for _ in range(clip.frames)]}
                    for t, box in zip(clip.objects, boxes)],
    }


def write_multi(mp4_path, json_path, clip, bitrate_kbps=800):
    """Writes the clip as H.264 MP4 and its ground truth as JSON; returns the
    number of frames."""
    from .video import write_mp4
    n = write_mp4(mp4_path, multi_chunks(clip), clip.width, clip.height, fps=clip.fps,
                  bitrate_kbps=bitrate_kbps)
    with open(json_path, "w") as f:
        json.dump(truth(clip), f, separators=(",", ":"))
        f.write("\n")
    return n


def single_chunks(tile, width, height, duration=None, fps=FPS):
    """@tile's scene as a whole-frame single-object clip of @width x @height
    (the same motion, background and noise draws, at full frame size) of
    @duration seconds (default: the scene's): the comparison of a region's
    accuracy with the whole-frame one."""
    rng = tile.fresh_rng()
    n = int(round((tile.scene.duration if duration is None else duration) * fps))
    for start in range(0, n, CHUNK):
        times = np.arange(start, min(n, start + CHUNK)) / fps
        yield render_frames(tile.scene, times, width, height, rng)
