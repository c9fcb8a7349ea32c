"""Hugging Face model directories: config.json, the weights file, key renames.

A directory written by save_pretrained holds config.json and the weights as
model.safetensors or pytorch_model.bin (a torch zip pickle, read with the
restricted unpickler); when both are there the safetensors file is read.
The families are TimeSformer, ViViT and VideoMAE (model_type "timesformer",
"vivit", "videomae"); their keys are renamed to the official names vit.py
uses (../shared/docs/video-vit-spec.md §1.2, §2.2, §3.2), and config.json
gives what no tensor shape shows (heads, eps, GELU form, frames, size, labels),
checked against the shapes where they overlap.
"""

import json
import math
import os
import re

from .errors import ConvertError
from .vit import Hints

CONFIG = "config.json"
WEIGHTS = ("model.safetensors", "pytorch_model.bin")  # in order of preference
SHARDED = ("model.safetensors.index.json", "pytorch_model.bin.index.json")

_P = "(weight|bias)"
_I = "(0|[1-9][0-9]*)"

# (HF name pattern, official name template); \1 is the block index where there is one.
_LAYER = {
    "timesformer": (
        ("layernorm_before", "norm1"), ("attention.attention.qkv", "attn.qkv"),
        ("attention.output.dense", "attn.proj"), ("temporal_layernorm", "temporal_norm1"),
        ("temporal_attention.attention.qkv", "temporal_attn.qkv"),
        ("temporal_attention.output.dense", "temporal_attn.proj"),
        ("temporal_dense", "temporal_fc"), ("layernorm_after", "norm2"),
        ("intermediate.dense", "mlp.fc1"), ("output.dense", "mlp.fc2"),
    ),
    "vivit": (
        ("layernorm_before", "norm1"), ("attention.attention.query", "attn.q"),
        ("attention.attention.key", "attn.k"), ("attention.attention.value", "attn.v"),
        ("attention.output.dense", "attn.proj"), ("layernorm_after", "norm2"),
        ("intermediate.dense", "mlp.fc1"), ("output.dense", "mlp.fc2"),
    ),
    "videomae": (
        ("layernorm_before", "norm1"), ("attention.output.dense", "attn.proj"),
        ("layernorm_after", "norm2"), ("intermediate.dense", "mlp.fc1"),
        ("output.dense", "mlp.fc2"),
    ),
}
_TOP = {
    "timesformer": (
        ("timesformer.embeddings.cls_token", "cls_token"),
        ("timesformer.embeddings.position_embeddings", "pos_embed"),
        ("timesformer.embeddings.time_embeddings", "time_embed"),
        ("timesformer.embeddings.patch_embeddings.projection", "patch_embed.proj"),
        ("timesformer.layernorm", "norm"), ("classifier", "head"),
    ),
    "vivit": (
        ("vivit.embeddings.cls_token", "cls_token"),
        ("vivit.embeddings.position_embeddings", "pos_embed"),
        ("vivit.embeddings.patch_embeddings.projection", "patch_embed.proj"),
        ("vivit.layernorm", "norm"), ("classifier", "head"),
    ),
    "videomae": (
        ("videomae.embeddings.patch_embeddings.projection", "patch_embed.proj"),
        ("videomae.layernorm", "norm"), ("fc_norm", "fc_norm"), ("classifier", "head"),
    ),
}
_PARAMETERS = {"cls_token", "pos_embed", "time_embed"}  # no .weight/.bias suffix


def _rules(family):
    """[(compiled HF pattern, official template)] for family."""
    rules = []
    for hf, official in _TOP[family]:
        if official in _PARAMETERS:
            rules.append((re.compile(re.escape(hf) + "$"), official))
        else:
            rules.append((re.compile(re.escape(hf) + rf"\.{_P}$"), official + r".\1"))
    layer = f"{family}\\.encoder\\.layer\\.{_I}\\."
    for hf, official in _LAYER[family]:
        rules.append((re.compile(layer + re.escape(hf) + rf"\.{_P}$"),
                      r"blocks.\1." + official + r".\2"))
    if family == "videomae":
        for part, short in (("query", "q"), ("key", "k"), ("value", "v")):
            rules.append((re.compile(layer + rf"attention\.attention\.{part}\.weight$"),
                          rf"blocks.\1.attn.{short}.weight"))
        rules.append((re.compile(layer + r"attention\.attention\.(q_bias|v_bias)$"),
                      r"blocks.\1.attn.\2"))
    return rules


RULES = {family: _rules(family) for family in _TOP}
PREFIXES = {family: family + "." for family in _TOP}


def family_of_keys(keys):
    """The HF family whose prefix the keys use, or None."""
    for family, prefix in PREFIXES.items():
        if any(k.startswith(prefix) for k in keys):
            return family
    return None


def rename(family, state):
    """(state with official names, official name -> HF name); ConvertError on unknown keys."""
    out, names = {}, {}
    for key, value in state.items():
        for pattern, template in RULES[family]:
            m = pattern.match(key)
            if m:
                new = m.expand(template)
                break
        else:
            tell = ""
            if key.startswith(("decoder.", "encoder_to_decoder.", "mask_token")):
                tell = " (a VideoMAE pre-training checkpoint, which has no classifier)"
            elif key.startswith(f"{family}.pooler."):
                tell = " (a pooler: the video classification models have none)"
            raise ConvertError(f"unexpected key {key!r}: not part of a Hugging Face "
                               f"{family} video classification checkpoint{tell}")
        out[new] = value
        names[new] = key
    return out, names


def official_to_hf(family, names):
    """names extended with the HF spelling of every official key (for missing-key messages)."""
    class Names(dict):
        def get(self, key, default=None):
            if key in self:
                return self[key]
            m = re.match(r"^blocks\.(\d+)\.(.*)$", key)
            tail, index = (m.group(2), m.group(1)) if m else (key, None)
            for hf, official in (_LAYER[family] if m else _TOP[family]):
                for suffix in ("", ".weight", ".bias"):
                    if tail == official + suffix:
                        head = f"{family}.encoder.layer.{index}." if m else ""
                        return head + hf + suffix
            if m and family == "videomae":
                parts = {"attn.q.weight": "attention.attention.query.weight",
                         "attn.k.weight": "attention.attention.key.weight",
                         "attn.v.weight": "attention.attention.value.weight",
                         "attn.q_bias": "attention.attention.q_bias",
                         "attn.v_bias": "attention.attention.v_bias"}
                if tail in parts:
                    return f"videomae.encoder.layer.{index}.{parts[tail]}"
            return default
    return Names(names)


def weights_file(directory):
    """The weights file of an HF directory; ConvertError when there is none or no config."""
    present = [f for f in WEIGHTS if os.path.isfile(os.path.join(directory, f))]
    if not os.path.isfile(os.path.join(directory, CONFIG)):
        if present:
            raise ConvertError(f"{directory}: a Hugging Face model directory needs {CONFIG} "
                               f"(the attention head count and the frame count are in no "
                               f"tensor), but it has only {present[0]}")
        raise ConvertError(f"{directory} is a directory, but not a Hugging Face model "
                           f"directory: it has no {CONFIG} and no "
                           f"{' or '.join(WEIGHTS)}")
    if not present:
        sharded = [f for f in SHARDED if os.path.isfile(os.path.join(directory, f))]
        if sharded:
            raise ConvertError(f"{directory}: sharded checkpoints ({sharded[0]}) are not "
                               "supported")
        raise ConvertError(f"{directory}: no weights: neither {' nor '.join(WEIGHTS)}")
    return os.path.join(directory, present[0])


def read_config(path):
    """config.json as a dict; ConvertError if it is not a JSON object."""
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except UnicodeDecodeError as e:
        raise ConvertError(f"{path}: not UTF-8 text ({e.reason})")
    except json.JSONDecodeError as e:
        raise ConvertError(f"{path}: not valid JSON ({e})")
    except RecursionError:
        raise ConvertError(f"{path}: nested too deeply")
    if not isinstance(config, dict):
        raise ConvertError(f"{path}: not a JSON object")
    return config


def _int(config, key, where):
    value = config[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConvertError(f"{where} {key} is {value!r}, not a positive integer")
    return value


def _pair(config, key, where):
    """An int or [h, w] size."""
    value = config[key]
    if isinstance(value, (list, tuple)) and len(value) == 2:
        values = value
    else:
        values = [value, value]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise ConvertError(f"{where} {key} is {value!r}, not a positive size")
    return tuple(values)


def labels_of(config, where):
    """The class names of id2label in index order, or None when config has none.

    Keys are JSON strings: each must be a decimal integer, together exactly
    0..K-1; names must be non-empty and distinct.
    """
    id2label = config.get("id2label")
    if id2label is None:
        return None
    if not isinstance(id2label, dict):
        raise ConvertError(f"{where} id2label is not an object")
    rows = {}
    for key, name in id2label.items():
        if not re.fullmatch(r"0|[1-9][0-9]{0,8}", key):
            raise ConvertError(f"{where} id2label key {key!r} is not a class index")
        if not isinstance(name, str) or not name.strip():
            raise ConvertError(f"{where} id2label[{key!r}] is {name!r}, not a class name")
        rows[int(key)] = name.strip()
    if sorted(rows) != list(range(len(rows))):
        gap = next(i for i in range(len(rows) + 1) if i not in rows)
        raise ConvertError(f"{where} id2label keys must be 0..{len(rows) - 1}, but {gap} is "
                           "missing")
    names = [rows[i] for i in range(len(rows))]
    seen = {}
    for i, name in enumerate(names):
        if name in seen:
            raise ConvertError(f"{where} id2label names {name!r} twice ({seen[name]} and "
                               f"{i}); give --labels")
        seen[name] = i
    return names


GELU = {"gelu": "exact", "gelu_fast": "tanh"}

# The configuration classes' defaults, for keys a config.json leaves out
# (save_pretrained writes them all; hand-made files may not). The head count
# has a default too (12), but it is never assumed.
DEFAULTS = {
    "timesformer": {"layer_norm_eps": 1e-6, "hidden_act": "gelu", "qkv_bias": True,
                    "attention_type": "divided_space_time"},
    "vivit": {"layer_norm_eps": 1e-6, "hidden_act": "gelu_fast", "qkv_bias": True,
              "num_frames": 32, "image_size": 224},
    "videomae": {"layer_norm_eps": 1e-12, "hidden_act": "gelu", "qkv_bias": True,
                 "use_mean_pooling": True, "num_frames": 16, "image_size": 224},
}


def hints(config, family, where=CONFIG):
    """Hints from config.json for family (values checked for type, not yet against tensors)."""
    h = Hints(hf=(True, where))
    model_type = config.get("model_type")
    if model_type is not None and model_type != family:
        raise ConvertError(f"{where} model_type is {model_type!r}, but the keys are a "
                           f"{family} model's")
    absent = {k: v for k, v in DEFAULTS[family].items() if k not in config}
    config = dict(config, **absent)
    def where_of(key):
        return (f"HF's default {key} ({where} has none)" if key in absent
                else f"{where} {key}")

    plain = {"hidden_size": "hidden_size", "num_hidden_layers": "depth",
             "intermediate_size": "mlp_dim", "num_attention_heads": "num_heads",
             "num_frames": "frames", "num_channels": "num_channels"}
    if family != "vivit":
        plain["patch_size"] = "patch_size"
    for key, name in plain.items():
        if key in config:
            h[name] = (_int(config, key, where), where_of(key))
    if family == "videomae" and "tubelet_size" in config:
        h["tubelet_size"] = (_int(config, "tubelet_size", where), f"{where} tubelet_size")
    if family == "vivit" and "tubelet_size" in config:
        t = config["tubelet_size"]
        if not (isinstance(t, list) and len(t) == 3 and all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in t)):
            raise ConvertError(f"{where} tubelet_size is {t!r}, not [t, h, w]")
        if t[1] != t[2]:
            raise ConvertError(f"{where} tubelet_size {t} has non-square patches; only "
                               "square ones are supported")
        h["tubelet_size"] = (t[0], f"{where} tubelet_size[0]")
        h["patch_size"] = (t[1], f"{where} tubelet_size[1:]")
    if "image_size" in config:
        size = _pair(config, "image_size", where)
        h["crop"] = (size, where_of("image_size"))
        if family == "timesformer":
            h["train_crop"] = (size, where_of("image_size"))
    if "layer_norm_eps" in config:
        eps = config["layer_norm_eps"]
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not (
                math.isfinite(eps) and 0 < eps < 1):
            raise ConvertError(f"{where} layer_norm_eps is {eps!r}, not a small positive "
                               "number")
        h["layer_norm_eps"] = (float(eps), where_of("layer_norm_eps"))
    if "hidden_act" in config:
        act = config["hidden_act"]
        if act not in GELU:
            raise ConvertError(f"{where} hidden_act is {act!r}: only 'gelu' (exact) and "
                               "'gelu_fast' (tanh) are supported")
        h["gelu"] = (GELU[act], where_of("hidden_act"))
    for key in ("qkv_bias", "use_mean_pooling"):
        if key in config and (family == "videomae" or key == "qkv_bias"):
            if not isinstance(config[key], bool):
                raise ConvertError(f"{where} {key} is {config[key]!r}, not true or false")
            h[key] = (config[key], where_of(key))
    if family == "timesformer" and "attention_type" in config:
        h["attention_type"] = (config["attention_type"], where_of("attention_type"))
    if family == "videomae":
        # HF's VideoMAEForVideoClassification: nn.LayerNorm(hidden_size), eps left at 1e-5
        h["fc_norm_eps"] = (1e-5, "HF's fc_norm (eps fixed at 1e-5)")
    names = labels_of(config, where)
    if names is not None:
        h["labels"] = (names, f"{where} id2label")
        h["num_classes"] = (len(names), f"{where} id2label's size")
    return h
