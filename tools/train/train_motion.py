#!/usr/bin/python3
"""Trains the shipped motion model: a small UniFormer (dims 32/64/128/256,
depths 1/1/2/1, head_dim 32) on generated motion clips, 8 frames every 4th
frame at 30 fps, 64x64 input, on the CPU with PyTorch.

Writes a state_dict with the official key names (.pth) for tools/uniformer-convert
and prints the validation accuracy every 250 steps and the training time.

  /usr/bin/python3 tools/train/train_motion.py --seed 1 --out /tmp/motion.pth
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))
from motionclips import CLASSES  # noqa: E402
from uniformer_ref import Uniformer  # noqa: E402

from augment import augment  # noqa: E402
from dataset import make_set  # noqa: E402
from stem_init import motion_stem_init  # noqa: E402

ARCH = dict(depths=(1, 1, 2, 1), dims=(32, 64, 128, 256), head_dim=32, mlp_ratio=4)
FRAMES, SAMPLING_RATE, CROP = 8, 4, 64
MEAN, STD = 0.45, 0.225
WARMUP_STEPS = 30
PLAIN_SEED_OFFSET = 1000  # plain clips: base seed S+1000
EVAL_EVERY = 250


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1,
                   help="seed of everything: training clips use base seed S, validation S+1 "
                        "(default 1; held-out tests must use other seeds)")
    p.add_argument("--train-clips", type=int, default=6000, help="training clips (default 6000)")
    p.add_argument("--val-clips", type=int, default=450, help="validation clips (default 450)")
    p.add_argument("--plain-clips", type=int, default=1800,
                   help="clutter-free clips for the first steps (default 1800, base seed S+1000)")
    p.add_argument("--plain-steps", type=int, default=350,
                   help="steps on the clutter-free clips before the full ones (default 350)")
    p.add_argument("--steps", type=int, default=2000, help="steps on the full clips (default 2000)")
    p.add_argument("--batch", type=int, default=32, help="batch size (default 32)")
    p.add_argument("--lr", type=float, default=1e-3, help="peak AdamW learning rate (default 1e-3)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--workers", type=int, default=2, help="processes rendering clips (default 2)")
    p.add_argument("--cache", help="directory keeping the rendered clips between runs "
                   "(an .npz per seed and count; rendering takes minutes)")
    p.add_argument("--init", metavar="PTH", help="continue from this state_dict (a second "
                   "stage: give --plain-steps 0) instead of the motion-tuned initialisation")
    p.add_argument("--out", required=True, help="the .pth state_dict to write")
    return p.parse_args()


def cached_set(cache, seed, count, workers, plain=False):
    kind = "plain" if plain else "motion"
    path = cache and os.path.join(cache, f"{kind}-{seed}-{count}-{FRAMES}x{SAMPLING_RATE}-{CROP}.npz")
    if path and os.path.exists(path):
        with np.load(path) as f:
            return f["x"], f["y"]
    x, y = make_set(seed, count, FRAMES, SAMPLING_RATE, CROP, workers, plain)
    if path:
        os.makedirs(cache, exist_ok=True)
        np.savez(path + ".tmp.npz", x=x, y=y)
        os.replace(path + ".tmp.npz", path)
    return x, y


def evaluate(model, pixels, labels, batch):
    model.eval()
    correct = np.zeros(len(CLASSES), np.int64)
    total = np.zeros(len(CLASSES), np.int64)
    with torch.no_grad():
        for i in range(0, len(labels), batch):
            x = torch.from_numpy(pixels[i:i + batch]).permute(0, 4, 1, 2, 3).float() / 255.0
            pred = model((x - MEAN) / STD).argmax(1).numpy()
            y = labels[i:i + batch]
            np.add.at(total, y, 1)
            np.add.at(correct, y, pred == y)
    model.train()
    return correct.sum() / total.sum(), correct / np.maximum(total, 1)


def batches(count, batch, gen):
    """Endless shuffled mini-batches of indices into a set of @count clips."""
    if count < batch:
        raise SystemExit(f"train_motion.py: {count} clips make no batch of {batch}")
    while True:
        order = torch.randperm(count, generator=gen).numpy()
        for i in range(0, count - batch + 1, batch):
            yield np.sort(order[i:i + batch])


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    plain_x, plain_y = np.zeros((0,)), np.zeros((0,), np.int64)
    if args.plain_steps:
        plain_x, plain_y = cached_set(args.cache, args.seed + PLAIN_SEED_OFFSET, args.plain_clips,
                                      args.workers, plain=True)
    train_x, train_y = cached_set(args.cache, args.seed, args.train_clips, args.workers)
    val_x, val_y = cached_set(args.cache, args.seed + 1, args.val_clips, args.workers)
    print(f"rendered {len(plain_y)} plain + {len(train_y)} training + {len(val_y)} validation "
          f"clips in {time.time() - t0:.0f} s", flush=True)

    model = Uniformer(num_classes=len(CLASSES), **ARCH)
    model.train()
    if args.init:
        model.load_state_dict(torch.load(args.init))
    else:
        motion_stem_init(model)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    total_steps = args.plain_steps + args.steps

    def lr_at(step):
        if step < WARMUP_STEPS and not args.init:
            return args.lr * (step + 1) / WARMUP_STEPS
        if step < args.plain_steps:
            return args.lr
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - args.plain_steps) / args.steps))

    t1 = time.time()
    plain_batches = batches(len(plain_y), args.batch, gen) if args.plain_steps else None
    train_batches = batches(len(train_y), args.batch, gen)
    loss_sum, seen = 0.0, 0
    for step in range(total_steps):
        # Curriculum: clutter-free clips first, until the motion features exist.
        xs, ys, order = ((plain_x, plain_y, plain_batches) if step < args.plain_steps
                         else (train_x, train_y, train_batches))
        idx = next(order)
        x, y = augment(torch.from_numpy(xs[idx]), torch.from_numpy(ys[idx]), gen)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        loss = F.cross_entropy(model((x - MEAN) / STD), y, label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(idx)
        loss_sum += loss.item() * len(idx)
        if (step + 1) % EVAL_EVERY == 0 or step + 1 == total_steps:
            acc, per_class = evaluate(model, val_x, val_y, 64)
            print(f"step {step + 1}/{total_steps}: loss {loss_sum / seen:.4f}, validation top-1 "
                  f"{acc * 100:.2f}% (per class {' '.join(f'{a * 100:.0f}' for a in per_class)}), "
                  f"{time.time() - t1:.0f} s", flush=True)
            loss_sum, seen = 0.0, 0
            torch.save(model.state_dict(), args.out)
    print(f"training took {time.time() - t1:.0f} s ({time.time() - t0:.0f} s with rendering); "
          f"wrote {args.out}")


if __name__ == "__main__":
    main()
