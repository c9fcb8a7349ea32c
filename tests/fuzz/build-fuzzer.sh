#!/bin/sh
# Builds the libFuzzer model-file fuzzer (a clang meson build in build-fuzz):
#   tests/fuzz/build-fuzzer.sh [OUTPUT]     (default: build-fuzz/fuzz-model-file)
# Then, from the repository root:
#   build-fuzz/fuzz-model-file -dict=tests/fuzz/model-file.dict -max_total_time=600 \
#       -jobs=1 -workers=1 CORPUS_DIR tests/fuzz/corpus
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build-fuzz/fuzz-model-file}
# A meson build of its own with clang and -Dfuzzer=true (tests/fuzz/meson.build
# says which sources carry the instrumentation).
dir=$(dirname "$out")
[ -d "$dir/meson-info" ] || CC=${CC:-clang} meson setup "$dir" -Dfuzzer=true -Db_lundef=false
ninja -C "$dir" tests/fuzz/fuzz-model-file
[ "$dir/tests/fuzz/fuzz-model-file" -ef "$out" ] || cp "$dir/tests/fuzz/fuzz-model-file" "$out"
echo "built $out"
