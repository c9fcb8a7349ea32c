#!/usr/bin/python3
"""Whole-network fidelity: engine logits vs. the PyTorch reference.

For each case of make_case.CASES: generate a seeded random-weight checkpoint and
clip, convert it with $UF_CONVERT, run $UF_CLASSIFY, and require

    least <= max|engine - reference| / max|reference| <= bound  and  identical top-5,

with (least, bound) chosen by the arithmetic the engine reports on its
"engine paths:" line:

* fp32 arithmetic: (0, FP32_BOUND).  The reference is computed in float64
  (make_case.run64), so the error is the engine's own float32 rounding.  For
  the F16 case, make_case rounds every tensor of two or more dimensions to
  float16 before running the reference, and those are exactly the tensors the
  F16 model file stores as F16 (the 1-D ones stay F32); it also draws the
  BatchNorm statistics so that the engine's BatchNorm folding is exact in
  float16 (make_case explains).  The engine therefore computes with
  bit-identical weights in both cases, and the F16 case is held to the same
  bound as the F32 one.  FP32_BOUND is 4x the worst error measured on lavapipe,
  over both cases and both tuning rows (lavapipe's and the GPUs'), when the
  bound was set.

* fp16 arithmetic or cooperative matrices (UF_TUNING=row=gpu on a device with
  shaderFloat16, the network-fidelity-gpu-fp16 test; a GPU's own row): every
  GEMM and attention rounds its inputs to fp16 (unit roundoff 4.9e-4) and sums
  short runs in fp16, which the op tests bound at 3e-3 per op.  FP16_BOUND is
  that same 3e-3, over twice the worst error measured through the network on
  lavapipe and below the 1% spacing of the top-6 logits that the seeds keep,
  so the top-5 check stays sharp.  FP16_LEAST is 2e-5, as in the op tests: the
  fp16 rounding of the inputs alone leaves more than 10x that, and fp32
  arithmetic stays more than 10x below it, so an error under it means the fp16
  path did not run although the engine said it would.

With --fp16 the fp16 arithmetic path is required: where the engine reports that
it does not take it, the test fails if the device has shaderFloat16
($UF_DEVICE_CAPS says) and is skipped (exit 77) if not.

    test_network.py [--case NAME] [--keep DIR] [--fp16] [--bound B]

Exits 77 (meson: skipped) when torch is not importable.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_case  # noqa: E402

FP32_BOUND = 4e-6
FP16_BOUND = 3e-3
FP16_LEAST = 2e-5
# Real label lists (one name per line, or name<TAB>index) so the converter gets
# a file of the right length; the names themselves do not matter here.
LABELS = {400: 'kinetics400.txt', 174: 'ssv2.txt', 600: 'kinetics600.txt'}


def labels_file(num_classes):
    shared = os.environ.get('UF_SHARED_DIR', os.path.join(HERE, '..', '..', '..', 'shared'))
    path = os.path.join(shared, 'data', 'labels', LABELS.get(num_classes, ''))
    return path if os.path.isfile(path) else None


def tool_cmd(path):
    """The converter is a Python script: run it with this (Debian) interpreter
    rather than trusting its shebang, which may name a torch-less python3."""
    with open(path, 'rb') as f:
        first = f.readline()
    return [sys.executable, path] if b'python' in first else [path]


def uses_fp16(paths):
    """Whether the engine's "engine paths:" line says it rounds to fp16 anywhere."""
    return 'fp16 arithmetic: yes' in paths or 'cooperative matrix: none' not in paths


def device_has_float16():
    """Whether the device has shaderFloat16, from $UF_DEVICE_CAPS (device-caps.c)."""
    caps = os.environ.get('UF_DEVICE_CAPS')
    if not caps:
        raise ValueError('set UF_DEVICE_CAPS for --fp16')
    out = subprocess.run([caps], check=True, stdout=subprocess.PIPE, text=True).stdout
    return 'shaderFloat16: yes' in out.splitlines()


def compare(got, want, bound, least=0.0):
    """Returns (ok, message) for engine logits @got vs reference @want."""
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    want = np.asarray(want, dtype=np.float64).reshape(-1)
    if got.shape != want.shape:
        return False, 'shape %s, expected %s' % (got.shape, want.shape)
    if not np.all(np.isfinite(got)):
        return False, 'non-finite logits'
    rel = np.abs(got - want).max() / np.abs(want).max()
    top_got, top_want = np.argsort(-got)[:5].tolist(), np.argsort(-want)[:5].tolist()
    ok = bool(least <= rel <= bound) and top_got == top_want
    msg = 'max|dlogit|/max|logit| = %.3e (bounds [%.0e, %.0e]), max|dlogit| = %.3e, ' \
          'top-5 engine %s reference %s' % (rel, least, bound, np.abs(got - want).max(),
                                            top_got, top_want)
    if rel < least:
        msg += ': below %.0e, the fp16 path did not run' % least
    return ok, msg


def run_case(name, workdir, convert, classify, args):
    """Returns True (pass), False (fail) or None (skipped: no fp16 path)."""
    info = make_case.generate(name, workdir)
    j = lambda f: os.path.join(workdir, f)  # noqa: E731
    h, w = info['crop']
    cmd = tool_cmd(convert) + [
        j('model.pth'), j('model.safetensors'), '--frames', str(info['frames']),
        '--crop', '%dx%d' % (h, w), '--dtype', info['dtype'],
        '--head-dim', str(info['head_dim'])]
    labels = labels_file(info['num_classes'])
    if labels:
        cmd += ['--labels', labels]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True)
    t1 = time.monotonic()
    run = subprocess.run([classify, '--model', j('model.safetensors'),
                          '--input-npy', j('clip.npy'), '--logits-npy', j('out.npy'),
                          '--top-k', '5'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    t2 = time.monotonic()
    sys.stderr.write(run.stderr)
    run.check_returncode()
    paths = [ln for ln in run.stderr.splitlines() if ln.startswith('engine paths:')]
    if not paths:
        raise ValueError('%s printed no "engine paths:" line' % classify)
    fp16 = uses_fp16(paths[0])
    if args.fp16 and not fp16:
        if device_has_float16():
            print('FAIL %s: the device has shaderFloat16 but the engine does not take the '
                  'fp16 path (%s)' % (name, paths[0]), flush=True)
            return False
        print('SKIP %s: the device lacks shaderFloat16 (%s)' % (name, paths[0]), flush=True)
        return None
    least, bound = (FP16_LEAST, FP16_BOUND) if fp16 else (0.0, FP32_BOUND)
    if args.bound is not None:
        bound = args.bound
    ok, msg = compare(np.load(j('out.npy')), np.load(j('logits.npy')), bound, least)
    print('%s %s (%s, T=%d, %dx%d, %s arithmetic): %s; convert %.1f s, classify %.1f s' % (
        'PASS' if ok else 'FAIL', name, info['dtype'], info['frames'], h, w,
        'fp16' if fp16 else 'fp32', msg, t1 - t0, t2 - t1), flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--case', choices=sorted(make_case.CASES), action='append',
                    help='run only this case (repeatable)')
    ap.add_argument('--keep', metavar='DIR', help='write the cases under DIR and keep them')
    ap.add_argument('--fp16', action='store_true',
                    help='require the fp16 arithmetic path (skip where the engine lacks it)')
    ap.add_argument('--bound', type=float,
                    help='max|dlogit|/max|logit| allowed (default %g, or %g with fp16 '
                    'arithmetic)' % (FP32_BOUND, FP16_BOUND))
    args = ap.parse_args()
    torch.set_num_threads(2)
    convert, classify = os.environ.get('UF_CONVERT'), os.environ.get('UF_CLASSIFY')
    if not convert or not classify:
        sys.exit('set UF_CONVERT and UF_CLASSIFY')
    results = []
    with tempfile.TemporaryDirectory(prefix='uf-fidelity-') as tmp:
        for name in args.case or sorted(make_case.CASES):
            workdir = os.path.join(args.keep or tmp, name)
            try:
                results.append(run_case(name, workdir, convert, classify, args))
            except (subprocess.CalledProcessError, OSError, ValueError) as e:
                print('FAIL %s: %s' % (name, e), flush=True)
                results.append(False)
    if any(r is not None and not r for r in results):
        return 1
    return 77 if all(r is None for r in results) else 0


if __name__ == '__main__':
    sys.exit(main())
