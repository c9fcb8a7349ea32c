#!/bin/sh
# The whole test suite: installs what is missing, builds, runs every test.
# This is the README's test command, and what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@"
