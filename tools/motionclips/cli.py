"""Command line of tools/uniformer-motion-clips."""
import argparse
import os
import sys

import numpy as np

from .classes import CLASSES, parse_classes
from .clips import clip_label, clip_scene, frame_chunks, sequence_scenes, window_frames
from .preprocess import to_tensor

EPILOG = """classes (head order of the shipped model):
  """ + "\n  ".join(f"{i}  {name}" for i, name in enumerate(CLASSES)) + """

examples:
  # 18 two-second H.264 clips at 320x240, 30 fps, with labels.tsv
  uniformer-motion-clips clips --seed 9001 --count 18 --out held-out/
  # the 8 frames (every 4th) one model window sees, as uint8 [T,H,W,3] .npy
  uniformer-motion-clips clips --seed 7 --count 9 --format npy --out arrays/
  # the same, preprocessed for uniformer-classify --input-npy ([1,3,T,C,C] float32)
  uniformer-motion-clips clips --seed 7 --count 9 --format tensor --crop 64 --out tensors/
  # the README demo: one video, the motion changing every 3 s, plus demo.tsv
  uniformer-motion-clips sequence --seed 3 --segment 3 --out demo.mp4
  # 6 clips of 4 objects (one per 2x2 tile, each its own motion) + ground truth
  # clipNNNN.json (track ids, classes, boxes per frame) for uniformer-region-source
  uniformer-motion-clips multi --objects 4 --count 6 --seed 9001 --out multi/

Clip i of seed S is the same whatever --count is (class = --classes[i mod n]).
The shipped model was trained on seeds 1 (training) and 2 (validation): use
other seeds for held-out tests."""


def _size(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, got {text!r}")
    if not (16 <= w <= 4096 and 16 <= h <= 4096) or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"size {text!r}: sides must be even, 16..4096")
    return w, h


def _classes(text):
    try:
        return parse_classes(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def _positive(kind):
    def parse(text):
        v = kind(text)
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v
    return parse


def build_parser():
    p = argparse.ArgumentParser(
        prog="uniformer-motion-clips", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generates synthetic motion clips (deterministic by seed): one object "
                    "moving left/right/up/down, rotating, growing, shrinking or standing "
                    "still over a cluttered background, with camera shake and sensor noise. "
                    "The object stays inside the centre square of the frame; multi puts "
                    "2 to 4 such scenes side by side, one per tile.",
        epilog=EPILOG)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    common.add_argument("--classes", type=_classes, default=tuple(range(len(CLASSES))),
                        help="comma list of class names or indices, or 'all' (default all)")
    common.add_argument("--size", type=_size, default=(320, 240),
                        help="frame size WxH (default 320x240)")
    common.add_argument("--bitrate", type=_positive(int), default=800,
                        help="H.264 bitrate in kbit/s (default 800)")

    c = sub.add_parser("clips", parents=[common], help="a set of labelled clips",
                       description="Writes --count clips and OUT/labels.tsv (file, class index, name).")
    c.add_argument("--count", type=_positive(int), default=9, help="number of clips (default 9)")
    c.add_argument("--out", required=True, help="output directory (created)")
    c.add_argument("--format", choices=("mp4", "npy", "tensor"), default="mp4",
                   help="mp4: H.264 video of --duration at 30 fps; npy: uint8 [T,H,W,3] frames of "
                        "one model window; tensor: that window preprocessed like the engine "
                        "(default mp4)")
    c.add_argument("--duration", type=_positive(float), default=2.0,
                   help="seconds per video clip (default 2)")
    c.add_argument("--frames", type=_positive(int), default=8, help="window frames (default 8)")
    c.add_argument("--sampling-rate", type=_positive(int), default=4,
                   help="window takes every N-th frame at 30 fps (default 4)")
    c.add_argument("--crop", type=_positive(int), default=64, help="tensor crop size (default 64)")
    c.add_argument("--mean", type=float, default=0.45, help="tensor normalisation mean (default 0.45)")
    c.add_argument("--std", type=_positive(float), default=0.225, help="tensor std (default 0.225)")

    s = sub.add_parser("sequence", parents=[common], help="one video whose motion changes",
                       description="Writes one H.264 MP4: one segment per class in --classes "
                                   "order, in one room, and OUT with .tsv: class, start s, end s.")
    s.add_argument("--segment", type=_positive(float), default=3.0,
                   help="seconds per segment (default 3)")
    s.add_argument("--out", required=True, help="the .mp4 to write (ground truth next to it as .tsv)")

    m = sub.add_parser("multi", parents=[common], help="clips of several objects, one motion each",
                       description="Writes --count H.264 clips OUT/clipNNNN.mp4 of --objects objects, "
                                   "each its own single-object scene in its own tile of the frame "
                                   "(2x1 or 1x2 for two objects, 2x2 for three or four), and "
                                   "OUT/clipNNNN.json: {width, height, fps, frames, seed, index, "
                                   "objects: [{id, class_id, motion, boxes: [[x, y, w, h] per "
                                   "frame]}]} (track ids from 1; boxes in frame pixels). Object k "
                                   "of clip i has class --classes[(i * objects + k) mod n].")
    m.add_argument("--objects", type=_objects, default=4, help="objects per clip, 2..4 (default 4)")
    m.add_argument("--count", type=_positive(int), default=4, help="number of clips (default 4)")
    m.add_argument("--duration", type=_positive(float), default=2.0,
                   help="seconds per clip at 30 fps (default 2)")
    m.add_argument("--out", required=True, help="output directory (created)")
    return p


def _objects(text):
    from .multi import MAX_OBJECTS, MIN_OBJECTS
    try:
        v = int(text)
    except ValueError:
        v = -1
    if not MIN_OBJECTS <= v <= MAX_OBJECTS:
        raise argparse.ArgumentTypeError(f"must be {MIN_OBJECTS}..{MAX_OBJECTS}, got {text}")
    return v


def _write_multi(args):
    from .multi import grid, multi_clip, write_multi
    w, h = args.size
    cols, rows = grid(args.objects, w, h)   # size errors before creating anything
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        clip = multi_clip(args.seed, i, args.objects, w, h, args.duration, args.classes)
        base = os.path.join(args.out, f"clip{i:04d}")
        write_multi(base + ".mp4", base + ".json", clip, bitrate_kbps=args.bitrate)
    print(f"wrote {args.count} clips of {args.objects} objects ({cols}x{rows} tiles) with "
          f"their .json to {args.out}")


def _write_clips(args):
    from .video import write_mp4
    os.makedirs(args.out, exist_ok=True)
    w, h = args.size
    rows = []
    for i in range(args.count):
        label = clip_label(i, args.classes)
        name = f"clip{i:04d}-{CLASSES[label].replace(' ', '-')}"
        if args.format == "mp4":
            scene, rng = clip_scene(args.seed, i, args.classes, args.duration)
            name += ".mp4"
            write_mp4(os.path.join(args.out, name), frame_chunks([(scene, args.duration)], w, h, rng),
                      w, h, bitrate_kbps=args.bitrate)
        else:
            span = (args.frames - 1) * args.sampling_rate / 30
            scene, rng = clip_scene(args.seed, i, args.classes, span)
            frames = window_frames(scene, rng, w, h, args.frames, args.sampling_rate)
            name += ".npy"
            data = frames if args.format == "npy" else to_tensor(frames, args.crop, args.mean, args.std)
            np.save(os.path.join(args.out, name), data)
        rows.append(f"{name}\t{label}\t{CLASSES[label]}\n")
    with open(os.path.join(args.out, "labels.tsv"), "w") as f:
        f.writelines(rows)
    print(f"wrote {args.count} clips and labels.tsv to {args.out}")


def _write_sequence(args):
    from .video import write_mp4
    w, h = args.size
    scenes, truth, rng = sequence_scenes(args.seed, args.classes, args.segment)
    write_mp4(args.out, frame_chunks(scenes, w, h, rng), w, h, bitrate_kbps=args.bitrate)
    tsv = os.path.splitext(args.out)[0] + ".tsv"
    with open(tsv, "w") as f:
        f.write("class\tstart_s\tend_s\n")
        f.writelines(f"{name}\t{start:g}\t{end:g}\n" for name, start, end in truth)
    print(f"wrote {args.out} ({len(truth)} segments of {args.segment:g} s) and {tsv}")


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == "clips":
            _write_clips(args)
        elif args.command == "multi":
            _write_multi(args)
        else:
            _write_sequence(args)
    except (OSError, RuntimeError, ValueError) as e:
        print(f"uniformer-motion-clips: error: {e}", file=sys.stderr)
        return 1
    return 0
