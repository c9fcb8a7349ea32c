#!/bin/sh
# The engine's GPU checks, for a session that is lent an NVIDIA machine
# (the device tool; its README says how runs work). Two steps:
#
#   here:   ninja -C build && scripts/gpu-check.sh prepare
#   there:  run with carry [".gpu"] and the command
#           sh scripts/gpu-check.sh run
#
# "prepare" puts into .gpu/ (git ignores it) the two programs from this
# machine's build and the Debian packages of the libraries they need (the
# Vulkan loader, GLib, JSON-GLib). "run" unpacks them, then writes under
# $OUT: the devices the engine sees, test-ops (the fp16-arithmetic and
# cooperative-matrix rows run there, not on lavapipe), and bench_engine.py
# for UniFormer-S 16x224x224 (F32 and F16 weights) against PyTorch CUDA,
# eager fp32 and fp16 autocast, with that machine's python3 and torch
# (PYTHON overrides the interpreter).
set -u
cd "$(dirname "$0")/.."

prepare ()
{
  set -e
  rm -rf .gpu && mkdir -p .gpu/bin .gpu/debs
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  cp build/tools/classify/uniformer-classify build/tests/ops/test-ops .gpu/bin/
  (cd .gpu/debs && apt-get download libvulkan1 libglib2.0-0 libjson-glib-1.0-0)
  du -sh .gpu
}

run ()
{
  OUT=${OUT:-/tmp/gpu-check}
  mkdir -p "$OUT" .gpu/root
  # the loader goes to / (as the device README does); the rest stays private
  for f in .gpu/debs/libvulkan1_*.deb; do dpkg -x "$f" /; done
  ldconfig
  for f in .gpu/debs/*.deb; do dpkg -x "$f" .gpu/root; done
  export LD_LIBRARY_PATH="$PWD/.gpu/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -e "$icd" ] && export VK_DRIVER_FILES="$icd"
  export XDG_CACHE_HOME="$OUT/cache"
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
  .gpu/bin/uniformer-classify --list-devices > "$OUT/devices.txt" 2>&1
  cat "$OUT/devices.txt"
  .gpu/bin/test-ops > "$OUT/test-ops.log" 2>&1
  echo "test-ops: exit $?, $(grep -c '^ok' "$OUT/test-ops.log") ok," \
      "$(grep -c '^not ok' "$OUT/test-ops.log") not ok, $(grep -c '# SKIP' "$OUT/test-ops.log") skipped"
  grep -E 'not ok|exceeds|engine paths' "$OUT/test-ops.log" | head -20
  for dtype in f32 f16; do
    PYTHONUNBUFFERED=1 ${PYTHON:-python3} tests/reference/bench_engine.py --configs s16 --runs 5 \
        --dtype $dtype --torch-device cuda --classify .gpu/bin/uniformer-classify \
        2>&1 | tee "$OUT/bench-s16-$dtype.txt"
  done
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
