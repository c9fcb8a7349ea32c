"""uniformerpublish against a real mosquitto broker, started here on a free
loopback port: a live pipeline (videotestsrc ! uniformerinfer !
uniformerpublish mode=mqtt ! fakesink) publishes results, and action events
where uniformerinfer sends them, which mosquitto_sub receives. Then the
broker is killed while the pipeline runs: frames keep flowing at the
source's rate (the streaming thread never waits), `connected` goes false,
`messages-dropped` grows and the warnings are posted. The broker is started
again on the same port and delivery resumes. Last, a broker with a TLS
listener (certificates made with openssl) takes a file's results at QoS 1,
all of them delivered before the element stops. The brokers and the
subscribers are stopped at the end whatever happens.

meson sets UF_TEST_MODEL (the tiny model), UF_MOSQUITTO (the broker),
GST_PLUGIN_PATH (the built plugin).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broker  # noqa: E402
from broker import Broker, free_port, wait_for  # noqa: E402

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

MODEL = os.environ["UF_TEST_MODEL"]
FPS = 30
QUEUE = 4
OUTAGE_S = 3.0


class Subscriber(broker.Subscriber):
    """The messages parsed as JSON, by type; with @cafile over TLS."""

    def __init__(self, port, cafile=None):
        super().__init__(port, ("--cafile", cafile) if cafile else ())

    def received(self, kind=None):
        messages = (json.loads(m) for _, m in super().received())
        return [m for m in messages if kind is None or m["type"] == kind]

    def topics(self):
        return {t for t, _ in super().received()}


class Live:
    """The pipeline, with the arrival time of every frame at the sink."""

    def __init__(self, port):
        self.pipeline = Gst.parse_launch(
            "videotestsrc name=cam is-live=true pattern=ball ! "
            f"video/x-raw,width=96,height=72,framerate={FPS}/1 ! "
            f"uniformerinfer name=infer model={MODEL} inference-interval=1 ! "
            f"uniformerpublish name=pub mode=mqtt host=127.0.0.1 port={port} "
            f"max-queue={QUEUE} reconnect-delay=100 max-reconnect-delay=400 ! "
            "fakesink name=sink sync=true")
        infer = self.pipeline.get_by_name("infer")
        # a threshold every window passes with 5 classes: one action starts
        self.actions = infer.find_property("action-start-threshold") is not None
        if self.actions:
            infer.set_property("action-start-threshold", 0.2)
            infer.set_property("action-end-threshold", 0.1)
        self.pub = self.pipeline.get_by_name("pub")
        self.arrivals = []
        sinkpad = self.pipeline.get_by_name("sink").get_static_pad("sink")
        sinkpad.add_probe(Gst.PadProbeType.BUFFER, self._on_buffer)
        self.bus = self.pipeline.get_bus()
        self.warnings = []

    def _on_buffer(self, pad, info):
        self.arrivals.append(time.monotonic())
        return Gst.PadProbeReturn.OK

    def poll_bus(self):
        while (msg := self.bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)):
            if msg.type == Gst.MessageType.ERROR:
                err, debug = msg.parse_error()
                raise AssertionError(f"error from {msg.src.get_name()}: {err.message}\n{debug}")
            err, _ = msg.parse_warning()
            print(f"warning from {msg.src.get_name()}: {err.message}")
            self.warnings.append(err.message)

    def prop(self, name):
        return self.pub.get_property(name)

    def frames_between(self, t0, t1):
        times = [t for t in self.arrivals if t0 <= t <= t1]
        gaps = [b - a for a, b in zip(times, times[1:])]
        return len(times), max(gaps, default=t1 - t0)


def check_result(m):
    assert m["schema"] == 1 and m["type"] == "result", m
    assert m["source"] == "cam", m
    assert m["frames"] == 8, m
    assert m["labels"] == [f"class {i}" for i in m["class_ids"]], m
    assert m["scores"] == sorted(m["scores"], reverse=True), m
    assert m["window_start"] < m["window_end"] <= m["pts"], m
    assert m["model"] == "model-writer test model", m


def run(tmp):
    port = free_port()
    broker = Broker(port, tmp)
    subscribers = []
    live = None
    try:
        broker.start()
        subscribers.append(Subscriber(port))
        live = Live(port)
        assert live.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
        # the first window waits for lavapipe to compile the shaders
        wait_for("results over MQTT", lambda: (live.poll_bus(), len(
            subscribers[0].received("result")) >= 3)[1], 120)
        for m in subscribers[0].received("result"):
            check_result(m)
        assert subscribers[0].topics() <= {"uniformer/cam"}, subscribers[0].topics()
        assert live.prop("connected") and live.prop("messages-published") >= 3
        if live.actions:
            wait_for("an action event", lambda: subscribers[0].received("action"), 30)
            a = subscribers[0].received("action")[0]
            assert a["state"] == "started" and a["source"] == "cam", a
            assert a["label"] == f"class {a['class_id']}", a
        print(f"ok: {len(subscribers[0].received())} messages before the outage")

        last_pts = max(m["pts"] for m in subscribers[0].received("result"))
        subscribers.pop().close()
        broker.kill()
        t_kill = time.monotonic()
        wait_for("connected to turn false", lambda: not live.prop("connected"), 3)
        dropped = []
        while time.monotonic() < t_kill + OUTAGE_S:
            time.sleep(OUTAGE_S / 2)
            live.poll_bus()
            dropped.append(live.prop("messages-dropped"))
        frames, gap = live.frames_between(t_kill, t_kill + OUTAGE_S)
        assert frames >= 0.8 * FPS * OUTAGE_S and gap < 0.5, (frames, gap)
        assert 0 < dropped[0] < dropped[-1], dropped
        assert any(w.startswith("Lost the connection to the MQTT broker") for w in
                   live.warnings), live.warnings
        drop_warnings = [w for w in live.warnings if w.startswith("Dropped")]
        # rate-limited: one per 10 s at most
        assert len(drop_warnings) == 1 and f"queue of {QUEUE} is full" in drop_warnings[0], \
            live.warnings
        print(f"ok: broker down {OUTAGE_S} s: {frames} frames, longest gap {gap:.3f} s, "
              f"dropped {dropped}")

        published = live.prop("messages-published")
        broker.start()
        subscribers.append(Subscriber(port))
        wait_for("results after the restart", lambda: (live.poll_bus(), len(
            subscribers[0].received("result")) >= 3)[1], 20)
        fresh = subscribers[0].received("result")
        for m in fresh:
            check_result(m)
        assert all(m["pts"] > last_pts for m in fresh), (last_pts, fresh)
        assert live.prop("connected") and live.prop("messages-published") > published
        print(f"ok: delivery resumed, {len(fresh)} results")

        t0 = time.monotonic()
        live.pipeline.set_state(Gst.State.NULL)
        assert time.monotonic() - t0 < 5, time.monotonic() - t0
        live.poll_bus()
    finally:
        if live:
            live.pipeline.set_state(Gst.State.NULL)
        for s in subscribers:
            s.close()
        broker.close()
    assert broker.proc.poll() is not None


def make_certificates(tmp):
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    ca, ca_key = os.path.join(tmp, "ca.pem"), os.path.join(tmp, "ca.key")
    cert, key = os.path.join(tmp, "server.pem"), os.path.join(tmp, "server.key")
    csr, ext = os.path.join(tmp, "server.csr"), os.path.join(tmp, "ext.cnf")
    with open(ext, "w", encoding="utf-8") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for args in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                  "-out", ca, "-days", "2", "-subj", "/CN=uniformer test CA"],
                 ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                  "-subj", "/CN=127.0.0.1"],
                 ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                  "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    return ca, cert, key


def run_tls(tmp):
    tls = make_certificates(tmp)
    port = free_port()
    broker = Broker(port, tmp, tls)
    subscriber = None
    pipeline = None
    try:
        broker.start()
        subscriber = Subscriber(port, cafile=tls[0])
        pipeline = Gst.parse_launch(
            "videotestsrc num-buffers=45 ! video/x-raw,width=96,height=72,framerate=30/1 ! "
            f"uniformerinfer model={MODEL} late-windows=wait ! "
            f"uniformerpublish name=pub mode=mqtt host=127.0.0.1 port={port} qos=1 "
            f"tls-ca-file={tls[0]} source-name=tls-cam ! fakesink sync=false")
        pipeline.set_state(Gst.State.PLAYING)
        msg = pipeline.get_bus().timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert msg and msg.type == Gst.MessageType.EOS, msg and msg.parse_error()
        pub = pipeline.get_by_name("pub")
        # stopping delivers what is still queued while the broker is there
        pipeline.set_state(Gst.State.NULL)
        # 45 frames: 12 samples, windows at the 8th and the 12th
        assert pub.get_property("messages-published") == 2, pub.get_property(
            "messages-published")
        assert pub.get_property("messages-dropped") == 0
        wait_for("the TLS results", lambda: len(subscriber.received("result")) == 2, 10)
        for m in subscriber.received("result"):
            assert m["source"] == "tls-cam" and m["frames"] == 8, m
        assert subscriber.topics() == {"uniformer/tls-cam"}, subscriber.topics()
        print("ok: TLS, QoS 1: both results delivered")
    finally:
        if pipeline:
            pipeline.set_state(Gst.State.NULL)
        if subscriber:
            subscriber.close()
        broker.close()


def main():
    Gst.init(None)
    with tempfile.TemporaryDirectory() as tmp:
        run(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        run_tls(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
