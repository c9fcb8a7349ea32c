"""Fixtures for the video ViT converter tests: small TimeSformer, ViViT and VideoMAE
checkpoints in the on-disk formats their saving code writes.

Names, shapes and containers follow ../shared/docs/video-vit-spec.md §1.2,
§2.2 and §3.2 (written out here by hand, independently of the converter's own
rename tables). The tensors are torch tensors with distinct random values,
saved with torch.save as the official code and save_pretrained do; the
safetensors files are written with the project's writer, as the safetensors
library lays them out ({"format": "pt"} metadata).

Small sizes throughout: hidden 64, depth 2, heads 4, MLP 128, patch 16.
"""

import argparse
import collections
import json
import os

from fixtures import need_torch

C, DEPTH, HEADS, MLP, PATCH, CLASSES = 64, 2, 4, 128, 16, 5


def _random(names_shapes, seed):
    torch = need_torch()
    gen = torch.Generator().manual_seed(seed)
    state = collections.OrderedDict()
    for name, shape in names_shapes:
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or \
                name.endswith("norm.weight") or name.endswith("layernorm.weight"):
            state[name] = 1 + 0.1 * torch.randn(shape, generator=gen)
        else:
            state[name] = torch.randn(shape, generator=gen)
    return state


# ---- official layouts (the names the converter's output keeps, spec §1.2, §3.2)


def timesformer_official(frames=4, grid=2, classes=CLASSES, depth=DEPTH, qkv_bias=True,
                         seed=1, prefix="model."):
    """The state_dict of TimeSformer's vit_base_patch16_224 wrapper: keys 'model.*'.

    Order as nn.Module.state_dict gives it: VisionTransformer's own
    parameters (cls_token, pos_embed, time_embed), then patch_embed, blocks,
    norm, head; in a block norm1, attn, temporal_norm1, temporal_attn,
    temporal_fc, norm2, mlp.
    """
    spec = [("cls_token", (1, 1, C)), ("pos_embed", (1, 1 + grid * grid, C)),
            ("time_embed", (1, frames, C)),
            ("patch_embed.proj.weight", (C, 3, PATCH, PATCH)), ("patch_embed.proj.bias", (C,))]
    for i in range(depth):
        b = f"blocks.{i}."
        spec += [(b + "norm1.weight", (C,)), (b + "norm1.bias", (C,)),
                 (b + "attn.qkv.weight", (3 * C, C))]
        spec += [(b + "attn.qkv.bias", (3 * C,))] if qkv_bias else []
        spec += [(b + "attn.proj.weight", (C, C)), (b + "attn.proj.bias", (C,)),
                 (b + "temporal_norm1.weight", (C,)), (b + "temporal_norm1.bias", (C,)),
                 (b + "temporal_attn.qkv.weight", (3 * C, C))]
        spec += [(b + "temporal_attn.qkv.bias", (3 * C,))] if qkv_bias else []
        spec += [(b + "temporal_attn.proj.weight", (C, C)), (b + "temporal_attn.proj.bias", (C,)),
                 (b + "temporal_fc.weight", (C, C)), (b + "temporal_fc.bias", (C,)),
                 (b + "norm2.weight", (C,)), (b + "norm2.bias", (C,)),
                 (b + "mlp.fc1.weight", (MLP, C)), (b + "mlp.fc1.bias", (MLP,)),
                 (b + "mlp.fc2.weight", (C, MLP)), (b + "mlp.fc2.bias", (C,))]
    spec += [("norm.weight", (C,)), ("norm.bias", (C,)),
             ("head.weight", (classes, C)), ("head.bias", (classes,))]
    return _random([(prefix + n, s) for n, s in spec], seed)


def videomae_official(classes=CLASSES, depth=DEPTH, mean_pooling=True, seed=2, hidden=C):
    """The state_dict of VideoMAE's modeling_finetune VisionTransformer.

    Attention registers q_bias and v_bias before its qkv (bias-less) and proj
    children; the final norm is an Identity with mean pooling (no keys), and
    fc_norm is absent without it.
    """
    c = hidden
    spec = [("patch_embed.proj.weight", (c, 3, 2, PATCH, PATCH)), ("patch_embed.proj.bias", (c,))]
    for i in range(depth):
        b = f"blocks.{i}."
        spec += [(b + "norm1.weight", (c,)), (b + "norm1.bias", (c,)),
                 (b + "attn.q_bias", (c,)), (b + "attn.v_bias", (c,)),
                 (b + "attn.qkv.weight", (3 * c, c)),
                 (b + "attn.proj.weight", (c, c)), (b + "attn.proj.bias", (c,)),
                 (b + "norm2.weight", (c,)), (b + "norm2.bias", (c,)),
                 (b + "mlp.fc1.weight", (MLP, c)), (b + "mlp.fc1.bias", (MLP,)),
                 (b + "mlp.fc2.weight", (c, MLP)), (b + "mlp.fc2.bias", (c,))]
    norm = "fc_norm" if mean_pooling else "norm"
    spec += [(norm + ".weight", (c,)), (norm + ".bias", (c,)),
             ("head.weight", (classes, c)), ("head.bias", (classes,))]
    return _random(spec, seed)


# ---- Hugging Face layouts


def timesformer_hf(official):
    """HF TimesformerForVideoClassification keys for an official (unprefixed) state."""
    top = {"cls_token": "timesformer.embeddings.cls_token",
           "pos_embed": "timesformer.embeddings.position_embeddings",
           "time_embed": "timesformer.embeddings.time_embeddings",
           "patch_embed.proj.weight": "timesformer.embeddings.patch_embeddings.projection.weight",
           "patch_embed.proj.bias": "timesformer.embeddings.patch_embeddings.projection.bias",
           "norm.weight": "timesformer.layernorm.weight", "norm.bias": "timesformer.layernorm.bias",
           "head.weight": "classifier.weight", "head.bias": "classifier.bias"}
    layer = {"norm1": "layernorm_before", "attn.qkv": "attention.attention.qkv",
             "attn.proj": "attention.output.dense", "temporal_norm1": "temporal_layernorm",
             "temporal_attn.qkv": "temporal_attention.attention.qkv",
             "temporal_attn.proj": "temporal_attention.output.dense",
             "temporal_fc": "temporal_dense", "norm2": "layernorm_after",
             "mlp.fc1": "intermediate.dense", "mlp.fc2": "output.dense"}
    out = collections.OrderedDict()
    for key, value in official.items():
        if key in top:
            out[top[key]] = value
            continue
        _, i, rest = key.split(".", 2)
        module, param = rest.rsplit(".", 1)
        out[f"timesformer.encoder.layer.{i}.{layer[module]}.{param}"] = value
    return out


def vivit_hf(frames=4, grid=2, classes=CLASSES, depth=DEPTH, seed=3):
    """HF VivitForVideoClassification keys (tubelets 2x16x16, tokens (t,h,w) after cls)."""
    n = frames // 2 * grid * grid
    spec = [("vivit.embeddings.cls_token", (1, 1, C)),
            ("vivit.embeddings.position_embeddings", (1, 1 + n, C)),
            ("vivit.embeddings.patch_embeddings.projection.weight", (C, 3, 2, PATCH, PATCH)),
            ("vivit.embeddings.patch_embeddings.projection.bias", (C,))]
    for i in range(depth):
        b = f"vivit.encoder.layer.{i}."
        for part in ("query", "key", "value"):
            spec += [(f"{b}attention.attention.{part}.weight", (C, C)),
                     (f"{b}attention.attention.{part}.bias", (C,))]
        spec += [(b + "attention.output.dense.weight", (C, C)),
                 (b + "attention.output.dense.bias", (C,)),
                 (b + "intermediate.dense.weight", (MLP, C)),
                 (b + "intermediate.dense.bias", (MLP,)),
                 (b + "output.dense.weight", (C, MLP)), (b + "output.dense.bias", (C,)),
                 (b + "layernorm_before.weight", (C,)), (b + "layernorm_before.bias", (C,)),
                 (b + "layernorm_after.weight", (C,)), (b + "layernorm_after.bias", (C,))]
    spec += [("vivit.layernorm.weight", (C,)), ("vivit.layernorm.bias", (C,)),
             ("classifier.weight", (classes, C)), ("classifier.bias", (classes,))]
    return _random(spec, seed)


def videomae_hf(classes=CLASSES, depth=DEPTH, mean_pooling=True, seed=4):
    """HF VideoMAEForVideoClassification keys: bias-less query/key/value plus q_bias/v_bias."""
    spec = [("videomae.embeddings.patch_embeddings.projection.weight", (C, 3, 2, PATCH, PATCH)),
            ("videomae.embeddings.patch_embeddings.projection.bias", (C,))]
    for i in range(depth):
        b = f"videomae.encoder.layer.{i}."
        spec += [(b + "attention.attention.q_bias", (C,)), (b + "attention.attention.v_bias", (C,))]
        spec += [(f"{b}attention.attention.{part}.weight", (C, C))
                 for part in ("query", "key", "value")]
        spec += [(b + "attention.output.dense.weight", (C, C)),
                 (b + "attention.output.dense.bias", (C,)),
                 (b + "intermediate.dense.weight", (MLP, C)),
                 (b + "intermediate.dense.bias", (MLP,)),
                 (b + "output.dense.weight", (C, MLP)), (b + "output.dense.bias", (C,)),
                 (b + "layernorm_before.weight", (C,)), (b + "layernorm_before.bias", (C,)),
                 (b + "layernorm_after.weight", (C,)), (b + "layernorm_after.bias", (C,))]
    if mean_pooling:
        spec += [("fc_norm.weight", (C,)), ("fc_norm.bias", (C,))]
    else:
        spec += [("videomae.layernorm.weight", (C,)), ("videomae.layernorm.bias", (C,))]
    spec += [("classifier.weight", (classes, C)), ("classifier.bias", (classes,))]
    return _random(spec, seed)


def id2label(classes):
    """An id2label object as save_pretrained writes it: string keys (here out of order)."""
    names = [f"action {i}" for i in range(classes)]
    keys = sorted(range(classes), key=str)  # "0", "1", "10", "11", "2", ...
    return {str(i): names[i] for i in keys}, names


def hf_config(family, classes=CLASSES, **changes):
    """A config.json dict in save_pretrained's layout for the small models."""
    labels, _ = id2label(classes)
    common = {
        "architectures": [{"timesformer": "TimesformerForVideoClassification",
                           "vivit": "VivitForVideoClassification",
                           "videomae": "VideoMAEForVideoClassification"}[family]],
        "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0,
        "hidden_size": C, "num_hidden_layers": DEPTH, "num_attention_heads": HEADS,
        "intermediate_size": MLP, "image_size": 32, "num_channels": 3,
        "initializer_range": 0.02, "qkv_bias": True, "id2label": labels,
        "label2id": {v: int(k) for k, v in labels.items()},
        "model_type": family, "torch_dtype": "float32", "transformers_version": "4.57.1",
    }
    if family == "timesformer":
        common.update(patch_size=PATCH, num_frames=4, layer_norm_eps=1e-6, hidden_act="gelu",
                      attention_type="divided_space_time", drop_path_rate=0.0)
    elif family == "vivit":
        common.update(tubelet_size=[2, PATCH, PATCH], num_frames=4, layer_norm_eps=1e-6,
                      hidden_act="gelu_fast")
    else:
        common.update(patch_size=PATCH, tubelet_size=2, num_frames=4, layer_norm_eps=1e-12,
                      hidden_act="gelu", use_mean_pooling=True, norm_pix_loss=True,
                      decoder_hidden_size=384, decoder_num_hidden_layers=4,
                      decoder_num_attention_heads=6, decoder_intermediate_size=1536)
    common.update(changes)
    return common


def write_hf_dir(directory, state, config, formats=("bin",)):
    """An HF model directory: config.json plus pytorch_model.bin and/or model.safetensors."""
    torch = need_torch()
    os.makedirs(directory, exist_ok=True)
    if config is not None:
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
    if "bin" in formats:
        torch.save(state, os.path.join(directory, "pytorch_model.bin"))
    if "safetensors" in formats:
        from ufconvert import safetensors as st
        st.write(os.path.join(directory, "model.safetensors"),
                 collections.OrderedDict((k, v.contiguous().numpy()) for k, v in state.items()),
                 {"format": "pt"})
    return directory


# ---- training checkpoints


def timesformer_cfg(frames=4, train_crop=32, test_crop=32, classes=CLASSES, rate=8,
                    attention="divided_space_time", flow=False):
    """cfg.dump() text as yacs writes it (PyYAML safe_dump, sorted keys).

    Block style (PyYAML >= 5.1), or with flow=True the older default that puts
    the innermost collections in flow style.
    """
    if flow:
        return (f"BN: {{NORM_TYPE: batchnorm, NUM_BATCHES_PRECISE: 200}}\n"
                f"DATA:\n  DECODING_BACKEND: pyav\n  MEAN: [0.45, 0.45, 0.45]\n"
                f"  NUM_FRAMES: {frames}\n  PATH_TO_DATA_DIR: ''\n"
                f"  SAMPLING_RATE: {rate}\n  STD: [0.225, 0.225, 0.225]\n"
                f"  TEST_CROP_SIZE: {test_crop}\n  TRAIN_CROP_SIZE: {train_crop}\n"
                f"  TRAIN_JITTER_SCALES: [256, 320]\n"
                f"MODEL: {{ARCH: vit, DROPOUT_RATE: 0.5, LOSS_FUNC: cross_entropy, MODEL_NAME: "
                f"vit_base_patch16_224,\n  NUM_CLASSES: {classes}}}\nNUM_GPUS: 8\n"
                f"TIMESFORMER: {{ATTENTION_TYPE: {attention}, PRETRAINED_MODEL: ''}}\n")
    return (f"BN:\n  NORM_TYPE: batchnorm\n  NUM_BATCHES_PRECISE: 200\n"
            f"DATA:\n  DECODING_BACKEND: pyav\n  MEAN:\n  - 0.45\n  - 0.45\n  - 0.45\n"
            f"  NUM_FRAMES: {frames}\n  PATH_TO_DATA_DIR: /datasets/kinetics400\n"
            f"  SAMPLING_RATE: {rate}\n  STD:\n  - 0.225\n  - 0.225\n  - 0.225\n"
            f"  TEST_CROP_SIZE: {test_crop}\n  TRAIN_CROP_SIZE: {train_crop}\n"
            f"  TRAIN_JITTER_SCALES:\n  - 256\n  - 320\n"
            f"MODEL:\n  ARCH: vit\n  DROPOUT_RATE: 0.5\n  LOSS_FUNC: cross_entropy\n"
            f"  MODEL_NAME: vit_base_patch16_224\n  NUM_CLASSES: {classes}\n"
            f"NUM_GPUS: 8\nSOLVER:\n  BASE_LR: 0.005\n  STEPS:\n  - 0\n  - 11\n  - 14\n"
            f"TEST:\n  NUM_ENSEMBLE_VIEWS: 1\n  NUM_SPATIAL_CROPS: 3\n"
            f"TIMESFORMER:\n  ATTENTION_TYPE: {attention}\n  PRETRAINED_MODEL: ''\n")


def _optimizer_state(state, kind):
    """A real optimizer.state_dict() for parameters shaped like state (one step taken)."""
    torch = need_torch()
    params = [torch.nn.Parameter(v.clone()) for v in list(state.values())[:6]]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=0.005, momentum=0.9, weight_decay=1e-4)
    else:
        opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
    for p in params:
        p.grad = torch.ones_like(p)
    opt.step()
    return opt.state_dict()


def timesformer_pyth(path, state, cfg):
    """utils/checkpoint.py save_checkpoint: {epoch, model_state, optimizer_state, cfg}."""
    torch = need_torch()
    torch.save({"epoch": 15, "model_state": state,
                "optimizer_state": _optimizer_state(state, "sgd"), "cfg": cfg}, path)
    return path


def videomae_args(**changes):
    """An argparse.Namespace like run_class_finetuning.py's (a few dozen of its fields)."""
    fields = dict(batch_size=8, epochs=30, update_freq=1, save_ckpt_freq=10,
                  model="vit_base_patch16_224", tubelet_size=2, input_size=32, fc_drop_rate=0.0,
                  drop=0.0, attn_drop_rate=0.0, drop_path=0.1, disable_eval_during_finetuning=False,
                  model_ema=False, opt="adamw", opt_eps=1e-8, opt_betas=[0.9, 0.999],
                  clip_grad=None, momentum=0.9, weight_decay=0.05, lr=1e-3, layer_decay=0.75,
                  warmup_epochs=5, smoothing=0.1, reprob=0.25, mixup=0.8, cutmix=1.0,
                  finetune="checkpoint-799.pth", model_key="model|module", init_scale=0.001,
                  use_mean_pooling=True, data_path="/datasets/k400", eval_data_path=None,
                  nb_classes=CLASSES, imagenet_default_mean_and_std=True, num_segments=1,
                  num_frames=4, sampling_rate=4, data_set="Kinetics-400",
                  output_dir="/out", log_dir="/out", device="cuda", seed=0, resume="",
                  auto_resume=True, save_ckpt=True, start_epoch=0, eval=False,
                  dist_eval=True, num_workers=10, pin_mem=True, world_size=8, local_rank=-1,
                  dist_on_itp=False, dist_url="env://", enable_deepspeed=False, rank=0,
                  gpu=0, distributed=True, dist_backend="nccl")
    fields.update(changes)
    return argparse.Namespace(**fields)


def videomae_pth(path, state, args=None, key="model"):
    """utils.save_model without DeepSpeed: {model, optimizer, epoch, scaler, args}."""
    torch = need_torch()
    obj = {key: state, "optimizer": _optimizer_state(state, "adamw"), "epoch": 29,
           "scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                      "growth_interval": 2000, "_growth_tracker": 117},
           "args": args if args is not None else videomae_args()}
    torch.save(obj, path)
    return path
