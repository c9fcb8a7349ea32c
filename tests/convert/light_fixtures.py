"""Light UniFormer (XXS/XS) state_dicts for the converter tests, from the
reference's own module tree (tests/reference/uniformer_light_ref.py: official
names, order and num_batches_tracked entries) with make_light_case.py's random
values (BatchNorm statistics, LayerNorms and layer-scale gammas included).

TINY is no released layout: converting it needs --head-dim (TINY_ARGS).
"""

import collections
import os
import sys

from fixtures import ROOT, need_torch

sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

# Stage 3 at 4 frames of 64: 2x4x4 = 32 tokens, stage 4: 2x2x2 = 8.
TINY = dict(depths=(1, 1, 2, 2), dims=(16, 32, 64, 128), head_dim=16, mlp_ratio=3)
TINY_ARGS = ("--head-dim", "16", "--frames", "4", "--crop", "64")
TINY_CLASSES = 10


def reference():
    need_torch()
    import uniformer_light_ref
    return uniformer_light_ref


def model(layout=None, layer_scale=True, num_classes=TINY_CLASSES, seed=0, **schedule):
    """A reference LightUniformer with random values."""
    ref = reference()
    import make_light_case
    m = ref.LightUniformer(**(layout or TINY), num_classes=num_classes,
                           layer_scale=layer_scale, **schedule)
    return make_light_case.randomize_(m, seed)


def state_dict(layout=None, layer_scale=True, num_classes=TINY_CLASSES, seed=0):
    """An OrderedDict official light state_dict (torch tensors)."""
    return collections.OrderedDict(model(layout, layer_scale, num_classes, seed).state_dict())


def schedule_cfg(prune_ratio, trade_off=None, frames=4, crop=64):
    """A yacs cfg.dump() text (block style, PyYAML >= 5.1) recording frames, the test
    crop and the schedule (lists of lists, stages 1-2 empty)."""
    def lists(stages):
        out = "  - []\n  - []\n"
        for stage in stages:
            out += f"  - - {stage[0]}\n" + "".join(f"    - {v}\n" for v in stage[1:])
        return out
    text = (f"DATA:\n  NUM_FRAMES: {frames}\n  SAMPLING_RATE: 16\n  TEST_CROP_SIZE: {crop}\n"
            "MODEL:\n  NUM_CLASSES: 10\nUNIFORMER:\n  HEAD_DIM: 16\n"
            f"  PRUNE_RATIO:\n{lists(prune_ratio)}")
    if trade_off is not None:
        text += f"  TRADE_OFF:\n{lists(trade_off)}"
    return text


def training_checkpoint(state, cfg):
    """The SlowFast trainer's wrapping."""
    torch = need_torch()
    return {"epoch": 12, "model_state": state,
            "optimizer_state": {"state": {0: {"exp_avg": torch.zeros(3)}},
                                "param_groups": [{"lr": 1e-4, "params": [0]}]},
            "cfg": cfg}
