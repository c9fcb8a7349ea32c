#!/usr/bin/python3
"""Speed benchmark: the engine's video ViTs against the project's PyTorch
references (video_vit_ref.py), same weights, same input, same run.

For TimeSformer-B 8x224x224 and VideoMAE-B 16x224x224 (random weights from
make_vit_case's presets, seeded, so every process builds the same model), it
writes the engine's model file, times the engine with `uniformer-classify
--bench N`, and times the reference (2 threads) once per OpenBLAS kernel
candidate -- the default, Haswell and SkylakeX, set with OPENBLAS_CORETYPE
for the peer's process only -- and keeps the fastest, which it names.
Prints ms per clip (medians), the ratio engine / best peer, the engine's
device memory and where its time went (device time and GFLOP/s per op class). A benchmark, not a test.

    /usr/bin/python3 tests/reference/bench_vit.py [--runs 3] [--configs ts-b8,vm-b16]
        [--classify build/tools/classify/uniformer-classify] [--dtype f32|f16]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tools'))

CONFIGS = {'ts-b8': ('timesformer', 'b8'), 'vm-b16': ('videomae', 'b16')}


def field(text, name):
    m = re.search(r'^%s=([0-9.]+)' % name, text, re.M)
    return float(m.group(1)) if m else float('nan')


def build(family, preset):
    import make_vit_case
    c = make_vit_case.resolve(family, preset=preset)
    model = make_vit_case.build_model(c).eval()
    clip = make_vit_case.make_clip(c['frames'], c['height'], c['width'], c['seed'])
    return c, model, clip


def write_model(family, preset, outdir, dtype):
    """The engine's model file and the clip, from the seeded reference."""
    import numpy as np
    import video_vit_ref
    from ufconvert import safetensors
    from test_vit_engine import metadata
    c, model, clip = build(family, preset)
    info = dict(c, crop=[c['height'], c['width']])
    tensors = {}
    for k, v in video_vit_ref.engine_state_dict(model).items():
        a = v.detach().numpy().astype(np.float32)
        tensors[k] = a.astype(np.float16) if dtype == 'f16' and a.ndim >= 2 else a
    path = os.path.join(outdir, 'model.safetensors')
    safetensors.write(path, tensors, metadata(info))
    np.save(os.path.join(outdir, 'input.npy'), clip.numpy())
    return path


def peer(family, preset, runs):
    """Runs in the peer's own process: prints its median ms per clip."""
    import torch
    torch.set_num_threads(2)
    _, model, clip = build(family, preset)
    times = []
    with torch.no_grad():
        model(clip)                                     # warm-up
        for _ in range(runs):
            t0 = time.monotonic()
            model(clip)
            times.append(1000 * (time.monotonic() - t0))
    print(json.dumps({'ms': statistics.median(times)}))


def time_peer(family, preset, runs):
    import blas_peer
    kernel, ms, _ = blas_peer.fastest(
        [sys.executable, __file__, '--peer', family, preset, '--runs', str(runs)],
        lambda out: json.loads(out.strip().splitlines()[-1])['ms'])
    return kernel, ms


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--configs', default='ts-b8,vm-b16')
    ap.add_argument('--classify', default=os.path.join(ROOT, 'build', 'tools', 'classify',
                                                       'uniformer-classify'))
    ap.add_argument('--dtype', choices=('f32', 'f16'), default='f32')
    ap.add_argument('--peer', nargs=2, metavar=('FAMILY', 'PRESET'), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        return peer(*args.peer, args.runs)
    for name in args.configs.split(','):
        family, preset = CONFIGS[name]
        with tempfile.TemporaryDirectory() as tmp:
            path = write_model(family, preset, tmp, args.dtype)
            engine = subprocess.run([args.classify, '-m', path, '-i',
                                     os.path.join(tmp, 'input.npy'), '--bench', str(args.runs),
                                     '--profile'],
                                    check=True, capture_output=True, text=True).stdout
        print('%s (%s %s, %s weights):' % (name, family, preset, args.dtype))
        for line in engine.splitlines():
            if line.startswith(('model:', 'stage', 'device_memory', 'first_', 'op class',
                                'GEMM', 'attention', 'depthwise', 'LayerNorm', 'other',
                                'total')):
                print('  engine ' + line)
        ms = field(engine, 'ms_per_clip')
        kernel, peer_ms = time_peer(family, preset, args.runs)
        print('  engine %.0f ms per clip, best peer %.0f ms (OpenBLAS kernel %s): '
              'ratio %.2f' % (ms, peer_ms, kernel, ms / peer_ms))


if __name__ == '__main__':
    sys.exit(main())
