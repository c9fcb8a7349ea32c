#!/usr/bin/python3
"""Builds one seeded random-weight TimeSformer / ViViT / VideoMAE test case.

    make_vit_case.py FAMILY OUTDIR [--preset NAME] [--layout official|hf] [options]

FAMILY is timesformer, vivit or videomae.  OUTDIR receives

* the checkpoint, in a real on-disk format:
    official TimeSformer  model.pyth   torch.save({'epoch', 'model_state': {'model.'+k},
                                                  'optimizer_state', 'cfg': YAML text})
    official VideoMAE     model.pth    torch.save({'model' (or 'module'), 'epoch',
                                                  'args': argparse.Namespace})
    Hugging Face          hf/          config.json, pytorch_model.bin,
                                       preprocessor_config.json
  (ViViT has no official PyTorch format, Scenic's is flax msgpack: hf only);
* input.npy     a normalised random clip [1,3,T,H,W] float32 at the *run* size;
* logits.npy    the reference logits for it, float32 computation, [K] float32;
* logits64.npy  the same computed in float64 ([K] float64; not for presets
                unless --logits64);
* case.json     every hyper-parameter (heads and head_dim included: the
                official formats do not carry them), the run and trained sizes,
                the paths, logit statistics and timings.

Weights: fan-in scaled random init (as make_case.py, so that attention is
peaked and every branch matters), LayerNorm weight 1 + 0.1 randn and bias
0.1 randn, cls / pos / time embeddings random, TimeSformer's temporal_fc
non-zero, VideoMAE's q_bias / v_bias non-zero.  The head is scaled so that
max|logit| on the case's clip is --head-max (5).

TimeSformer may be run at a frame count / size other than the trained one
(--train-frames, --train-size): the file holds the embeddings at the trained
size and the reference resizes them as the official code does.  Its trained
size is square; by default it is the run height.

Python API (for the fidelity tests):

    generate(family, outdir, **options) -> info dict (also written as case.json);
        options are the long option names with '_' (hidden=, frames=, layout=, ...)
    load_checkpoint(path, heads=None) -> reference model rebuilt from the file alone
        (heads: the official formats do not store it; default hidden // 64)
    load_case(outdir) -> (model, clip tensor, info)
"""
import argparse
import collections
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import video_vit_ref as ref  # noqa: E402

# Small default cases: every option's value unless a preset or the command line
# overrides it.  height != width so that an h/w mix-up shows; 12 classes so
# that HF's string-sorted id2label keys ('10' < '2') are exercised.
SMALL = dict(hidden=64, depth=2, heads=4, mlp=128, patch=16, frames=4, height=32, width=48,
             classes=12)

PRESETS = {
    'timesformer': {
        'small': dict(SMALL, tubelet=1),
        'b8': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=1, frames=8,
                   height=224, width=224, classes=400),
        'hr16': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=1, frames=16,
                     height=448, width=448, classes=400),
        'l96': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=1, frames=96,
                    height=224, width=224, classes=400),
    },
    'vivit': {
        'small': dict(SMALL, tubelet=2),
        'b32': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2, frames=32,
                    height=224, width=224, classes=400),
    },
    'videomae': {
        'small': dict(SMALL, tubelet=2),
        's16': dict(hidden=384, depth=12, heads=6, mlp=1536, patch=16, tubelet=2, frames=16,
                    height=224, width=224, classes=400),
        'b16': dict(hidden=768, depth=12, heads=12, mlp=3072, patch=16, tubelet=2, frames=16,
                    height=224, width=224, classes=400),
        'l16': dict(hidden=1024, depth=24, heads=16, mlp=4096, patch=16, tubelet=2, frames=16,
                    height=224, width=224, classes=400),
        'h16': dict(hidden=1280, depth=32, heads=16, mlp=5120, patch=16, tubelet=2, frames=16,
                    height=224, width=224, classes=400),
    },
}

# Seeds of the default cases, picked so that the top-6 logits are >= 1% of
# max|logit| apart (see top6_gap), for each layout's default eps.
DEFAULT_SEED = {'timesformer': 4, 'vivit': 4, 'videomae': 2}

# Per family: the default layout, and eps / head_eps per layout.
DEFAULT_LAYOUT = {'timesformer': 'official', 'vivit': 'hf', 'videomae': 'official'}
EPS = {('timesformer', 'official'): (1e-6, 1e-6), ('timesformer', 'hf'): (1e-6, 1e-6),
       ('vivit', 'hf'): (1e-6, 1e-6),
       ('videomae', 'official'): (1e-6, 1e-6), ('videomae', 'hf'): (1e-12, 1e-5)}

# Test-time preprocessing of each family (spec 1.3, 2.3, 3.3), recorded in case.json.
PREPROCESS = {
    'timesformer': dict(mean=[0.45] * 3, std=[0.225] * 3, sampling_rate=32),
    'vivit': dict(mean=[0.5] * 3, std=[0.5] * 3, sampling_rate=2),
    'videomae': dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225], sampling_rate=4),
}

# Gain g in std = g / sqrt(fan_in), by module name (last component before the
# leaf).  Branch outputs get 0.5 so the residual stream grows slowly; qkv 1.5
# so attention logits have std ~2 (peaked).  Embedding std by parameter name.
GAINS = {'qkv': 1.5, 'proj': 0.5, 'fc2': 0.5, 'temporal_fc': 0.5}
EMBED_STD = {'cls_token': 1.0, 'pos_embed': 0.5, 'time_embed': 0.5}


def _trunc_randn(shape, g):
    return torch.randn(shape, generator=g).clamp_(-2, 2)


def randomize_(model, seed):
    """Fills every tensor of @model's state_dict from a generator seeded @seed."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            parts = name.split('.')
            leaf, owner = parts[-1], (parts[-2] if len(parts) > 1 else '')
            if name in EMBED_STD:
                t.copy_(EMBED_STD[name] * torch.randn(t.shape, generator=g))
            elif 'norm' in owner:                       # every LayerNorm
                if leaf == 'weight':
                    t.copy_(1 + 0.1 * torch.randn(t.shape, generator=g))
                else:
                    t.copy_(0.1 * torch.randn(t.shape, generator=g))
            elif t.dim() >= 2:                          # conv / linear weight
                gain = 1.0 if name.startswith(('patch_embed', 'head')) else GAINS.get(owner, 1.0)
                t.copy_(_trunc_randn(t.shape, g) * (gain / math.sqrt(t[0].numel())))
            elif leaf in ('q_bias', 'v_bias'):
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
            else:                                       # Linear / conv biases
                t.copy_(0.05 * torch.randn(t.shape, generator=g))
    return model


def round_f16_(model, skip=()):
    """Rounds every tensor with >= 2 dims (except names in @skip) to float16 values."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dim() >= 2 and name not in skip:
                t.copy_(t.half().float())
    return model


def make_clip(frames, height, width, seed):
    """A normalised clip [1,3,T,H,W] ~ N(0,1): a smooth random field plus noise."""
    g = torch.Generator().manual_seed(seed + 7919)
    low = torch.randn((1, 3, max(frames // 4, 1), max(height // 16, 1), max(width // 16, 1)),
                      generator=g)
    x = F.interpolate(low, size=(frames, height, width), mode='trilinear', align_corners=False)
    x = x / x.std() + 0.5 * torch.randn(x.shape, generator=g)
    x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True)
    return x.float().contiguous()


def top6_gap(logits):
    """Smallest gap between consecutive top-6 logits, relative to max|logit|."""
    s = np.sort(np.asarray(logits, dtype=np.float64))[::-1][:6]
    return float(np.min(s[:-1] - s[1:]) / np.abs(logits).max()) if s.size > 1 else 1.0


# ---------------------------------------------------------------------------
# Option handling

def resolve(family, preset=None, layout=None, **opt):
    """The full case description: preset values, overridden by @opt."""
    if family not in ref.FAMILIES:
        raise ValueError('family must be one of %s' % (ref.FAMILIES,))
    preset = preset or 'small'
    if preset not in PRESETS[family]:
        raise ValueError('%s presets: %s' % (family, sorted(PRESETS[family])))
    c = dict(PRESETS[family][preset])
    layout = layout or DEFAULT_LAYOUT[family]
    if (family, layout) not in EPS:
        raise ValueError('%s has no %s checkpoint format (ViViT: hf only; Scenic msgpack '
                         'is not written)' % (family, layout))
    eps, head_eps = EPS[(family, layout)]
    c.update(eps=eps, head_eps=head_eps, pooling={'timesformer': 'cls', 'vivit': 'cls',
                                                  'videomae': 'mean'}[family],
             gelu='tanh' if family == 'vivit' else 'exact', seed=DEFAULT_SEED[family],
             train_frames=None, train_size=None, head_max=5.0, round_f16=False,
             checkpoint=True, logits=True, logits64=preset == 'small',
             videomae_key='model', optimizer_state=False, min_gap=None)
    for k, v in opt.items():
        if k not in c:
            raise TypeError('unknown option %s' % k)
        if v is not None:
            c[k] = v
    c.update(family=family, preset=preset, layout=layout)
    if family == 'timesformer':
        c['tubelet'] = 1
        c['train_frames'] = c['train_frames'] or c['frames']
        c['train_size'] = c['train_size'] or c['height']
    else:
        if c['train_frames'] not in (None, c['frames']) or c['train_size'] is not None:
            raise ValueError('%s cannot run at another frame count or size than trained '
                             '(--train-frames / --train-size are TimeSformer only)' % family)
        c['train_frames'] = c['frames']
    if family != 'videomae' and c['pooling'] != 'cls':
        raise ValueError('%s pooling is cls' % family)
    if family == 'videomae' and c['pooling'] not in ('mean', 'token0'):
        raise ValueError('videomae pooling is mean or token0')
    if c['pooling'] != 'mean':
        c['head_eps'] = c['eps']
    for k in ('height', 'width', 'train_size'):
        if c[k] is not None and c[k] % c['patch']:
            raise ValueError('%s %d is not a multiple of the patch size %d' % (k, c[k], c['patch']))
    if c['frames'] % c['tubelet']:
        raise ValueError('frames %d is not a multiple of the tubelet %d'
                         % (c['frames'], c['tubelet']))
    if c['hidden'] % c['heads']:
        raise ValueError('hidden %d is not a multiple of heads %d' % (c['hidden'], c['heads']))
    c['head_dim'] = c['hidden'] // c['heads']
    return c


def model_kwargs(c):
    size = (c['train_size'],) * 2 if c['family'] == 'timesformer' else (c['height'], c['width'])
    return dict(hidden=c['hidden'], depth=c['depth'], heads=c['heads'], mlp=c['mlp'],
                patch=c['patch'], tubelet=c['tubelet'], frames=c['train_frames'], size=size,
                classes=c['classes'], eps=c['eps'], head_eps=c['head_eps'],
                pooling=c['pooling'], gelu=c['gelu'])


def format_warnings(c):
    """What the chosen on-disk format cannot express (the file is still written)."""
    w = []
    fam, lay = c['family'], c['layout']
    if lay == 'official' and c['eps'] != 1e-6:
        w.append('official %s fixes eps 1e-6; the file cannot carry eps %g' % (fam, c['eps']))
    if lay == 'official' and c['head_dim'] != 64:
        w.append('official formats store no head count: the converter needs head_dim %d '
                 '(heads %d) from the command line' % (c['head_dim'], c['heads']))
    if fam == 'videomae' and lay == 'hf' and c['pooling'] == 'mean' and c['head_eps'] != 1e-5:
        w.append('HF VideoMAE hard-codes fc_norm eps 1e-5; the file cannot carry %g'
                 % c['head_eps'])
    if fam == 'videomae' and lay == 'official' and c['head_eps'] != c['eps']:
        w.append('official VideoMAE uses one eps; fc_norm eps %g is not in the file'
                 % c['head_eps'])
    if fam == 'vivit' and c['height'] != c['width']:
        w.append('HF ViViT takes a square image_size only; config.json gets [H, W]')
    if fam == 'videomae' and lay == 'official' and c['height'] != c['width']:
        w.append("official VideoMAE's --input_size is one int; args.input_size gets [H, W]")
    if fam == 'timesformer' and lay == 'hf' and c['train_frames'] != c['frames']:
        w.append('HF TimeSformer only runs at config num_frames (%d); the official code '
                 'resizes time_embed to %d' % (c['train_frames'], c['frames']))
    return w


# ---------------------------------------------------------------------------
# Writers

def _ts_cfg_yaml(c):
    """A yacs cfg.dump() of a TimeSformer training config (the fields the
    official code and a converter read, plus typical neighbours)."""
    import yaml
    cfg = {
        'TRAIN': {'ENABLE': True, 'DATASET': 'kinetics', 'BATCH_SIZE': 8, 'EVAL_PERIOD': 5,
                  'CHECKPOINT_PERIOD': 5, 'AUTO_RESUME': True, 'CHECKPOINT_FILE_PATH': ''},
        'DATA': {'PATH_TO_DATA_DIR': '', 'NUM_FRAMES': c['train_frames'],
                 'SAMPLING_RATE': PREPROCESS['timesformer']['sampling_rate'],
                 'TRAIN_JITTER_SCALES': [256, 320], 'TRAIN_CROP_SIZE': c['train_size'],
                 'TEST_CROP_SIZE': c['train_size'], 'INPUT_CHANNEL_NUM': [3],
                 'MEAN': PREPROCESS['timesformer']['mean'], 'STD': PREPROCESS['timesformer']['std'],
                 'REVERSE_INPUT_CHANNEL': False, 'DECODING_BACKEND': 'pyav'},
        'TIMESFORMER': {'ATTENTION_TYPE': 'divided_space_time', 'PRETRAINED_MODEL': ''},
        'SOLVER': {'BASE_LR': 0.005, 'LR_POLICY': 'steps_with_relative_lrs', 'STEPS': [0, 11, 14],
                   'LRS': [1, 0.1, 0.01], 'MAX_EPOCH': 15, 'MOMENTUM': 0.9,
                   'WEIGHT_DECAY': 1e-4, 'OPTIMIZING_METHOD': 'sgd'},
        'MODEL': {'MODEL_NAME': 'vit_base_patch16_224', 'NUM_CLASSES': c['classes'],
                  'ARCH': 'vit', 'LOSS_FUNC': 'cross_entropy', 'DROPOUT_RATE': 0.5},
        'TEST': {'ENABLE': True, 'DATASET': 'kinetics', 'BATCH_SIZE': 8,
                 'NUM_ENSEMBLE_VIEWS': 1, 'NUM_SPATIAL_CROPS': 3, 'CHECKPOINT_FILE_PATH': ''},
        'DATA_LOADER': {'NUM_WORKERS': 8, 'PIN_MEMORY': True},
        'NUM_GPUS': 8, 'NUM_SHARDS': 1, 'RNG_SEED': 0, 'OUTPUT_DIR': '.',
    }
    return yaml.safe_dump(cfg)


def _sgd_state(sd):
    return {'state': {i: {'momentum_buffer': torch.zeros_like(t)}
                      for i, t in enumerate(sd.values())},
            'param_groups': [{'lr': 0.005, 'momentum': 0.9, 'dampening': 0, 'weight_decay': 1e-4,
                              'nesterov': False, 'params': list(range(len(sd)))}]}


def _videomae_args(c):
    names = {384: 'vit_small_patch16_224', 768: 'vit_base_patch16_224',
             1024: 'vit_large_patch16_224', 1280: 'vit_huge_patch16_224'}
    size = c['height'] if c['height'] == c['width'] else [c['height'], c['width']]
    return argparse.Namespace(
        batch_size=8, epochs=75, update_freq=1, save_ckpt_freq=20,
        model=names.get(c['hidden'], 'vit_base_patch16_224'), tubelet_size=c['tubelet'],
        input_size=size, fc_drop_rate=0.0, drop=0.0, attn_drop_rate=0.0, drop_path=0.1,
        disable_eval_during_finetuning=False, model_ema=False, opt='adamw', opt_eps=1e-8,
        opt_betas=[0.9, 0.999], clip_grad=None, momentum=0.9, weight_decay=0.05, lr=1e-3,
        layer_decay=0.75, warmup_lr=1e-6, min_lr=1e-6, warmup_epochs=5, smoothing=0.1,
        reprob=0.25, mixup=0.8, cutmix=1.0, finetune='', model_key='model|module',
        model_prefix='', init_scale=0.001, use_mean_pooling=c['pooling'] == 'mean',
        data_path='', eval_data_path=None, nb_classes=c['classes'],
        imagenet_default_mean_and_std=True, num_segments=1, num_frames=c['frames'],
        sampling_rate=PREPROCESS['videomae']['sampling_rate'], data_set='Kinetics-400',
        output_dir='', log_dir=None, device='cuda', seed=0, resume='', auto_resume=True,
        save_ckpt=True, start_epoch=0, eval=False, dist_eval=True, num_workers=10,
        pin_mem=True, world_size=1, local_rank=-1, dist_on_itp=False, dist_url='env://',
        enable_deepspeed=c['videomae_key'] == 'module')


def _preprocessor_config(c):
    crop = {'height': c['train_size'], 'width': c['train_size']} if c['family'] == 'timesformer' \
        else {'height': c['height'], 'width': c['width']}
    short = min(crop.values())
    p = {'crop_size': crop, 'do_center_crop': True, 'do_normalize': True, 'do_rescale': True,
         'do_resize': True, 'resample': 2, 'size': {'shortest_edge': short}}
    if c['family'] == 'vivit':
        # The hub file as it is (spec 2.3): rescale to [-1,1], then normalise again.
        p.update(image_processor_type='VivitImageProcessor', rescale_factor=1 / 127.5,
                 offset=True, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    else:
        pp = PREPROCESS[c['family']]
        p.update(image_processor_type='VideoMAEImageProcessor', rescale_factor=1 / 255,
                 image_mean=pp['mean'], image_std=pp['std'])
    return p


def write_checkpoint(model, c, outdir):
    """Writes @model in the format of c['layout']; returns the path (file or HF dir)."""
    sd = collections.OrderedDict((k, v.detach().clone().contiguous())
                                 for k, v in model.state_dict().items())
    fam, lay = c['family'], c['layout']
    if lay == 'hf':
        d = os.path.join(outdir, 'hf')
        os.makedirs(d, exist_ok=True)
        labels = {i: 'label_%03d' % i for i in range(c['classes'])}
        with open(os.path.join(d, 'config.json'), 'w') as f:
            # save_pretrained writes sort_keys=True: id2label '0','1','10','11','2',...
            json.dump(ref.hf_config(model, labels), f, indent=2, sort_keys=True)
            f.write('\n')
        with open(os.path.join(d, 'preprocessor_config.json'), 'w') as f:
            json.dump(_preprocessor_config(c), f, indent=2, sort_keys=True)
            f.write('\n')
        torch.save(ref.to_hf_state_dict(model, sd), os.path.join(d, 'pytorch_model.bin'))
        return d
    if fam == 'timesformer':
        path = os.path.join(outdir, 'model.pyth')
        ms = collections.OrderedDict(('model.' + k, v) for k, v in sd.items())
        torch.save({'epoch': 1, 'model_state': ms,
                    'optimizer_state': _sgd_state(sd) if c['optimizer_state'] else {},
                    'cfg': _ts_cfg_yaml(c)}, path)
        return path
    if fam == 'videomae':
        path = os.path.join(outdir, 'model.pth')
        ck = {c['videomae_key']: sd, 'epoch': 1, 'args': _videomae_args(c)}
        if c['optimizer_state']:
            ck.update(optimizer={'state': {}, 'param_groups': []}, scaler={'scale': 65536.0})
        torch.save(ck, path)
        return path
    raise ValueError('no %s format for %s' % (lay, fam))


# ---------------------------------------------------------------------------
# Reading back (from the file alone, as a converter would)

def _count_blocks(sd, prefix='blocks.'):
    idx = {int(k[len(prefix):].split('.')[0]) for k in sd if k.startswith(prefix)}
    assert idx == set(range(len(idx))), sorted(idx)
    return len(idx)


def load_checkpoint(path, heads=None, **override):
    """A reference model rebuilt from the checkpoint at @path (a .pyth, a .pth
    or an HF directory).  Official formats do not store the head count:
    @heads, default hidden // 64.  @override: model options the file cannot
    carry (eps, head_eps)."""
    if os.path.isdir(path):
        with open(os.path.join(path, 'config.json')) as f:
            cfg = json.load(f)
        if heads is not None and heads != cfg['num_attention_heads']:
            raise ValueError('heads %d != config.json %d' % (heads, cfg['num_attention_heads']))
        model = ref.model_from_hf_config(cfg, **override)
        sd = torch.load(os.path.join(path, 'pytorch_model.bin'), map_location='cpu')
        model.load_state_dict(ref.from_hf_state_dict(cfg['model_type'], sd), strict=True)
        return model.eval()
    ck = torch.load(path, map_location='cpu')
    if 'model_state' in ck:                                 # official TimeSformer
        import yaml
        sd = collections.OrderedDict((k[len('model.'):], v) for k, v in ck['model_state'].items())
        cfg = yaml.safe_load(ck['cfg'])
        hidden = sd['cls_token'].shape[-1]
        P = math.isqrt(sd['pos_embed'].shape[1] - 1)
        p = sd['patch_embed.proj.weight'].shape[-1]
        assert cfg['DATA']['NUM_FRAMES'] == sd['time_embed'].shape[1]
        assert cfg['MODEL']['NUM_CLASSES'] == sd['head.weight'].shape[0]
        assert cfg['TIMESFORMER']['ATTENTION_TYPE'] == 'divided_space_time'
        kw = dict(hidden=hidden, depth=_count_blocks(sd), heads=heads or hidden // 64,
                  mlp=sd['blocks.0.mlp.fc1.weight'].shape[0], patch=p,
                  frames=cfg['DATA']['NUM_FRAMES'], size=P * p,
                  classes=cfg['MODEL']['NUM_CLASSES'], eps=1e-6)
        kw.update(override)
        model = ref.build('timesformer', **kw)
    else:                                                   # official VideoMAE
        sd = ck['model'] if 'model' in ck else ck['module']
        args = ck['args']
        hidden = sd['patch_embed.proj.weight'].shape[0]
        kt, p = sd['patch_embed.proj.weight'].shape[2:4]
        size = args.input_size
        assert kt == args.tubelet_size
        pooling = 'mean' if 'fc_norm.weight' in sd else 'token0'
        assert pooling == ('mean' if args.use_mean_pooling else 'token0')
        kw = dict(hidden=hidden, depth=_count_blocks(sd), heads=heads or hidden // 64,
                  mlp=sd['blocks.0.mlp.fc1.weight'].shape[0], patch=p, tubelet=kt,
                  frames=args.num_frames, size=size, classes=args.nb_classes, eps=1e-6,
                  head_eps=1e-6, pooling=pooling)
        kw.update(override)
        model = ref.build('videomae', **kw)
    model.load_state_dict(sd, strict=True)
    return model.eval()


def load_case(outdir):
    """(model reloaded from the case's checkpoint, clip [1,3,T,H,W], info)."""
    with open(os.path.join(outdir, 'case.json')) as f:
        info = json.load(f)
    over = {}
    if info['layout'] == 'official':                        # what the file cannot carry
        over = dict(eps=info['eps'])
        if info['family'] == 'videomae':
            over['head_eps'] = info['head_eps']
    elif info['family'] == 'videomae' and info['pooling'] == 'mean':
        over = dict(head_eps=info['head_eps'])
    model = load_checkpoint(os.path.join(outdir, info['checkpoint']), heads=info['heads'], **over)
    clip = torch.from_numpy(np.load(os.path.join(outdir, 'input.npy')))
    return model, clip, info


# ---------------------------------------------------------------------------

def build_model(c):
    """The random-weight reference model of case @c (head not yet scaled)."""
    model = randomize_(ref.build(c['family'], **model_kwargs(c)), c['seed'])
    if c['round_f16']:
        round_f16_(model, skip=('head.weight',))
    return model


def _case_logits(c, clip):
    """(model with its head scaled, float32 logits [K] or None, seconds)."""
    model = build_model(c)
    if not (c['logits'] or c['head_max'] or c['min_gap']):
        return model, None, 0.0
    with torch.no_grad():
        t0 = time.monotonic()
        feats = model.features(clip)                    # forward = head(features)
        logits = model.head(feats)
        if c['head_max']:                               # scale the head: max|logit| = head_max
            s = c['head_max'] / float(logits.abs().max())
            model.head.weight.mul_(s)
            model.head.bias.mul_(s)
            if c['round_f16']:
                model.head.weight.copy_(model.head.weight.half().float())
            logits = model.head(feats)
    return model, logits[0].float(), time.monotonic() - t0


def generate(family, outdir, **options):
    """Writes the case into @outdir; returns the case.json dict.  With
    min_gap=G the seed is advanced (up to 100 times) until top6_gap >= G."""
    c = resolve(family, **options)
    t = {}
    t0 = time.monotonic()
    for _ in range(100 if c['min_gap'] else 1):
        clip = make_clip(c['frames'], c['height'], c['width'], c['seed'])
        model, logits, t['forward_s'] = _case_logits(c, clip)
        if not c['min_gap'] or top6_gap(logits.numpy()) >= c['min_gap']:
            break
        c['seed'] += 1
    else:
        raise RuntimeError('no seed with top6_gap >= %g' % c['min_gap'])
    t['build_s'] = time.monotonic() - t0 - t['forward_s']
    os.makedirs(outdir, exist_ok=True)
    info = {k: c[k] for k in ('family', 'preset', 'layout', 'seed', 'hidden', 'depth', 'heads',
                              'head_dim', 'mlp', 'patch', 'tubelet', 'frames', 'classes', 'eps',
                              'head_eps', 'gelu', 'pooling', 'train_frames', 'round_f16')}
    gh, gw = c['height'] // c['patch'], c['width'] // c['patch']
    info.update(crop=[c['height'], c['width']],
                train_size=[c['train_size']] * 2 if family == 'timesformer'
                else [c['height'], c['width']],
                checkpoint=None, input='input.npy', **PREPROCESS[family])
    if family == 'timesformer':
        P = c['train_size'] // c['patch']
        info.update(resize_pos=gh * gw != P * P, resize_time=c['train_frames'] != c['frames'])
    np.save(os.path.join(outdir, 'input.npy'), clip.numpy())
    if logits is not None:
        info.update(max_abs_logit=float(logits.abs().max()), logit_std=float(logits.std()),
                    top5=np.argsort(-logits.numpy())[:5].tolist(),
                    top6_gap=top6_gap(logits.numpy()))
        if c['logits']:
            np.save(os.path.join(outdir, 'logits.npy'), logits.numpy())
            info['logits'] = 'logits.npy'
    if c['logits64']:
        t0 = time.monotonic()
        with torch.no_grad():
            l64 = copy.deepcopy(model).double()(clip.double())[0]
        t['forward64_s'] = time.monotonic() - t0
        np.save(os.path.join(outdir, 'logits64.npy'), l64.numpy())
        info['logits64'] = 'logits64.npy'
        if logits is not None:
            info['f32_vs_f64'] = float((logits.double() - l64).abs().max() / l64.abs().max())
    if c['checkpoint']:
        t0 = time.monotonic()
        path = write_checkpoint(model, c, outdir)
        t['write_s'] = time.monotonic() - t0
        info['checkpoint'] = os.path.relpath(path, outdir)
    info['warnings'] = format_warnings(c)
    info['timing'] = {k: round(v, 3) for k, v in t.items()}
    with open(os.path.join(outdir, 'case.json'), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def verify(outdir):
    """Reloads the case's checkpoint into a fresh reference and compares its
    float32 logits with logits.npy (bitwise).  Returns (ok, message)."""
    t0 = time.monotonic()
    model, clip, info = load_case(outdir)
    with torch.no_grad():
        got = model(clip)[0].float().numpy()
    want = np.load(os.path.join(outdir, 'logits.npy'))
    d = float(np.abs(got - want).max())
    msg = 'reloaded %s: max|dlogit| %.3g (%s), %.2f s' % (
        info['checkpoint'], d, 'identical' if d == 0 else 'DIFFERENT', time.monotonic() - t0)
    if os.path.exists(os.path.join(outdir, 'logits64.npy')):
        w64 = np.load(os.path.join(outdir, 'logits64.npy'))
        msg += '; f32 vs f64 %.2e' % (np.abs(want - w64).max() / np.abs(w64).max())
    return d == 0, msg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('family', choices=ref.FAMILIES)
    ap.add_argument('outdir')
    ap.add_argument('--preset', help='small (default); timesformer b8 hr16 l96; vivit b32; '
                    'videomae s16 b16 l16 h16')
    ap.add_argument('--layout', choices=('official', 'hf'),
                    help='checkpoint format (default: official; vivit: hf)')
    for k in ('hidden', 'depth', 'heads', 'mlp', 'patch', 'frames', 'height', 'width', 'classes',
              'seed'):
        ap.add_argument('--' + k, type=int)
    ap.add_argument('--tubelet', type=int, help='frames per patch (vivit, videomae; default 2)')
    ap.add_argument('--eps', type=float, help='block and final LayerNorm eps')
    ap.add_argument('--head-eps', type=float, help="VideoMAE fc_norm eps (mean pooling)")
    ap.add_argument('--pooling', choices=('cls', 'mean', 'token0'))
    ap.add_argument('--gelu', choices=('exact', 'tanh'))
    ap.add_argument('--train-frames', type=int, help='TimeSformer: trained frame count')
    ap.add_argument('--train-size', type=int, help='TimeSformer: trained (square) input size')
    ap.add_argument('--head-max', type=float, help='max|logit| the head is scaled to (5; 0: no)')
    ap.add_argument('--round-f16', action='store_true', default=None,
                    help='round every >=2-D tensor to float16 values first')
    ap.add_argument('--no-checkpoint', dest='checkpoint', action='store_false', default=None)
    ap.add_argument('--no-logits', dest='logits', action='store_false', default=None)
    ap.add_argument('--logits64', dest='logits64', action='store_true', default=None,
                    help='also float64 logits (default: on for small cases)')
    ap.add_argument('--no-logits64', dest='logits64', action='store_false')
    ap.add_argument('--videomae-key', choices=('model', 'module'))
    ap.add_argument('--optimizer-state', action='store_true', default=None,
                    help='official formats: include a (zero) optimizer state')
    ap.add_argument('--min-gap', type=float,
                    help='advance the seed until the top-6 logits are >= this x max|logit| apart')
    ap.add_argument('--verify', action='store_true',
                    help='reload the written checkpoint and require identical logits')
    ap.add_argument('--threads', type=int, default=2)
    a = vars(ap.parse_args(argv))
    torch.set_num_threads(a.pop('threads'))
    family, outdir, check = a.pop('family'), a.pop('outdir'), a.pop('verify')
    info = generate(family, outdir, **a)
    print(json.dumps({k: v for k, v in info.items() if k != 'warnings'}))
    for w in info['warnings']:
        print('note: ' + w)
    for k in ('checkpoint', 'input', 'logits', 'logits64'):
        if info.get(k):
            print('%s: %s' % (k, os.path.join(outdir, info[k])))
    if check:
        ok, msg = verify(outdir)
        print(('ok: ' if ok else 'FAIL: ') + msg)
        return 0 if ok else 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
