#!/usr/bin/python3
"""PyTorch side of the speed benchmark: median time of the reference per clip.

    bench_torch.py --config s8|s16 [--input CLIP.npy] [--weights model.pth] [--runs N]
        [--device cpu|cuda] [--fp16-autocast]

Runs UniFormer-S (uniformer_ref) at T x 224 x 224, batch 1, 2 threads (the
machine's cores; torch defaults to 1 here), eval + inference_mode, after one
untimed warm-up.  Prints `torch_ms_per_clip=<median ms>` on its own line for
scripts, and the top-5 so the engine's answer on the same input can be checked.
Without --weights the make_case random weights (seeded) are used; without
--input a seeded make_case clip. With --device cuda it is the GPU peer
(eager, batch 1; --fp16-autocast runs it under torch.autocast fp16), timed
with the device synchronised around each clip.
"""
import contextlib
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_case  # noqa: E402
from uniformer_ref import S_CONFIG, Uniformer  # noqa: E402

FRAMES = {'s8': 8, 's16': 16}


def load_model(weights, num_classes, seed):
    if weights is None:
        return make_case.make_model(dict(S_CONFIG, num_classes=num_classes), seed)
    sd = torch.load(weights, map_location='cpu')
    sd = sd.get('model_state', sd.get('model', sd))  # spec 2: tolerate wrappers
    sd = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in sd.items()}
    model = Uniformer(**dict(S_CONFIG, num_classes=sd['head.weight'].shape[0]))
    model.load_state_dict(sd, strict=True)
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--config', choices=sorted(FRAMES), required=True)
    ap.add_argument('--input', metavar='CLIP.npy', help='float32 [1,3,T,224,224], normalised')
    ap.add_argument('--weights', metavar='model.pth')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    ap.add_argument('--fp16-autocast', action='store_true')
    args = ap.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        sys.exit('--device cuda: this torch sees no CUDA device')
    torch.set_num_threads(args.threads)

    frames = FRAMES[args.config]
    if args.input:
        clip = torch.from_numpy(np.load(args.input).astype(np.float32))
        if tuple(clip.shape) != (1, 3, frames, 224, 224):
            sys.exit('input shape %s, expected %s' % (tuple(clip.shape), (1, 3, frames, 224, 224)))
    else:
        clip = make_case.make_clip(frames, (224, 224), args.seed)
    model = load_model(args.weights, 400, args.seed).to(args.device)
    clip = clip.to(args.device)
    sync = torch.cuda.synchronize if args.device == 'cuda' else (lambda: None)
    autocast = (torch.autocast(args.device, dtype=torch.float16) if args.fp16_autocast
                else contextlib.nullcontext())

    times = []
    with torch.inference_mode(), autocast:
        logits = model(clip)[0]  # warm-up (allocator, oneDNN primitive caches, kernels)
        for _ in range(args.runs):
            sync()
            t0 = time.perf_counter()
            logits = model(clip)[0]
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
    logits = logits.float().cpu()
    top = torch.topk(logits, 5)
    print('runs_ms=%s' % ','.join('%.1f' % t for t in times))
    print('top5=%s' % ','.join(map(str, top.indices.tolist())))
    print('top5_logits=%s' % ','.join('%.5f' % v for v in top.values.tolist()))
    print('torch_ms_per_clip=%.1f' % statistics.median(times))


if __name__ == '__main__':
    main()
