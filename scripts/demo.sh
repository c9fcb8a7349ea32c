#!/bin/sh
# The README's first command, on a fresh Debian 12 machine: installs what is
# missing, builds, renders a demo video whose motion changes every 2.5 seconds,
# runs it through `uniformerinfer ! uniformeroverlay` with the shipped default
# model, writes the annotated video and prints each recognised action with
# its time span. Everything it writes goes to build/demo/.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
mkdir -p build/demo
/usr/bin/python3 tools/uniformer-motion-clips sequence --seed 10 --segment 2.5 --size 640x480 \
  --out build/demo/motion-demo.mp4
echo "== what the demo video shows (build/demo/motion-demo.tsv: class, start s, end s)"
cat build/demo/motion-demo.tsv
echo "== what uniformerinfer recognised (times are window edges: started at the first frame of the first window, ended at the last frame of the last)"
GST_PLUGIN_PATH="$PWD/build/gst-plugin" /usr/bin/python3 examples/actions.py \
  build/demo/motion-demo.mp4 --annotate build/demo/motion-demo-annotated.mp4
echo "== the annotated video: build/demo/motion-demo-annotated.mp4"
