"""The uniformer-convert command line."""

import argparse
import math
import sys

from . import VERSION, light, vit
from .convert import Options, check_options, convert
from .errors import ConvertError, OptionError

PROG = "uniformer-convert"

DESCRIPTION = """\
Converts a video classification checkpoint into a gst-uniformer model file
(docs/model-format.md). The checkpoint is read without PyTorch, and its pickle
may call nothing but the few functions a state_dict needs (other objects, such
as a training checkpoint's argparse.Namespace, are kept as inert data without
importing their module).

Inputs:
  UniFormer (base family, S/B): an official .pth, a raw state_dict or one
    wrapped in 'model' or 'model_state', with or without a 'module.' prefix;
    or a .safetensors state_dict.
  Light UniFormer (XXS/XS, with token pruning): the same containers, with or
    without layer scale.
  TimeSformer (divided space-time): an official .pyth training checkpoint
    ({epoch, model_state, optimizer_state, cfg}, keys 'model.*') or a
    state_dict wrapped in 'model', 'module' or 'state_dict'.
  VideoMAE: an official .pth ({model|module, optimizer, epoch, scaler, args}).
  TimeSformer, ViViT, VideoMAE: a Hugging Face model directory (config.json
    with model.safetensors or pytorch_model.bin; safetensors is preferred).

The output must be a new file, a regular file (replaced atomically, keeping
its permission bits) or a symbolic link to one (the link stays and its target
is replaced); devices, FIFOs, sockets and directories are refused.

UniFormer's attention head size (head_dim) shows in no tensor shape. Without
--head-dim it is taken from the checkpoint where the container records it
(a SlowFast training checkpoint's cfg UNIFORMER.HEAD_DIM, or the metadata of a
gst-uniformer model file given as input), else it is 64 for the released
UniFormer-S/B layouts (depths 3,4,8,3 or 5,8,20,7 with dims 64,128,320,512 and
mlp_ratio 4); any other layout needs --head-dim.

A light UniFormer's head size is the release's (XXS 28, XS 32); its frame
count and input size must be given (--frames, --crop) unless a training
checkpoint's cfg records them (DATA.NUM_FRAMES, DATA.TEST_CROP_SIZE). Its
pruning schedule is the release's (stage 3: 1 then 0.5; stage 4: 0.5; the
same trade-offs) unless the cfg (UNIFORMER.PRUNE_RATIO, TRADE_OFF) or
--prune-ratio / --trade-off say otherwise. Frames are sampled sparsely (the
centre of each of T equal segments) from a window of frames x sampling rate
source frames, by default about 10 s as the releases were tested on.

The video ViTs' head count is config.json's num_attention_heads for a Hugging
Face directory; official checkpoints record none, so it is hidden / 64 (every
released official model; VideoMAE ViT-H, 1280 channels: 16) unless --num-heads
says otherwise. Their preprocessing defaults to the release's (TimeSformer:
8 frames at rate 32, mean 0.45, std 0.225; ViViT: 32 frames at stride 2, [-1,1];
VideoMAE: 16 frames at rate 4, ImageNet mean/std; all RGB at 30 fps), taken
from the checkpoint's cfg or args where recorded. --frames and --crop resize
TimeSformer's time and position embeddings (nearest, as its official code
does); ViViT and VideoMAE take only their own frame count and size."""

EPILOG = """\
examples:
  %(prog)s uniformer_small_k400_16x4.pth k400_s16x4.safetensors --labels kinetics400.txt
  %(prog)s uniformer_small_sthv2_16_prek400.pth ssv2_s16.safetensors --labels ssv2.txt \\
      --color-order bgr --sampling-rate 2 --dtype f16
  %(prog)s my_small_uniformer.pth mine.safetensors --head-dim 32   # a custom layout
  %(prog)s uniformer_xxs8_128_k400.pth xxs8_128.safetensors --frames 8 --crop 128 \\
      --labels kinetics400.txt
  %(prog)s xs32_192.pth xs.safetensors --frames 32 --crop 192 \\
      --prune-ratio 1,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5/0.5,0.5,0.5
  %(prog)s TimeSformer_divST_8x32_224_K400.pyth timesformer.safetensors --labels k400.txt
  %(prog)s timesformer-base-finetuned-k400/ timesformer.safetensors   # labels from id2label
  %(prog)s videomae-base-finetuned-kinetics/ videomae.safetensors --dtype f16"""


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


def _schedule(text):
    """'S3/S4': one comma-separated value per stage-3 block, then per stage-4 block."""
    stages = text.split("/")
    if len(stages) != 2 or not all(stage.strip() for stage in stages):
        raise argparse.ArgumentTypeError(f"{text!r} is not STAGE3/STAGE4 (comma-separated "
                                         "values per block, e.g. 1,0.5,0.5/0.5,0.5)")
    return tuple(tuple(_float(v) for v in stage.split(",")) for stage in stages)


def parser():
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="the .pth, .pyth or .safetensors checkpoint, or a "
                                      "Hugging Face model directory")
    p.add_argument("output", help="the model file to write: a new or regular file, replaced "
                                  "atomically, or a symbolic link to one (written through)")
    p.add_argument("--frames", type=_int, metavar="N",
                   help="frames per window (UniFormer: even, default 16; light UniFormer: "
                        "even, required unless the cfg records it; TimeSformer: the "
                        "checkpoint's, another count resizes time_embed; ViViT, VideoMAE: "
                        "their own only)")
    p.add_argument("--sampling-rate", type=_int, metavar="N",
                   help="the window takes every N-th frame (default: the checkpoint's cfg "
                        "or args, else the release's: UniFormer 4; TimeSformer 32 at 8 "
                        "frames, 16 at 16, 4 at 96, others must be given; ViViT 2; "
                        "VideoMAE 4; light UniFormer: round(10 s x source fps / frames), a "
                        "window of about 10 s sampled sparsely)")
    p.add_argument("--source-fps", type=_float, metavar="FPS",
                   help="frame rate the sampling rate refers to (default 30)")
    p.add_argument("--crop", type=_crop, metavar="SIZE|HxW",
                   help="input size (UniFormer: sides multiples of 32, default 224; light "
                        "UniFormer: the same, required unless the cfg records it; the video "
                        "ViTs: multiples of the patch size, default the checkpoint's; "
                        "TimeSformer resizes pos_embed for another size)")
    p.add_argument("--labels", metavar="FILE",
                   help="class names in head order: one per line, 'name<TAB>index' or "
                        "'name index' lines, or JSON (array, or object name -> index); "
                        "default config.json's id2label where there is one, else "
                        "'class 0'..'class K-1'")
    p.add_argument("--color-order", choices=("rgb", "bgr"),
                   help="channel order the model was trained on (bgr for UniFormer's "
                        "Something-Something; default rgb)")
    p.add_argument("--dtype", choices=("f32", "f16"), default="f32",
                   help="f16 stores tensors of 2+ dimensions as float16 (default %(default)s)")
    p.add_argument("--name", help="model name shown to users (default: checkpoint file stem, "
                                  "or the directory name)")
    p.add_argument("--head-dim", type=_int, metavar="N",
                   help="UniFormer: channels per attention head in stages 3-4 "
                        "(UNIFORMER.HEAD_DIM); not visible in shapes. Must divide the stage 3 "
                        "and 4 dims and be a multiple of 4. Default: the value the checkpoint "
                        "records, else 64 for a released UniFormer-S/B layout; required for "
                        "any other layout")
    p.add_argument("--num-heads", type=_int, metavar="N",
                   help="TimeSformer, ViViT, VideoMAE: attention heads (not visible in "
                        "shapes). Default: config.json's num_attention_heads, else hidden/64 "
                        "(16 for VideoMAE ViT-H); hidden/N must be a multiple of 4")
    p.add_argument("--mean", type=_triple, metavar="M[,M,M]",
                   help="per-channel mean on [0,1] pixels, model channel order (default: "
                        "the family's, UniFormer and TimeSformer 0.45)")
    p.add_argument("--std", type=_triple, metavar="S[,S,S]",
                   help="per-channel std (default: the family's, UniFormer and TimeSformer "
                        "0.225)")
    p.add_argument("--prune-ratio", type=_schedule, metavar="S3/S4",
                   help="light UniFormers: the share of tokens each stage-3 and stage-4 block "
                        "keeps, one value per block, stages separated by '/' (stage 3 block "
                        "0 must be 1); default: the checkpoint's cfg, else the release's "
                        "(1,0.5,...,0.5/0.5,...)")
    p.add_argument("--trade-off", type=_schedule, metavar="S3/S4",
                   help="light UniFormers: how much each block's attention updates the token "
                        "scores (0 to 1), same form; default: the cfg's, else the prune "
                        "ratios' release values")
    p.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    return p


def summary(output, a, how, source, dtype):
    """The line printed after a conversion."""
    if isinstance(a, light.Converted):
        la, sched, pre = a.arch, a.schedule, a.pre
        kind = la.variant or "custom layout"
        scale = "layer scale folded" if la.layer_scale else "no layer scale"
        return (f"{output}: UniFormer light {kind}, depths {','.join(map(str, la.depths))}, "
                f"dims {','.join(map(str, la.dims))}, head_dim {la.head_dim} "
                f"({a.head_dim_source}), {scale}, {la.num_classes} classes, {pre.frames} frames "
                f"of {pre.crop[0]}x{pre.crop[1]} (window {pre.frames * pre.sampling_rate} "
                f"frames), kept tokens {','.join(map(str, sched.kept[0]))}/"
                f"{','.join(map(str, sched.kept[1]))} ({a.schedule_source}), {dtype} "
                f"(from {how})")
    if isinstance(a, vit.Converted):
        a, pre = a.arch, a.pre
        return (f"{output}: {vit.TITLE[a.family]} hidden {a.hidden}, depth {a.depth}, "
                f"{a.num_heads} heads ({source}), mlp {a.mlp_dim}, {a.num_classes} classes, "
                f"{pre.frames} frames of {pre.crop[0]}x{pre.crop[1]}, {dtype} (from {how})")
    return (f"{output}: UniFormer depths {','.join(map(str, a.depths))}, dims "
            f"{','.join(map(str, a.dims))}, head_dim {a.head_dim} ({source}), "
            f"{a.num_classes} classes, {dtype} (from {how})")


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    opts = Options(frames=args.frames, sampling_rate=args.sampling_rate,
                   source_fps=args.source_fps, crop=args.crop, labels=args.labels,
                   color_order=args.color_order, dtype=args.dtype, name=args.name,
                   head_dim=args.head_dim, mean=args.mean, std=args.std,
                   num_heads=args.num_heads, prune_ratio=args.prune_ratio,
                   trade_off=args.trade_off)
    try:
        check_options(opts)
    except ConvertError as e:
        p.error(str(e))  # a bad option value is a usage error: exit status 2
    try:
        a, how, source = convert(args.checkpoint, args.output, opts)
    except OptionError as e:
        p.error(str(e))  # an option the checkpoint cannot take: a usage error too
    except ConvertError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"{PROG}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(summary(args.output, a, how, source, opts.dtype))
    return 0
