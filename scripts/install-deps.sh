#!/bin/sh
# Installs the Debian 12 packages gst-uniformer needs to build, run and test.
# Installs only what is missing, so it is cheap to run again.
set -eu
PACKAGES="build-essential pkg-config meson ninja-build glslang-tools
  libglib2.0-dev libjson-glib-dev libvulkan-dev mesa-vulkan-drivers vulkan-tools
  vulkan-validationlayers
  python3 python3-numpy python3-torch libopenblas0-pthread"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
