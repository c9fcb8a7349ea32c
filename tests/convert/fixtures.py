"""Shared helpers for the converter tests: paths, a torch-built UniFormer-shaped
state_dict, hand-made checkpoint containers, and running the tool.

Fixtures are made at test time in temporary directories; nothing binary is
committed.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.environ.get("UF_CONVERT") or os.path.join(ROOT, "tools", "uniformer-convert")
sys.path.insert(0, os.path.dirname(os.path.realpath(TOOL)))

import ufconvert.safetensors  # noqa: E402

# The default uniformer_state_dict layout (dims 16,32,64,128) is no released
# UniFormer-S/B, so the converter needs its head size; 16 divides every dim.
HEAD_DIM_ARGS = ("--head-dim", "16")


def shared_dir():
    """The shared data directory (label files), or None when not available."""
    for d in (os.environ.get("UF_SHARED_DIR"), os.path.join(ROOT, "..", "shared")):
        if d and os.path.isdir(os.path.join(d, "data", "labels")):
            return d
    return None


def label_file(name):
    d = shared_dir()
    path = d and os.path.join(d, "data", "labels", name)
    if not path or not os.path.exists(path):
        raise unittest.SkipTest(f"shared label file {name} not available (set UF_SHARED_DIR)")
    return path


# ---- a UniFormer-shaped module tree (no forward), for real state_dict names/order


def uniformer_state_dict(depths=(1, 1, 1, 1), dims=(16, 32, 64, 128), mlp_ratio=4,
                         num_classes=10, seed=0):
    """An OrderedDict state_dict with the official module names, random values.

    The modules mirror spec §1.2/1.3 so that names, shapes, order and the
    BatchNorm num_batches_tracked entries are what torch itself produces.
    """
    torch = need_torch()
    from torch import nn

    class PatchEmbed(nn.Module):
        def __init__(self, cin, cout, k):
            super().__init__()
            self.norm = nn.LayerNorm(cout)
            self.proj = nn.Conv3d(cin, cout, k, k if k[0] == 1 else (2, 4, 4))

    class Mlp(nn.Module):
        def __init__(self, c, h, conv):
            super().__init__()
            self.fc1 = nn.Conv3d(c, h, 1) if conv else nn.Linear(c, h)
            self.act = nn.GELU()
            self.fc2 = nn.Conv3d(h, c, 1) if conv else nn.Linear(h, c)

    class CBlock(nn.Module):
        def __init__(self, c, h):
            super().__init__()
            self.pos_embed = nn.Conv3d(c, c, 3, padding=1, groups=c)
            self.norm1 = nn.BatchNorm3d(c)
            self.conv1 = nn.Conv3d(c, c, 1)
            self.conv2 = nn.Conv3d(c, c, 1)
            self.attn = nn.Conv3d(c, c, 5, padding=2, groups=c)
            self.norm2 = nn.BatchNorm3d(c)
            self.mlp = Mlp(c, h, True)

    class Attention(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.qkv = nn.Linear(c, 3 * c)
            self.proj = nn.Linear(c, c)

    class SABlock(nn.Module):
        def __init__(self, c, h):
            super().__init__()
            self.pos_embed = nn.Conv3d(c, c, 3, padding=1, groups=c)
            self.norm1 = nn.LayerNorm(c)
            self.attn = Attention(c)
            self.norm2 = nn.LayerNorm(c)
            self.mlp = Mlp(c, h, False)

    class Uniformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed1 = PatchEmbed(3, dims[0], (3, 4, 4))
            for s in (2, 3, 4):
                setattr(self, f"patch_embed{s}", PatchEmbed(dims[s - 2], dims[s - 1], (1, 2, 2)))
            for s in (1, 2, 3, 4):
                block = CBlock if s <= 2 else SABlock
                c = dims[s - 1]
                setattr(self, f"blocks{s}",
                        nn.ModuleList(block(c, c * mlp_ratio) for _ in range(depths[s - 1])))
            self.norm = nn.BatchNorm3d(dims[3])
            self.head = nn.Linear(dims[3], num_classes)

    state = Uniformer().state_dict()
    gen = torch.Generator().manual_seed(seed)
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            value.fill_(1234)
        elif key.endswith("running_var"):
            value.copy_(torch.rand(value.shape, generator=gen) + 0.5)
        else:  # every value distinct and random, so a mix-up cannot pass
            value.copy_(torch.randn(value.shape, generator=gen))
    return state


def need_torch():
    """The torch module; the calling test is skipped where it is not installed."""
    try:
        import torch
    except ImportError:
        raise unittest.SkipTest("torch (python3-torch) is not installed")
    return torch


def torch_save(obj, path, **kwargs):
    need_torch().save(obj, path, **kwargs)
    return path


def zip_checkpoint(path, pickle_bytes, blobs=None, prefix="archive"):
    """A hand-made torch zip container, for pickles torch.save would not write."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", pickle_bytes)
        for key, data in (blobs or {}).items():
            z.writestr(f"{prefix}/data/{key}", data)
        z.writestr(f"{prefix}/version", "3\n")
    return path


class TempDirCase(unittest.TestCase):
    """A test case with a fresh temporary directory and a way to run the tool."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ufconvert-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_tool(self, *args, rc=0):
        """Runs uniformer-convert; checks the exit status; returns (stdout, stderr)."""
        proc = subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True,
                              cwd=self.dir, timeout=120)
        self.assertEqual(proc.returncode, rc, f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        self.assertNotIn("Traceback", proc.stderr)
        return proc.stdout, proc.stderr

    def fails(self, *args, message, rc=1):
        """Runs the tool expecting failure; the stderr's last line must contain message."""
        _, err = self.run_tool(*args, rc=rc)
        lines = err.strip().splitlines()
        if rc == 1:
            self.assertEqual(len(lines), 1, err)
            self.assertTrue(lines[0].startswith("uniformer-convert: error: "), err)
        self.assertIn(message, lines[-1])
        return lines[-1]

    def read(self, path):
        return ufconvert.safetensors.read(path)
