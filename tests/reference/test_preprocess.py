#!/usr/bin/python3
"""The engine's GPU preprocessing against an independent resize.

$UF_PREPROCESS_DUMP (preprocess-dump.c) uploads frames with structure in every
pixel format the engine accepts (RGB, RGBA, BGRA, BGRX, RGBX, I420, NV12; the
YUV ones in BT.601 and BT.709, limited and full range), at sizes that are not
multiples of the input size (landscape, 16:9, portrait, smaller than the
input), for RGB and BGR models with per-channel mean and std and a non-square
input, in both resize modes, through uf_session_upload_frame(), and writes the
frames' planes and the ring slots it reads back.  This script computes what
each slot should hold without any of the engine's code:

* colour: packed formats by their byte order; YUV by inverting the
  Y'PbPr matrix built from Kr and Kb (BT.601: 0.299, 0.114; BT.709: 0.2126,
  0.0722), limited range Y 16-235 and U, V 16-240 (Y' = (Y-16)/219,
  Pb = (U-128)/224), full range /255; RGB clamped to [0, 1] per source pixel.
  Chroma is upsampled by repeating each sample over its 2x2 luma pixels (the
  convention the engine uses; a bilinear upsampling of the chroma would be
  another, and would differ near chroma edges);
* geometry, spec section 4a: the short side to the input size, the long side
  floor(long / short * size), a centre crop at ceil((resized - size) / 2); for
  a non-square input the side that makes the resized frame cover it; or the
  whole frame stretched to the input size;
* resize: torch.nn.functional.interpolate(mode='bilinear',
  align_corners=False, antialias=False) of the normalised frame, in float64,
  after the channel order and (x - mean) / std (the spec's order).

The bound, per value of a slot, in normalised units (values span about +-2.7):

    |engine - reference| <= ARITH + COORD_ULPS * ulp(width) * gx + COORD_ULPS * ulp(height) * gy

* ARITH: the engine's float32 arithmetic on bytes/255, the YUV matrix, the
  bilinear weights and the normalisation costs a few ulps of values of that
  size.  ARITH is 4x the worst error beyond the coordinate term measured on
  lavapipe when the bound was set, rounded up.
* The engine computes the sample coordinate (dst + 0.5) * scale - 0.5 in
  float32, from a float32 scale: three roundings, so the sample may sit up to
  1.5 ulps of the coordinate (ulp(n): the float32 spacing of values below n,
  2^-14 px for a 640 px side) away from the exact position, which costs that
  distance times the local slope: gx, gy are the largest steps between
  horizontal / vertical neighbours around the sample (the frames have
  full-range one-pixel steps, up to 5 per px in normalised units).
  COORD_ULPS = 2.
Where the frame is smooth the bound is thus a few 1e-6; nowhere does it admit
a sample moved by more than 2 ulps, a wrong coefficient, range or crop.
PyTorch's own float32 interpolation is no better a reference: on the CPU it
computes the coordinate from a float32 scale in float64, so it and the engine
differ by about as much as the engine and the exact position; that difference
is printed for information, not bounded.

    test_preprocess.py [--keep DIR]

Exits 77 (meson: skipped) when torch is not importable.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)

ARITH = 2.2e-6
COORD_ULPS = 2.0

# Kr, Kb of each matrix (ITU-R BT.601, BT.709).
KR_KB = {'bt601': (0.299, 0.114), 'bt709': (0.2126, 0.0722)}
PACKED = {'RGB': (3, (0, 1, 2)), 'RGBA': (4, (0, 1, 2)), 'RGBX': (4, (0, 1, 2)),
          'BGRA': (4, (2, 1, 0)), 'BGRX': (4, (2, 1, 0))}


def yuv_matrix(matrix):
    """The 3x3 matrix from Y'PbPr to R'G'B', inverted from its definition
    Y' = Kr R + Kg G + Kb B, Pb = (B - Y') / (2 (1 - Kb)), Pr = (R - Y') / (2 (1 - Kr))."""
    kr, kb = KR_KB[matrix]
    kg = 1.0 - kr - kb
    y = np.array([kr, kg, kb])
    pb = (np.array([0.0, 0.0, 1.0]) - y) / (2.0 * (1.0 - kb))
    pr = (np.array([1.0, 0.0, 0.0]) - y) / (2.0 * (1.0 - kr))
    return np.linalg.inv(np.stack([y, pb, pr]))


def decode(case, planes):
    """The frame as float64 RGB in [0, 1], shape (H, W, 3)."""
    w, h, fmt = case['width'], case['height'], case['format']
    if fmt in PACKED:
        bpp, order = PACKED[fmt]
        px = planes[0][:, :w * bpp].reshape(h, w, bpp)
        return px[..., list(order)].astype(np.float64) / 255.0
    cw = (w + 1) // 2
    y = planes[0][:, :w].astype(np.float64)
    if fmt == 'I420':
        u, v = planes[1][:, :cw], planes[2][:, :cw]
    else:  # NV12: U, V interleaved
        u, v = planes[1][:, 0:2 * cw:2], planes[1][:, 1:2 * cw:2]
    up = lambda c: np.repeat(np.repeat(c.astype(np.float64), 2, 0), 2, 1)[:h, :w]  # noqa: E731
    u, v = up(u), up(v)
    if case['full_range']:
        ypbpr = np.stack([y / 255.0, (u - 128.0) / 255.0, (v - 128.0) / 255.0], -1)
    else:
        ypbpr = np.stack([(y - 16.0) / 219.0, (u - 128.0) / 224.0, (v - 128.0) / 224.0], -1)
    return np.clip(ypbpr @ yuv_matrix(case['matrix']).T, 0.0, 1.0)


def geometry(case):
    """(resized height, resized width, crop top, crop left)."""
    w, h = case['width'], case['height']
    ch, cw = case['crop']
    if case['resize'] == 'stretch':
        return ch, cw, 0, 0
    if w * ch >= h * cw:   # as wide as the input or wider: match the heights
        rh, rw = ch, max(cw, int(math.floor(float(w) / h * ch)))
    else:
        rh, rw = max(ch, int(math.floor(float(h) / w * cw))), cw
    return rh, rw, int(math.ceil((rh - ch) / 2)), int(math.ceil((rw - cw) / 2))


def normalised(case, rgb):
    """The frame in the model's channel order, normalised, [3, H, W]."""
    x = rgb[..., ::-1] if case['color_order'] == 'bgr' else rgb
    x = (x - np.array(case['mean'])) / np.array(case['std'])
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def reference(case, frame, dtype):
    """The expected slot [3, crop_h, crop_w] from the normalised @frame, in @dtype."""
    t = torch.from_numpy(frame[None]).to(dtype)
    rh, rw, y0, x0 = geometry(case)
    r = F.interpolate(t, size=(rh, rw), mode='bilinear', align_corners=False, antialias=False)
    ch, cw = case['crop']
    return r[0, :, y0:y0 + ch, x0:x0 + cw].double().numpy()


def ulp(n):
    """The spacing of float32 values just below @n (a power of two)."""
    return 2.0 ** (math.floor(math.log2(n)) - 23)


def sample_rows(n, offset, resized, size):
    """The two source indices of each of @n outputs from @offset of a side of
    @size resized to @resized (align_corners=False)."""
    s = np.maximum((np.arange(offset, offset + n) + 0.5) * size / resized - 0.5, 0.0)
    i0 = np.minimum(np.floor(s).astype(np.int64), size - 1)
    return i0, np.minimum(i0 + 1, size - 1)


def tolerance(case, frame):
    """The bound of each value of the slot for the normalised @frame [3, H, W]."""
    rh, rw, y0, x0 = geometry(case)
    ch, cw = case['crop']
    h, w = case['height'], case['width']
    ix0, ix1 = sample_rows(cw, x0, rw, w)
    iy0, iy1 = sample_rows(ch, y0, rh, h)
    # steps between neighbours; a sample near a pixel centre may fall on
    # either side of it, so the steps next to its interval count too
    dx = np.abs(np.diff(frame, axis=2)) if w > 1 else np.zeros((3, h, 1))
    dy = np.abs(np.diff(frame, axis=1)) if h > 1 else np.zeros((3, 1, w))
    cols = np.clip(np.stack([ix0 - 1, ix0, ix0 + 1]), 0, dx.shape[2] - 1)
    gx = dx[:, np.stack([iy0, iy1])][:, :, :, cols].max(axis=(1, 3))
    rows = np.clip(np.stack([iy0 - 1, iy0, iy0 + 1]), 0, dy.shape[1] - 1)
    gy = dy[:, rows][:, :, :, np.stack([ix0, ix1])].max(axis=(1, 3))
    return ARITH + COORD_ULPS * (ulp(w) * gx + ulp(h) * gy)


def variant(case):
    if case['format'] in PACKED:
        return case['format']
    return '%s %s %s' % (case['format'], case['matrix'],
                         'full' if case['full_range'] else 'limited')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--keep', metavar='DIR', help='write the dump under DIR and keep it')
    args = ap.parse_args()
    torch.set_num_threads(2)
    dump = os.environ.get('UF_PREPROCESS_DUMP')
    if not dump:
        sys.exit('set UF_PREPROCESS_DUMP')
    with tempfile.TemporaryDirectory(prefix='uf-preprocess-') as tmp:
        out = args.keep or tmp
        t0 = time.monotonic()
        subprocess.run([dump, out], check=True)
        t1 = time.monotonic()
        with open(os.path.join(out, 'manifest.json')) as f:
            cases = json.load(f)['cases']
        loaded = {}
        worst = {}         # variant -> [max |err|, max |err| / bound, torch float32 diff]
        failures = []
        for case in cases:
            planes = []
            for name in case['planes']:
                if name not in loaded:
                    loaded[name] = np.load(os.path.join(out, name))
                planes.append(loaded[name])
            got = np.load(os.path.join(out, case['output'])).astype(np.float64)
            frame = normalised(case, decode(case, planes))
            want = reference(case, frame, torch.float64)
            if got.shape != want.shape:
                failures.append('case %d: shape %s, expected %s' % (
                    case['id'], got.shape, want.shape))
                continue
            err = np.abs(got - want)
            err[~np.isfinite(err)] = math.inf
            tol = tolerance(case, frame)
            used = err / tol
            torch32 = np.abs(got - reference(case, frame, torch.float32)).max()
            v = variant(case)
            w = worst.setdefault(v, [0.0, 0.0, 0.0])
            w[:] = max(w[0], err.max()), max(w[1], used.max()), max(w[2], torch32)
            if not used.max() <= 1.0:
                c, iy, ix = np.unravel_index(used.argmax(), used.shape)
                failures.append(
                    'case %d (%s, %s, %s, %dx%d): |engine - reference| = %.3g exceeds its '
                    'bound %.3g at channel %d, y %d, x %d: engine %.6f reference %.6f; '
                    'max |engine - reference| %.3g' % (
                        case['id'], case['model'], case['resize'], v, case['width'],
                        case['height'], err[c, iy, ix], tol[c, iy, ix], c, iy, ix,
                        got[c, iy, ix], want[c, iy, ix], err.max()))
        t2 = time.monotonic()
    for v, (e, used, torch32) in worst.items():
        print('%-20s max|engine - reference| %.3g, at most %.2f of its bound; '
              'max|engine - torch float32| %.3g' % (v, e, used, torch32))
    print('%d cases: engine %.1f s, reference %.1f s' % (len(cases), t1 - t0, t2 - t1))
    for f in failures:
        print('FAIL ' + f)
    return 1 if failures or not cases else 0


if __name__ == '__main__':
    sys.exit(main())
