"""The uniformer-convert command line."""

import argparse
import math
import sys

from . import VERSION
from .convert import Options, check_options, convert
from .errors import ConvertError

PROG = "uniformer-convert"

DESCRIPTION = """\
Converts an official UniFormer video checkpoint (.pth, a raw state_dict or one
wrapped in 'model' or 'model_state', with or without a 'module.' prefix; or a
.safetensors state_dict) into a gst-uniformer model file. Only the base family
(UniFormer-S/B) is supported. The checkpoint is read without PyTorch, and its
pickle may reference nothing but the few classes a state_dict needs.

The output must be a new file, a regular file (replaced atomically, keeping
its permission bits) or a symbolic link to one (the link stays and its target
is replaced); devices, FIFOs, sockets and directories are refused.

The attention head size (head_dim) shows in no tensor shape. Without
--head-dim it is taken from the checkpoint where the container records it
(a SlowFast training checkpoint's cfg UNIFORMER.HEAD_DIM, or the metadata of a
gst-uniformer model file given as input), else it is 64 for the released
UniFormer-S/B layouts (depths 3,4,8,3 or 5,8,20,7 with dims 64,128,320,512 and
mlp_ratio 4); any other layout needs --head-dim."""

EPILOG = """\
examples:
  %(prog)s uniformer_small_k400_16x4.pth k400_s16x4.safetensors --labels kinetics400.txt
  %(prog)s uniformer_small_sthv2_16_prek400.pth ssv2_s16.safetensors --labels ssv2.txt \\
      --color-order bgr --sampling-rate 2 --dtype f16
  %(prog)s my_small_uniformer.pth mine.safetensors --head-dim 32   # a custom layout"""


def _int(text):
    try:
        return int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer")


def _float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _crop(text):
    sides = text.lower().split("x")
    if len(sides) not in (1, 2):
        raise argparse.ArgumentTypeError(f"{text!r} is not SIZE or HEIGHTxWIDTH")
    sides = [_int(s) for s in sides]
    return (sides[0], sides[-1])


def _triple(text):
    values = [_float(v) for v in text.split(",")]
    if len(values) == 1:
        values *= 3
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: give one value or three, comma-separated")
    return tuple(values)


def parser():
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="the .pth or .safetensors checkpoint")
    p.add_argument("output", help="the model file to write: a new or regular file, replaced "
                                  "atomically, or a symbolic link to one (written through)")
    d = Options()
    p.add_argument("--frames", type=_int, metavar="N", default=d.frames,
                   help="frames per window, even (default %(default)s)")
    p.add_argument("--sampling-rate", type=_int, metavar="N", default=d.sampling_rate,
                   help="the window takes every N-th frame (default %(default)s)")
    p.add_argument("--source-fps", type=_float, metavar="FPS", default=d.source_fps,
                   help="frame rate the sampling rate refers to (default 30)")
    p.add_argument("--crop", type=_crop, default=d.crop, metavar="SIZE|HxW",
                   help="input size, sides multiples of 32 (default 224)")
    p.add_argument("--labels", metavar="FILE",
                   help="class names in head order: one per line, 'name<TAB>index' or "
                        "'name index' lines, or JSON (array, or object name -> index); "
                        "default 'class 0'..'class K-1'")
    p.add_argument("--color-order", choices=("rgb", "bgr"), default=d.color_order,
                   help="channel order the model was trained on (bgr for "
                        "Something-Something; default %(default)s)")
    p.add_argument("--dtype", choices=("f32", "f16"), default=d.dtype,
                   help="f16 stores tensors of 2+ dimensions as float16 (default %(default)s)")
    p.add_argument("--name", help="model name shown to users (default: checkpoint file stem)")
    p.add_argument("--head-dim", type=_int, metavar="N", default=d.head_dim,
                   help="channels per attention head in stages 3-4 (UNIFORMER.HEAD_DIM); "
                        "not visible in shapes. Must divide the stage 3 and 4 dims and be a "
                        "multiple of 4. Default: the value the checkpoint records, else 64 "
                        "for a released UniFormer-S/B layout; required for any other layout")
    p.add_argument("--mean", type=_triple, default=d.mean, metavar="M[,M,M]",
                   help="per-channel mean on [0,1] pixels, model channel order (default 0.45)")
    p.add_argument("--std", type=_triple, default=d.std, metavar="S[,S,S]",
                   help="per-channel std (default 0.225)")
    p.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    opts = Options(frames=args.frames, sampling_rate=args.sampling_rate,
                   source_fps=args.source_fps, crop=args.crop, labels=args.labels,
                   color_order=args.color_order, dtype=args.dtype, name=args.name,
                   head_dim=args.head_dim, mean=args.mean, std=args.std)
    try:
        check_options(opts)
    except ConvertError as e:
        p.error(str(e))  # a bad option value is a usage error: exit status 2
    try:
        a, how, head_dim_source = convert(args.checkpoint, args.output, opts)
    except ConvertError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"{PROG}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"{args.output}: UniFormer depths {','.join(map(str, a.depths))}, dims "
          f"{','.join(map(str, a.dims))}, head_dim {a.head_dim} ({head_dim_source}), "
          f"{a.num_classes} classes, {opts.dtype} (from {how})")
    return 0
