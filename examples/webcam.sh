#!/bin/sh
# webcam.sh: actions recognised live on a webcam, drawn over the picture.
#
#   v4l2src ! videoconvert ! uniformerinfer ! uniformeroverlay ! videoconvert
#       ! autovideosink
#
# Each classification is also printed (gst-launch-1.0 -m shows the
# "uniformer" element messages). Ctrl-C stops it cleanly (-e: EOS first).
#
# Run from the build tree (the plugin found through GST_PLUGIN_PATH):
#
#   GST_PLUGIN_PATH=build/gst-plugin examples/webcam.sh
#
# or, installed (meson install puts the examples in
# $prefix/libexec/gst-uniformer/examples/):
#
#   /usr/local/libexec/gst-uniformer/examples/webcam.sh
#
# Arguments are extra uniformerinfer properties, for example:
#
#   examples/webcam.sh model=s16x4_k400.safetensors top-k=3 smoothing=4
#
# Environment:
#   UF_SOURCE  the video source (default: v4l2src; e.g.
#              "v4l2src device=/dev/video1", or
#              "videotestsrc is-live=true num-buffers=90" with no camera)
#   UF_SINK    the video sink (default: autovideosink; fakesink with no display)
set -eu

source_desc=${UF_SOURCE:-v4l2src}
sink_desc=${UF_SINK:-autovideosink}

if ! command -v gst-launch-1.0 >/dev/null 2>&1; then
  echo "webcam.sh: gst-launch-1.0 not found (Debian: apt-get install gstreamer1.0-tools)" >&2
  exit 1
fi
if ! gst-inspect-1.0 uniformerinfer >/dev/null 2>&1; then
  echo "webcam.sh: the uniformer plugin is not visible to GStreamer: install it, or set" \
    "GST_PLUGIN_PATH to the build tree's gst-plugin folder" >&2
  exit 1
fi

# The descriptions are split into words on purpose (they hold properties);
# no file-name globbing though.
set -f
# shellcheck disable=SC2086
exec gst-launch-1.0 -e -m \
  $source_desc ! videoconvert ! \
  uniformerinfer "$@" ! uniformeroverlay ! \
  videoconvert ! $sink_desc
