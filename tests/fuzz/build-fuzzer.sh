#!/bin/sh
# Builds the libFuzzer model-file fuzzer without meson:
#   tests/fuzz/build-fuzzer.sh [OUTPUT]     (default: build-fuzz/fuzz-model-file)
# Then, from the repository root:
#   build-fuzz/fuzz-model-file -dict=tests/fuzz/model-file.dict -max_total_time=600 \
#       -jobs=1 -workers=1 CORPUS_DIR tests/fuzz/corpus
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build-fuzz/fuzz-model-file}
mkdir -p "$(dirname "$out")"
CC=${CC:-clang}
flags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -D_GNU_SOURCE $flags -Iengine \
  tests/fuzz/fuzz-model-file.c \
  engine/uf-model-file.c engine/uf-arch.c engine/uf-strict-json.c engine/uf-error.c \
  $(pkg-config --cflags --libs glib-2.0 json-glib-1.0) -lm \
  -o "$out"
echo "built $out"
