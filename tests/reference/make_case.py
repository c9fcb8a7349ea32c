#!/usr/bin/python3
"""Builds one seeded random-weight fidelity case: model.pth, clip.npy, logits.npy.

    make_case.py CASE OUTDIR [--seed N] [--f16 | --f32]

Weights are random but *every* parameter and BatchNorm statistic is non-trivial
(random running_mean / running_var, random norm affine parameters) so that a
wrong BN fold, a swapped eps, a missing bias or a mis-ordered head shows up in
the logits.  Weights use a fan-in scaled init instead of the official
trunc-normal(0.02): with 0.02 every residual branch is a few percent of the
stream and attention is nearly uniform, which would hide head-split and
token-order bugs; scaled init keeps each branch O(1) and attention peaked.

The reference logits are computed in float64, so a fidelity bound measures the
engine's arithmetic, not PyTorch's float32 rounding as well.

F16 cases: the engine folds each eval BatchNorm into the 1x1 conv or linear
layer after it (W diag(s), s = gamma/sqrt(var+eps)) and stores the product as
float16 again, which rounds the folded weights a second time.  So that the
engine still computes with exactly the weights the reference uses, F16 cases
draw running_var so that every s is a power of two (1, 2 or 4); W * s is then
exact in float16.  running_mean, beta and the bias shift stay random, and the
F32 cases keep fully random BatchNorm statistics.
"""
import argparse
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uniformer_ref import S_CONFIG, Uniformer  # noqa: E402

SMALL_CONFIG = dict(depths=(1, 1, 2, 1), dims=(32, 64, 128, 256), head_dim=32,
                    mlp_ratio=4, num_classes=174)
# UniFormer-B's layout (spec §1.1): 190 MiB of F32 weights, more than one
# descriptor covers on lavapipe (128 MiB), at a small input so the reference
# stays quick.
B_CONFIG = dict(S_CONFIG, depths=(5, 8, 20, 7))

# name -> model config, input size and weight dtype of the engine's model file.
# Seeds are picked so the top-6 logits are >= 1% of max|logit| apart: within
# test_network.py's error bounds the top-5 then cannot flip (test_reference.py
# checks this).
CASES = {
    's8': dict(model=S_CONFIG, frames=8, crop=(224, 224), dtype='f32', seed=9),
    'small32': dict(model=SMALL_CONFIG, frames=32, crop=(96, 160), dtype='f16', seed=33),
    'b8': dict(model=B_CONFIG, frames=8, crop=(64, 64), dtype='f32', seed=1),
}

# Gain g in std = g / sqrt(fan_in), per module-name suffix.  Branch outputs
# (conv2, fc2, proj, pos_embed) get 0.5 so the residual stream grows slowly;
# qkv gets 1.5 so attention logits have std ~2 (peaked, not uniform).
GAINS = {'pos_embed': 0.5, 'conv2': 0.5, 'fc2': 0.5, 'proj': 0.5, 'qkv': 1.5}


def _trunc_normal(shape, std, g):
    # Clamped at +-2 std rather than resampled: only the scale matters here.
    return (torch.randn(shape, generator=g).clamp_(-2, 2) * std)


def randomize_(model, seed):
    """Fills every tensor of @model's state_dict from a generator seeded @seed."""
    g = torch.Generator().manual_seed(seed)
    sd = model.state_dict()
    for name, t in sd.items():
        parts = name.split('.')
        leaf, owner = parts[-1], parts[-2]
        if leaf == 'num_batches_tracked':
            t.fill_(1000)  # unused at inference; any value, as torch saves it
        elif leaf == 'running_mean':
            t.copy_(0.2 * torch.randn(t.shape, generator=g))
        elif leaf == 'running_var':
            t.copy_(0.5 + torch.rand(t.shape, generator=g))  # in [0.5, 1.5)
        elif t.dim() >= 2:  # conv / linear weight
            fan_in = t[0].numel()
            gain = GAINS.get(owner, 1.0)  # patch-embed 'proj' too: LN follows it
            t.copy_(_trunc_normal(t.shape, gain / math.sqrt(fan_in), g))
        elif leaf == 'weight':  # LayerNorm / BatchNorm scale
            t.copy_(1 + 0.1 * torch.randn(t.shape, generator=g))
        else:  # every bias, including norm shifts
            t.copy_(0.05 * torch.randn(t.shape, generator=g))
    return model


# BatchNorm scales gamma/sqrt(var+eps) of the F16 cases (see the docstring).
EXACT_FOLD_SCALES = (1.0, 2.0, 4.0)


def exact_bn_fold_(model, seed):
    """Sets every BatchNorm's running_var so that gamma/sqrt(var+eps) is one of
    EXACT_FOLD_SCALES, chosen per channel from a generator seeded @seed."""
    g = torch.Generator().manual_seed(seed + 104729)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                pick = torch.randint(len(EXACT_FOLD_SCALES), m.running_var.shape, generator=g)
                s = torch.tensor(EXACT_FOLD_SCALES, dtype=torch.float64)[pick]
                var = (m.weight.double() / s) ** 2 - m.eps
                m.running_var.copy_(var.float())
    return model


def round_f16_(model):
    """Rounds the >=2-D tensors (what the F16 model file stores as F16) in place."""
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.dim() >= 2:
                t.copy_(t.half().float())
    return model


def make_model(cfg, seed, f16=False):
    model = randomize_(Uniformer(**cfg), seed)
    return round_f16_(exact_bn_fold_(model, seed)) if f16 else model


def make_clip(frames, crop, seed):
    """A normalised clip [1,3,T,H,W] ~ N(0,1) with spatio-temporal structure
    (smooth field + noise), so different clips give clearly different logits."""
    g = torch.Generator().manual_seed(seed + 7919)
    h, w = crop
    low = torch.randn((1, 3, max(frames // 4, 1), h // 16, w // 16), generator=g)
    x = F.interpolate(low, size=(frames, h, w), mode='trilinear', align_corners=False)
    x = x / x.std() + 0.5 * torch.randn(x.shape, generator=g)
    x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True)
    return x.float().contiguous()


@torch.no_grad()
def run(model, clip):
    return model(clip)[0].float()


@torch.no_grad()
def run64(model, clip):
    """The logits computed in float64 (on a copy of @model), returned as float64."""
    return copy.deepcopy(model).double()(clip.double())[0]


def generate(name, outdir, seed=None, f16=None):
    """Writes the case into @outdir and returns a dict describing it."""
    case = CASES[name]
    seed = case['seed'] if seed is None else seed
    f16 = case['dtype'] == 'f16' if f16 is None else f16
    model = make_model(case['model'], seed, f16)
    clip = make_clip(case['frames'], case['crop'], seed)
    logits = run64(model, clip)
    os.makedirs(outdir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(outdir, 'model.pth'))
    np.save(os.path.join(outdir, 'clip.npy'), clip.numpy())
    np.save(os.path.join(outdir, 'logits.npy'), logits.numpy())
    info = dict(name=name, seed=seed, dtype='f16' if f16 else 'f32',
                frames=case['frames'], crop=list(case['crop']),
                **{k: list(v) if isinstance(v, tuple) else v for k, v in case['model'].items()})
    with open(os.path.join(outdir, 'case.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('case', choices=sorted(CASES))
    ap.add_argument('outdir')
    ap.add_argument('--seed', type=int)
    dt = ap.add_mutually_exclusive_group()
    dt.add_argument('--f16', dest='f16', action='store_const', const=True,
                    help='round >=2-D weights to float16 before running the reference')
    dt.add_argument('--f32', dest='f16', action='store_const', const=False)
    args = ap.parse_args()
    torch.set_num_threads(2)
    info = generate(args.case, args.outdir, args.seed, args.f16)
    logits = np.load(os.path.join(args.outdir, 'logits.npy'))
    print(json.dumps(info))
    print('logits: std %.3f max|.| %.3f top5 %s' % (
        logits.std(), np.abs(logits).max(), np.argsort(-logits)[:5].tolist()))


if __name__ == '__main__':
    main()
