"""Convert official UniFormer video checkpoints into gst-uniformer model files.

Modules, one concern each:
  errors       ConvertError, the one exception bad input raises
  torchzip     PyTorch's zip checkpoint container, read with a restricted unpickler
  safetensors  reading and writing safetensors files
  checkpoint   format sniffing and state_dict unwrapping (model / model_state / module.)
  arch         architecture inference and the key/shape check
  labels       label-list parsing
  convert      state_dict + options -> model file tensors and metadata
  cli          the uniformer-convert command line
"""

VERSION = "0.1.0"
