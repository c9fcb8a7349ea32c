"""A stand-in RTSP camera for the rtsp-relay test: serves a flat-coloured
live H.264 stream on a port the system chooses and prints its address.

    /usr/bin/python3 rtsp_source.py      ->  rtsp://127.0.0.1:PORT/camera

Runs until SIGINT or SIGTERM. The picture is one colour (SOURCE_COLOR), so
anything else a client sees in it was drawn by the relay.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

SOURCE_COLOR = 0xff2850c8       # ARGB
WIDTH, HEIGHT, FPS = 320, 240, 15
LAUNCH = (f"( videotestsrc is-live=true pattern=solid-color foreground-color={SOURCE_COLOR} ! "
          f"video/x-raw,width={WIDTH},height={HEIGHT},framerate={FPS}/1 ! "
          "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
          "rtph264pay name=pay0 pt=96 config-interval=-1 )")


def main():
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_service("0")     # any free port
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(LAUNCH)
    factory.set_shared(True)
    server.get_mount_points().add_factory("/camera", factory)
    if server.attach(None) == 0:
        sys.exit("rtsp_source.py: could not listen")
    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"rtsp://127.0.0.1:{server.get_bound_port()}/camera", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
