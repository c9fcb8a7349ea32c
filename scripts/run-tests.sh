#!/bin/sh
# The whole test suite: installs what is missing, builds, runs every test.
# This is the README's test command, and what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# lavapipe compiles a shader at its first dispatch and keeps the machine code
# in Mesa's disk cache; one cache for both builds' runs spares the sanitize
# run from compiling every variant again.
export MESA_SHADER_CACHE_DIR="${MESA_SHADER_CACHE_DIR:-$PWD/build/mesa-shader-cache}"
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@"
# The C tests again under AddressSanitizer and UndefinedBehaviorSanitizer
# (leaks included): the `sanitize` suite, in a build of its own.
[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
meson test -C build-asan --suite sanitize --print-errorlogs --num-processes 2
