#!/usr/bin/python3
"""The engine's light UniFormers (XXS / XS, token pruning) against the
project's PyTorch reference (uniformer_light_ref.py, written from
../shared/docs/uniformer-light-spec.md).

Each case (make_light_case.py: random weights, BatchNorm and LayerNorm
statistics and layer-scale values randomised, pruning wherever the released
schedules prune) is saved in one of the official checkpoint wrappings, goes
through $UF_CONVERT as a user's checkpoint would, and the model file is run
by $UF_CLASSIFY on the case's clip:

    max|engine - reference| / max|reference| <= BOUND  and identical top-5,

against the reference's float64 logits. BOUND is the issue's 1e-4 for F32
weights. The kept token sets are compared through the logits: every case's
seeds leave a relative gap of at least make_light_case.MIN_GAP between the
K-th and (K+1)-th scores, far above the engine's fp32 error, and one token
kept or dropped otherwise moves the logits by far more than BOUND (spec
section 9). The ties case makes every stage-3 score equal after block 0, so
its first pruning keeps tokens 0..K-1 only under the documented rule
(score descending, then token index ascending), which tokenrank implements.

A schedule the engine cannot run, written into a model file's metadata by
hand (as a hostile or damaged file would carry it), is refused when the
file loads, with a message naming the key.

    test_light_engine.py [--case NAME] [--keep DIR]

Exits 77 (meson: skipped) when torch is not importable.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_light_case  # noqa: E402

BOUND = 1e-4


def run_case(name, outdir):
    info = make_light_case.generate(name, outdir)
    model = os.path.join(outdir, 'model.safetensors')
    r = subprocess.run([os.environ['UF_CONVERT'], *info['convert_args'],
                        os.path.join(outdir, 'model.pth'), model],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print('%s: uniformer-convert failed:\n%s%s' % (name, r.stdout, r.stderr))
        return False
    out = os.path.join(outdir, 'engine.npy')
    r = subprocess.run([os.environ['UF_CLASSIFY'], '-m', model, '-i',
                        os.path.join(outdir, 'clip.npy'), '-o', out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print('%s: uniformer-classify failed:\n%s%s' % (name, r.stdout, r.stderr))
        return False
    got = np.load(out).astype(np.float64).reshape(-1)
    want = np.load(os.path.join(outdir, 'logits.npy')).astype(np.float64).reshape(-1)
    err = np.abs(got - want).max() / np.abs(want).max()
    top_got, top_want = np.argsort(-got)[:5].tolist(), np.argsort(-want)[:5].tolist()
    ok = err <= BOUND and top_got == top_want
    print('%-14s %s: relative error %.3g (bound %g), top-5 %s%s' % (
        name, 'ok' if ok else 'FAILED', err, BOUND, top_got,
        '' if top_got == top_want else ' (reference %s)' % top_want))
    return ok


def stage4_tokens(md):
    return int(md['frames']) // 2 * (int(md['crop_height']) // 32) * (int(md['crop_width']) // 32)


# metadata edits the engine must refuse (each a function of the value and
# the whole metadata), and the key its message names
BAD_SCHEDULES = [
    ({'stage3_kept_tokens': lambda v, md: '0' + v[v.index(','):]}, 'stage3_kept_tokens'),
    # every stage-4 block keeping all tokens but one
    ({'stage4_kept_tokens': lambda v, md: ','.join([str(stage4_tokens(md) - 1)]
                                                   * len(v.split(',')))},
     'stage4_kept_tokens'),
    # block 0 pruning, consistently with its kept count: the scores come from it
    ({'stage3_prune_ratio': lambda v, md: '0.5' + v[v.index(','):],
      'stage3_kept_tokens': lambda v, md: '128' + v[v.index(','):]}, 'stage3_prune_ratio'),
    ({'stage3_trade_off': lambda v, md: '1.5' + v[v.index(','):]}, 'stage3_trade_off'),
    ({'stage4_prune_ratio': lambda v, md: v + ',0.5'}, 'stage4_prune_ratio'),
]


def with_metadata(src, dst, edits):
    """Copies the safetensors file @src to @dst with @edits applied to its metadata."""
    with open(src, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        rest = f.read()
    md = header['__metadata__']
    for key, edit in edits.items():
        md[key] = edit(md[key], md)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(dst, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + rest)


def run_bad_schedules(outdir):
    """Each edit of the first case's model file is refused, naming its key."""
    ok = True
    for i, (edits, key) in enumerate(BAD_SCHEDULES):
        path = os.path.join(outdir, 'bad%d.safetensors' % i)
        with_metadata(os.path.join(outdir, 'model.safetensors'), path, edits)
        r = subprocess.run([os.environ['UF_CLASSIFY'], '-m', path, '-i',
                            os.path.join(outdir, 'clip.npy')], capture_output=True, text=True)
        good = r.returncode != 0 and key in r.stderr and 'Traceback' not in r.stderr
        print('bad schedule %-20s %s: %s' % (key, 'ok' if good else 'FAILED',
                                            r.stderr.strip().splitlines()[-1:] or r.stdout))
        ok = ok and good
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--case', action='append', choices=sorted(make_light_case.CASES))
    ap.add_argument('--keep', help='write the cases here instead of a temporary folder')
    args = ap.parse_args()
    torch.set_num_threads(2)
    names = args.case or sorted(make_light_case.CASES)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or tmp
        results = [run_case(n, os.path.join(root, n)) for n in names]
        results.append(run_bad_schedules(os.path.join(root, names[0])))
    sys.exit(0 if all(results) else 1)


if __name__ == '__main__':
    main()
