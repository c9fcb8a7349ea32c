"""Convert video classification checkpoints into gst-uniformer model files:
official UniFormer (S/B and the light XXS/XS), TimeSformer and VideoMAE
checkpoints, and Hugging Face TimeSformer, ViViT and VideoMAE model
directories.

Modules, one concern each:
  errors       ConvertError, the exception bad input raises (OptionError: a bad option)
  torchzip     PyTorch's zip checkpoint container, read with a restricted unpickler
  safetensors  reading and writing safetensors files
  yamlcfg      the yacs cfg.dump() YAML of training checkpoints, without a YAML library
  hf           Hugging Face directories: config.json, weights file, key renames
  checkpoint   format sniffing, state_dict unwrapping (model / model_state / module /
               state_dict, module. and model. prefixes), what cfg and args record
  arch         UniFormer: architecture inference and the key/shape check
  light        light UniFormers (XXS/XS): inference, checks, pruning schedule, tensors
  vit          TimeSformer, ViViT, VideoMAE: inference, checks, tensors, metadata
  labels       label-list parsing
  convert      checkpoint + options -> model file tensors and metadata
  cli          the uniformer-convert command line
"""

VERSION = "0.1.0"
