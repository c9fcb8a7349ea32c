#!/usr/bin/python3
"""Builds seeded random-weight light UniFormer (XXS / XS) cases for the engine.

    make_light_case.py CASE OUTDIR [--seed N] [--wrapping W]
    make_light_case.py all OUTDIR          (one subdirectory per case)

OUTDIR receives

* model.pth    the official state_dict (uniformer_light_ref names) in one of the
               official wrappings: training ({"epoch", "model_state",
               "optimizer_state", "cfg"}, cfg recording frames, crop and the
               schedule), raw, model ({"model": sd}) or module ("module." prefix);
* clip.npy     a normalised clip [1,3,T,S,S] float32;
* logits.npy   the reference logits [classes], computed in float64;
* kept.json    per pruned block: stage, block, tokens N, kept K, attn_len, the
               kept set (original token indices, ascending), the two scores at
               the K boundary, the relative gap to the nearest distinct score
               across it (null when every score is equal), and the number of
               scores equal to the K-th when it ties with the (K+1)-th (else 0);
* scores.npz   the scores g after every stage-3/4 block ("stage3.block0", ...),
               float64, in original token order (stage 3's last: pooled);
* case.json    layout, frames, crop, layer scale, schedule, wrapping, the
               converter arguments, the smallest boundary gap, and for the tie
               case the expected kept set.

Weights: fan-in scaled random init (as make_case.py: peaked attention, every
branch O(1)), random BatchNorm statistics and affine, LayerNorm weight
1 + 0.1 randn and bias 0.05 randn, layer-scale gammas uniform in [0.2, 1.2].

Exact comparison needs the kept sets to be the same in the engine, so every
case's seed is picked so that at each pruned block the K-th and (K+1)-th
highest scores differ by at least MIN_GAP relative (boundary swaps otherwise
flip on rounding, spec §9); generation fails if a seed does not give that.

The tie case zeroes the q rows of blocks3.0.attn.qkv (weight and bias): the
cls query's logits are all 0, its attention is exactly uniform in any
implementation, so after stage 3 block 0 all N3 scores are equal and block 1
keeps, by the documented rule (score descending, then index ascending),
tokens 0..K-1.  Later boundaries may cut through the group of dropped tokens
whose scores are still that exact value (ties again, same rule); every value
not equal to the boundary value is at least MIN_GAP away.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uniformer_light_ref as ref  # noqa: E402

# Smallest relative gap (to the K-th score) allowed between distinct scores
# at a pruned block's boundary: an fp32 engine's scores are within ~1e-5 of
# the reference's, so its kept sets are the reference's.  (fp16 arithmetic
# is not: compare its kept sets with tolerance.)
MIN_GAP = 1e-3

# XS at 32x192 takes half a minute in float64; 16x96 keeps every released
# pruning position (stage 3 blocks 1-8, stage 4 blocks 0-2) at 288 / 72 tokens.
# Seeds: the first (from 1) whose boundary gaps are all >= MIN_GAP.
CASES = {
    'xxs8x128': dict(model=ref.XXS, layer_scale=True, frames=8, crop=128, classes=400,
                     wrapping='training', seed=15),
    'xxs16x160': dict(model=ref.XXS, layer_scale=False, frames=16, crop=160, classes=400,
                      wrapping='raw', seed=6),
    'xs16x96': dict(model=ref.XS, layer_scale=True, frames=16, crop=96, classes=174,
                    wrapping='module', seed=1),
    'xxs8x128-ties': dict(model=ref.XXS, layer_scale=True, frames=8, crop=128, classes=400,
                          wrapping='model', seed=2, ties=True),
}
WRAPPINGS = ('training', 'raw', 'model', 'module')
GAINS = {'pos_embed': 0.5, 'conv2': 0.5, 'fc2': 0.5, 'proj': 0.5, 'qkv': 1.5}


def randomize_(model, seed):
    """Fills every tensor of @model's state_dict from a generator seeded @seed."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            parts = name.split('.')
            leaf, owner = parts[-1], parts[-2] if len(parts) > 1 else ''
            if leaf == 'num_batches_tracked':
                t.fill_(1000)
            elif leaf == 'running_mean':
                t.copy_(0.2 * torch.randn(t.shape, generator=g))
            elif leaf == 'running_var':
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif leaf.startswith('gamma_'):
                t.copy_(0.2 + torch.rand(t.shape, generator=g))
            elif name == 'cls_token':
                t.copy_(torch.randn(t.shape, generator=g))
            elif t.dim() >= 2:
                fan_in = t[0].numel()
                std = GAINS.get(owner, 1.0) / math.sqrt(fan_in)
                t.copy_(torch.randn(t.shape, generator=g).clamp_(-2, 2) * std)
            elif leaf == 'weight':  # BatchNorm / LayerNorm scale
                t.copy_(1 + 0.1 * torch.randn(t.shape, generator=g))
            else:
                t.copy_(0.05 * torch.randn(t.shape, generator=g))
    return model


def make_ties_(model):
    """Zeroes stage 3 block 0's q projection: uniform cls attention, equal scores."""
    qkv = model.blocks3[0].attn.qkv
    c = qkv.weight.shape[1]
    with torch.no_grad():
        qkv.weight[:c].zero_()
        qkv.bias[:c].zero_()
    return model


def make_clip(frames, side, seed):
    """A normalised clip ~ N(0,1): a smooth field plus noise, per channel standardised."""
    g = torch.Generator().manual_seed(seed + 7919)
    low = torch.randn((1, 3, max(frames // 4, 1), side // 16, side // 16), generator=g)
    x = F.interpolate(low, size=(frames, side, side), mode='trilinear', align_corners=False)
    x = x / x.std() + 0.5 * torch.randn(x.shape, generator=g)
    x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True)
    return x.float().contiguous()


def cfg_text(case, schedule):
    """A yacs cfg.dump()-style text (block YAML) recording what the converter reads:
    frames, the test crop and the schedule (stage-4 lists as long as the
    defaults', three entries)."""
    def block_list(values, indent):
        return ''.join(f'{" " * indent}- {v:g}\n' for v in values)

    def schedule_lists(stages):
        s3, s4 = stages
        s4 = tuple(s4) + (0.5,) * max(0, 3 - len(s4))
        return ('  - []\n  - []\n  - - ' + f'{s3[0]:g}\n' + block_list(s3[1:], 4)
                + '  - - ' + f'{s4[0]:g}\n' + block_list(s4[1:], 4))

    m = case['model']
    depth = ''.join(f'  - {d}\n' for d in m['depths'])
    return (f"DATA:\n  NUM_FRAMES: {case['frames']}\n  SAMPLING_RATE: {128 // case['frames']}\n"
            f"  TEST_CROP_SIZE: {case['crop']}\n  TRAIN_CROP_SIZE: {case['crop']}\n"
            f"MODEL:\n  ARCH: uniformer\n  MODEL_NAME: Uniformer_light_"
            f"{'ls_' if case['layer_scale'] else ''}fp32\n  NUM_CLASSES: {case['classes']}\n"
            f"UNIFORMER:\n  DEPTH:\n{depth}  HEAD_DIM: {m['head_dim']}\n"
            f"  PRUNE_RATIO:\n{schedule_lists(schedule[0])}"
            f"  TRADE_OFF:\n{schedule_lists(schedule[1])}")


def wrap(sd, wrapping, case, schedule):
    if wrapping == 'raw':
        return sd
    if wrapping == 'model':
        return {'model': sd}
    if wrapping == 'module':
        return {'module.' + k: v for k, v in sd.items()}
    return {'epoch': 30, 'model_state': sd,
            'optimizer_state': {'state': {}, 'param_groups': [{'lr': 1e-4, 'params': []}]},
            'cfg': cfg_text(case, schedule)}


def build(name, seed=None):
    """(model, clip, case dict) of case @name."""
    case = dict(CASES[name])
    case['seed'] = case['seed'] if seed is None else seed
    m = case['model']
    model = ref.LightUniformer(**m, num_classes=case['classes'],
                               layer_scale=case['layer_scale'])
    randomize_(model, case['seed'])
    if case.get('ties'):
        make_ties_(model)
    return model, make_clip(case['frames'], case['crop'], case['seed']), case


@torch.no_grad()
def run64(model, clip):
    """(logits, trace), computed in float64."""
    model = model.double()
    try:
        logits, trace = model.run(clip.double())
    finally:
        model.float()
    return logits[0], trace


def generate(name, outdir, seed=None, wrapping=None):
    """Writes case @name into @outdir; returns its case.json dict. Raises ValueError
    when the seed leaves a boundary gap under MIN_GAP."""
    start = time.time()
    model, clip, case = build(name, seed)
    wrapping = wrapping or case['wrapping']
    logits, trace = run64(model, clip)
    pruned = [r for r in trace if r.kept_set is not None]
    gaps = [r.gap for r in pruned]
    if min(gaps) < MIN_GAP:
        worst = pruned[int(np.argmin(gaps))]
        raise ValueError(f'{name} seed {case["seed"]}: stage {worst.stage} block '
                         f'{worst.block} boundary gap {min(gaps):.2e} < {MIN_GAP:g}; '
                         'pick another seed')
    os.makedirs(outdir, exist_ok=True)
    schedule = (model.prune_ratio, model.trade_off)
    torch.save(wrap(model.state_dict(), wrapping, case, schedule),
               os.path.join(outdir, 'model.pth'))
    np.save(os.path.join(outdir, 'clip.npy'), clip.numpy())
    np.save(os.path.join(outdir, 'logits.npy'), logits.numpy())
    kept = [dict(stage=r.stage, block=r.block, tokens=r.tokens, kept=r.kept,
                 attn_len=r.attn_len, kept_set=r.kept_set, boundary=list(r.boundary),
                 gap=gap if math.isfinite(gap) else None, tied=r.tied)
            for r, gap in zip(pruned, gaps)]  # gap None: every score equal
    with open(os.path.join(outdir, 'kept.json'), 'w') as f:
        json.dump(kept, f)
    np.savez(os.path.join(outdir, 'scores.npz'),
             **{f'stage{r.stage}.block{r.block}': r.scores.numpy() for r in trace})
    convert_args = [] if wrapping == 'training' else [
        '--frames', str(case['frames']), '--crop', str(case['crop'])]
    info = dict(name=name, seed=case['seed'], wrapping=wrapping,
                variant='XXS' if case['model'] is ref.XXS else 'XS',
                **{k: list(v) if isinstance(v, tuple) else v for k, v in case['model'].items()},
                num_classes=case['classes'], layer_scale=case['layer_scale'],
                frames=case['frames'], crop=case['crop'],
                prune_ratio=[list(s) for s in model.prune_ratio],
                trade_off=[list(s) for s in model.trade_off],
                convert_args=convert_args, min_gap=min(gaps),
                tie_rule='score descending, then original token index ascending',
                seconds=round(time.time() - start, 1))
    if case.get('ties'):
        first = pruned[0]
        expected = list(range(first.kept))
        if first.kept_set != expected or first.tied != first.tokens:
            raise AssertionError(f'{name}: stage 3 block 1 kept {first.kept_set[:8]}..., '
                                 f'{first.tied} tied; expected all tied and 0..K-1')
        info['ties'] = dict(stage=3, block=1, tied=first.tied,
                            expected_kept=f'0..{first.kept - 1}',
                            why='blocks3.0 q projection zeroed: all stage-3 scores equal')
    with open(os.path.join(outdir, 'case.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('case', choices=sorted(CASES) + ['all'])
    ap.add_argument('outdir')
    ap.add_argument('--seed', type=int)
    ap.add_argument('--wrapping', choices=WRAPPINGS)
    args = ap.parse_args()
    torch.set_num_threads(2)
    names = sorted(CASES) if args.case == 'all' else [args.case]
    for name in names:
        outdir = os.path.join(args.outdir, name) if args.case == 'all' else args.outdir
        try:
            info = generate(name, outdir, args.seed, args.wrapping)
        except ValueError as e:
            sys.exit(f'make_light_case.py: {e}')
        logits = np.load(os.path.join(outdir, 'logits.npy'))
        print(f'{name}: {info["seconds"]} s, min boundary gap {info["min_gap"]:.2e}, '
              f'logits std {logits.std():.3f}, top5 {np.argsort(-logits)[:5].tolist()}')


if __name__ == '__main__':
    main()
