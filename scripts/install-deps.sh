#!/bin/sh
# Installs the Debian 12 packages gst-uniformer needs to build, run and test.
# Installs only what is missing, so it is cheap to run again.
set -eu
# gobject-introspection etc.: the GstUniformer typelib of the meta library;
# libmosquitto-dev: uniformerpublish's MQTT client; mosquitto and
# mosquitto-clients: the tests run a broker of their own on a free port
# (openssl makes its TLS certificates).
PACKAGES="build-essential pkg-config meson ninja-build glslang-tools
  libglib2.0-dev libjson-glib-dev libvulkan-dev mesa-vulkan-drivers vulkan-tools
  vulkan-validationlayers
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  libpango1.0-dev libcairo2-dev
  gstreamer1.0-tools python3-gi python3-gst-1.0
  gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav
  libgstrtspserver-1.0-dev gir1.2-gst-rtsp-server-1.0
  gobject-introspection libgirepository1.0-dev gir1.2-gstreamer-1.0
  libmosquitto-dev mosquitto mosquitto-clients openssl
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
