#!/usr/bin/python3
"""Speed benchmark: the engine against the PyTorch reference, same run, same input.

For UniFormer-S at 8x224x224 and 16x224x224 (random weights, seeded), it
converts the weights with tools/uniformer-convert, times the engine with
`uniformer-classify --bench N` and the reference with bench_torch.py
(2 threads) at its fastest OpenBLAS kernel (blas_peer.py: each candidate is
tried for the peer's process only, and the one used is printed), and
prints ms per clip for each and their ratio, and where the engine's time went
(uniformer-classify --profile: device time and GFLOP/s per op class).

    /usr/bin/python3 tests/reference/bench_engine.py [--runs 5] [--configs s8,s16]
        [--classify build/tools/classify/uniformer-classify] [--dtype f32|f16]
        [--torch-device cpu|cuda]

With --torch-device cuda (on a GPU machine) the peers are PyTorch on the GPU,
eager fp32 and fp16 autocast, and the ratio is against the fp16 one.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import blas_peer  # noqa: E402
import make_case  # noqa: E402
from uniformer_ref import S_CONFIG  # noqa: E402

FRAMES = {'s8': 8, 's16': 16}


def field(text, name):
    m = re.search(r'^%s=([0-9.]+)' % name, text, re.M)
    return float(m.group(1)) if m else float('nan')


def bench_config(name, args, tmp):
    frames = FRAMES[name]
    model = make_case.make_model(S_CONFIG, seed=7)
    clip = make_case.make_clip(frames, (224, 224), seed=7)
    pth = os.path.join(tmp, name + '.pth')
    npy = os.path.join(tmp, name + '.npy')
    st = os.path.join(tmp, name + '.safetensors')
    torch.save(model.state_dict(), pth)
    np.save(npy, clip.numpy())
    # through this interpreter: on a GPU machine /usr/bin/python3 may lack torch
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'uniformer-convert'), pth, st,
                    '--frames', str(frames), '--crop', '224', '--dtype', args.dtype,
                    '--name', 'uniformer-s-%s-random' % name],
                   check=True, stdout=subprocess.DEVNULL)
    engine = subprocess.run([args.classify, '--model', st, '--input-npy', npy,
                             '--bench', str(args.runs), '--profile'],
                            check=True, capture_output=True, text=True).stdout
    peers = [('torch', [])]
    if args.torch_device == 'cuda':
        peers = [('torch_cuda_fp32', ['--device', 'cuda']),
                 ('torch_cuda_fp16', ['--device', 'cuda', '--fp16-autocast'])]
    peer_ms = {}
    kernel = None
    for peer, extra in peers:
        cmd = [sys.executable, os.path.join(HERE, 'bench_torch.py'), '--config', name,
               '--input', npy, '--weights', pth, '--runs', str(args.runs)] + extra
        if args.torch_device == 'cpu':
            kernel, peer_ms[peer], _ = blas_peer.fastest(
                cmd, lambda out: field(out, 'torch_ms_per_clip'))
        else:
            ref = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            peer_ms[peer] = field(ref, 'torch_ms_per_clip')
    engine_ms = field(engine, 'ms_per_clip')
    torch_ms = peer_ms[peers[-1][0]]
    print('== UniFormer-S %dx224x224 (%s weights)' % (frames, args.dtype))
    for line in engine.splitlines():
        if line.startswith(('stage ', 'first_', 'gflops', 'device_memory', 'op class',
                            'GEMM', 'attention', 'depthwise', 'LayerNorm', 'other',
                            'total')):
            print('  engine ' + line)
    print('  engine_ms_per_clip=%.1f' % engine_ms)
    for peer, ms in peer_ms.items():
        print('  %s_ms_per_clip=%.1f' % (peer, ms))
    if kernel:
        print('  torch_openblas_kernel=%s' % kernel)
    print('  engine_over_torch=%.2f' % (engine_ms / torch_ms))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--configs', default='s8,s16')
    ap.add_argument('--dtype', choices=('f32', 'f16'), default='f32')
    ap.add_argument('--torch-device', choices=('cpu', 'cuda'), default='cpu')
    ap.add_argument('--classify', default=os.path.join(ROOT, 'build', 'tools', 'classify',
                                                       'uniformer-classify'))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='uf-bench-') as tmp:
        for name in args.configs.split(','):
            bench_config(name, args, tmp)


if __name__ == '__main__':
    main()
