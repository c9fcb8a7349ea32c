#!/usr/bin/python3
"""uniformerpublish's messages checked against the bus and the schema.

docs/result-schema.md is read here: its tables give each message's fields,
their order, their types and the values some of them take, and every
message received is checked against them (a small checker of our own, from
the doc's tables and its conventions: times are integer nanoseconds or null,
scores numbers in [0, 1] or null, utc ISO 8601 in UTC with milliseconds).
Every result must also match the "uniformer" bus message of its window
(labels, class ids, scores, window edges, times, frames, model) and every
action message a "uniformer-action" bus message (every field of its
structure, `-` written `_`), one to one.

1. MQTT: a live pipeline (videotestsrc is-live=true pattern=ball !
   uniformerinfer with the shipped motion model, whose moving ball starts
   and ends actions ! uniformerpublish mode=mqtt qos=1 ! fakesink sync=true)
   publishes to a mosquitto started here on a free loopback port, to which
   mosquitto_sub subscribes. Mid-stream the broker is stopped for a few
   seconds and started again: frames keep reaching the sink at the source's
   rate meanwhile, delivery resumes, and `messages-dropped` equals the
   number of bus results and actions that never reached the subscriber,
   `messages-published` the number that did.

   Exact accounting needs every message the element counts as published to
   reach the subscriber, wherever the broker is in its restart:
   - QoS 1. At QoS 0 a message is "published" once written to the socket:
     one written as the broker goes down is lost uncounted (the kernel took
     it; no broker read it). At QoS 1 it counts once the broker acknowledged
     it, and libmosquitto sends the unacknowledged ones again after
     reconnecting.
   - The subscriber has a persistent session (a fixed client id, no clean
     session, QoS 1), and the broker keeps it across the restart
     (persistence, a clean stop): what the element publishes to the new
     broker before the new mosquitto_sub has connected is queued for it,
     instead of going to no one.
   A message may then arrive twice (sent again when its acknowledgement was
   lost with the broker): duplicates are counted once.

   The last window's result may be due while EOS arrives: it has no buffer
   to ride on, so it goes to the bus only (README, Results) and not to the
   publisher; such a result (its message has no duration) is left out of
   the accounting, and said so.

   Then a broker that hangs (stopped with SIGSTOP: the connection stays
   up, nothing is acknowledged) and dies, the pipeline stopped before one
   is back: the messages libmosquitto held unacknowledged count as dropped,
   so that published + dropped is still every bus message.

   Last, a pipeline (not live) that reaches EOS and stops before the
   broker has answered its connection (SIGSTOP, then SIGCONT during the
   stop): the stop waits for the answer and delivers every message.

2. JSON lines: the same pipeline, not live, to EOS into a file: every line
   validates and the lines and the bus messages match one to one.

The broker and the subscribers are stopped at the end whatever happens.
meson sets UF_MOSQUITTO (the broker) and GST_PLUGIN_PATH (the plugin).
"""
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broker  # noqa: E402
from broker import Broker, free_port, wait_for  # noqa: E402

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCHEMA_DOC = os.path.join(ROOT, "docs", "result-schema.md")
MODEL = os.path.join(ROOT, "models", "uniformer-motion.safetensors")
FPS = 30
QUEUE = 4
OUTAGE_S = 3.0
SUB_ID = "uf-publish-bus-test"
NONE = Gst.CLOCK_TIME_NONE

# ---- the schema, from docs/result-schema.md ----------------------------------


def parse_schema(path):
    """{"envelope"|"result"|"action": [(field, type, meaning)]} in the doc's
    order, from the tables under "Every message", `"type": "result"` and
    `"type": "action"`."""
    headings = {"Every message": "envelope", '`"type": "result"`': "result",
                '`"type": "action"`': "action"}
    schema, part = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                part = headings.get(line[3:].strip())
                if part:
                    schema[part] = []
                continue
            if not part or not line.startswith("|") or line.startswith("|---"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] == "field":
                continue
            names = re.findall(r"`([a-z_]+)`", cells[0])
            assert names and len(cells) == 3, f"{path}: cannot read the row {line!r}"
            schema[part] += [(name, cells[1], cells[2]) for name in names]
    assert set(schema) == set(headings.values()), f"{path}: tables missing: {schema.keys()}"
    return schema


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_time(name):
    """The doc's conventions: pts, running times, window and action times and
    the inference time are integer nanoseconds, null when unknown."""
    return (name in ("pts", "running_time", "stream_time", "inference_time")
            or name.startswith("window_") or name.endswith(("_pts", "_running_time")))


def is_score(name):
    """Scores are probabilities in [0, 1], null for NaN or infinity."""
    return name in ("scores", "peak_score", "mean_score")


UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def check_type(name, kind, v):
    """Problems of value @v of field @name, of the doc's type @kind."""
    if kind == "int":
        ok = is_int(v) or (is_time(name) and v is None)
        if ok and v is not None and is_time(name):
            ok = v >= 0
    elif kind == "double":
        ok = v is None or (is_number(v) and (not is_score(name) or 0.0 <= v <= 1.0))
    elif kind == "string":
        ok = isinstance(v, str)
    elif kind == "string or null":
        ok = v is None or isinstance(v, str)
    elif kind == "array of strings":
        ok = isinstance(v, list) and all(isinstance(x, str) for x in v)
    elif kind == "array of ints":
        ok = isinstance(v, list) and all(is_int(x) for x in v)
    elif kind == "array of doubles":
        ok = isinstance(v, list) and all(
            x is None or (is_number(x) and (not is_score(name) or 0.0 <= x <= 1.0)) for x in v)
    else:
        raise AssertionError(f"{SCHEMA_DOC}: the type {kind!r} of {name} is not one this "
                             "test knows")
    return [] if ok else [f"{name}: {v!r} is not {kind}"]


def check_values(name, meaning, v, msg):
    """The values the doc's meaning column gives: `1`, `"a"` or `"b"`, and
    `"ended"` only: why (`x`, `y`)."""
    only = re.match(r'`"([a-z]+)"` only: .*\((.*)\)', meaning)
    if only:
        return [] if v in re.findall(r"`([a-z-]+)`", only.group(2)) else [
            f"{name}: {v!r} is none of {only.group(2)}"]
    if re.fullmatch(r"`(\d+)`", meaning):
        return [] if v == int(meaning.strip("`")) else [f"{name}: {v!r}, not {meaning}"]
    if re.fullmatch(r'`"[^"`]+"`( or `"[^"`]+"`)+', meaning):
        values = re.findall(r'`"([^"`]+)"`', meaning)
        return [] if v in values else [f"{name}: {v!r} is none of {values}"]
    if name == "utc":
        return [] if isinstance(v, str) and UTC.match(v) else [f"utc: {v!r}"]
    return []


def validate(msg, schema):
    """Every problem of one parsed message: missing or unknown fields, the
    order, types and values."""
    if not isinstance(msg, dict):
        return [f"not an object: {msg!r}"]
    kind = msg.get("type")
    if kind not in ("result", "action"):
        return [f"type {kind!r}"]
    fields = schema["envelope"] + schema[kind]
    problems = []
    for name, typ, meaning in fields:
        only = re.match(r'`"([a-z]+)"` only', meaning)
        # "ended" only: the state says whether the field is there
        required = not only or msg.get("state") == only.group(1)
        if name not in msg:
            if required:
                problems.append(f"no {name}")
            continue
        if not required:
            problems.append(f"{name} in a message whose state is {msg.get('state')!r}")
        problems += check_type(name, typ, msg[name])
        problems += check_values(name, meaning, msg[name], msg)
    known = [name for name, _, _ in fields]
    problems += [f"unknown field {name}" for name in msg if name not in known]
    order = [name for name in known if name in msg]
    if [name for name in msg if name in known] != order:
        problems.append(f"fields in the order {list(msg)}, not {order}")
    if kind == "result":
        n = len(msg.get("labels", []))
        if len(msg.get("class_ids", [])) != n or len(msg.get("scores", [])) != n:
            problems.append("labels, class_ids and scores of different lengths")
    return problems


# ---- messages and bus messages ----------------------------------------------


def plain(v):
    """A bus message's value as the JSON carries it."""
    if isinstance(v, int) and v == NONE:
        return None
    if isinstance(v, Gst.ValueArray) or isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def bus_result(s):
    """The "result" fields a "uniformer" bus message gives."""
    return {
        "pts": plain(s.get_value("timestamp")),
        "running_time": plain(s.get_value("running-time")),
        "stream_time": plain(s.get_value("stream-time")),
        "window_start": plain(s.get_value("window-start")),
        "window_end": plain(s.get_value("window-end")),
        "frames": s.get_value("frames"),
        "labels": list(s.get_value("labels")),
        "class_ids": list(s.get_value("class-ids")),
        "scores": list(s.get_value("scores")),
        "inference_time": plain(s.get_value("inference-time")),
        "model": s.get_value("model"),
    }


def bus_action(s):
    """A "uniformer-action" bus message's fields, `-` written `_`."""
    out = {}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        out[name.replace("-", "_")] = plain(s.get_value(name))
    return out


ENVELOPE = ("schema", "type", "source", "stream_id", "utc")


def key(kind, fields):
    return (kind, json.dumps(fields, sort_keys=True))


def message_key(msg):
    """What of a received message must equal its bus message's."""
    return key(msg["type"], {k: v for k, v in msg.items() if k not in ENVELOPE})


def bus_key(s):
    if s.get_name() == "uniformer":
        return key("result", bus_result(s))
    return key("action", bus_action(s))


def check_messages(messages, bus, schema, source, stream_id, t0, t1):
    """Validates @messages (parsed, one per distinct payload) and matches
    each with one of the bus messages @bus; returns the bus messages that
    no message matched."""
    problems = []
    for m in messages:
        problems += [f"{p}: {json.dumps(m)}" for p in validate(m, schema)]
    assert not problems, "\n".join(problems[:20])
    for m in messages:
        assert m["source"] == source and m["stream_id"] == stream_id, m
        utc = datetime.strptime(m["utc"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=timezone.utc).timestamp()
        assert t0 - 1 <= utc <= t1 + 1, (m["utc"], t0, t1)
    by_key = {}
    for s in bus:
        k = bus_key(s)
        assert k not in by_key, f"two bus messages alike: {k}"
        by_key[k] = s
    received = set()
    for m in messages:
        k = message_key(m)
        assert k in by_key, f"no bus message like {json.dumps(m)}"
        assert k not in received, f"received twice: {json.dumps(m)}"
        received.add(k)
    return [s for s in bus if bus_key(s) not in received]


# ---- the broker, the subscriber, the pipeline ----------------------------------


def Subscriber(port):
    """mosquitto_sub at QoS 1 with the persistent session SUB_ID."""
    return broker.Subscriber(port, ("-q", "1", "-c", "-i", SUB_ID))


class Pipeline:
    """The pipeline; the bus messages of uniformerinfer, the warnings, the
    arrival time of each frame at the sink and the stream id."""

    def __init__(self, live, publish):
        self.pipeline = Gst.parse_launch(
            f"videotestsrc name=cam is-live={'true' if live else 'false'} pattern=ball "
            f"{'' if live else 'num-buffers=240 '}! "
            f"video/x-raw,width=320,height=240,framerate={FPS}/1 ! "
            f'uniformerinfer name=infer model="{MODEL}" inference-interval=1 ! '
            f"uniformerpublish name=pub {publish} ! "
            f"fakesink name=sink sync={'true' if live else 'false'}")
        self.pub = self.pipeline.get_by_name("pub")
        self.arrivals, self.stream_ids = [], []
        self.bus_messages, self.warnings = [], []
        self.eos = False
        sinkpad = self.pipeline.get_by_name("sink").get_static_pad("sink")
        sinkpad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM,
                          self._on_pad)
        self.bus = self.pipeline.get_bus()

    def _on_pad(self, pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            self.arrivals.append(time.monotonic())
        elif info.get_event().type == Gst.EventType.STREAM_START:
            self.stream_ids.append(info.get_event().parse_stream_start())
        return Gst.PadProbeReturn.OK

    def start(self):
        assert self.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE

    def poll(self):
        while (msg := self.bus.pop()):
            if msg.type == Gst.MessageType.ERROR:
                err, debug = msg.parse_error()
                raise AssertionError(f"error from {msg.src.get_name()}: {err.message}\n{debug}")
            if msg.type == Gst.MessageType.WARNING:
                err, _ = msg.parse_warning()
                print(f"warning from {msg.src.get_name()}: {err.message}")
                self.warnings.append(err.message)
            elif msg.type == Gst.MessageType.EOS:
                self.eos = True
            elif msg.type == Gst.MessageType.ELEMENT:
                s = msg.get_structure()
                if s.get_name() in ("uniformer", "uniformer-action"):
                    self.bus_messages.append(s.copy())
        return True

    def until(self, what, condition, limit_s):
        wait_for(what, lambda: self.poll() and condition(), limit_s)

    def prop(self, name):
        return self.pub.get_property(name)

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)

    def results(self):
        return [s for s in self.bus_messages if s.get_name() == "uniformer"]

    def actions(self):
        return [s for s in self.bus_messages if s.get_name() == "uniformer-action"]


def per_second(times, t0, t1):
    """Frames in each whole second of [t0, t1), and the longest gap."""
    inside = [t for t in times if t0 <= t < t1]
    counts = [sum(1 for t in inside if t0 + i <= t < t0 + i + 1) for i in range(int(t1 - t0))]
    gaps = [b - a for a, b in zip(inside, inside[1:])]
    return counts, max(gaps, default=t1 - t0)


# ---- the tests ---------------------------------------------------------------


def test_mqtt(tmp, schema):
    port = free_port()
    broker = Broker(port, tmp, persistent=True)
    subscribers, done = [], []
    live = None
    try:
        broker.start()
        subscribers.append(Subscriber(port))
        live = Pipeline(True, f"mode=mqtt host=127.0.0.1 port={port} qos=1 max-queue={QUEUE} "
                              "reconnect-delay=100 max-reconnect-delay=400")
        t_start = time.time()
        live.start()
        # the first window waits for lavapipe to compile the shaders
        live.until("results and an action over MQTT", lambda: len(live.results()) >= 8
                   and live.actions() and len(subscribers[0].received()) >= 9, 120)
        assert live.prop("connected") and live.prop("messages-dropped") == 0
        before = len(subscribers[0].received())
        print(f"ok: {before} messages before the outage")

        broker.stop()
        t_stop = time.monotonic()
        assert os.path.exists(broker.db), "mosquitto kept no database"
        done.append(subscribers.pop())
        done[-1].close()
        live.until("connected to turn false", lambda: not live.prop("connected"), 3)
        dropped = []
        while time.monotonic() < t_stop + OUTAGE_S:
            time.sleep(0.25)
            live.poll()
            dropped.append(live.prop("messages-dropped"))
        counts, gap = per_second(live.arrivals, t_stop, t_stop + OUTAGE_S)
        print(f"broker down {OUTAGE_S:g} s: frames per second at the sink {counts}, "
              f"longest gap {gap:.3f} s, dropped {dropped[0]} .. {dropped[-1]}")
        assert all(c >= 0.8 * FPS for c in counts) and sum(counts) >= 0.9 * FPS * len(counts) \
            and gap < 0.5, (counts, gap)
        assert 0 < dropped[-1] and dropped == sorted(dropped), dropped
        assert any(w.startswith("Lost the connection to the MQTT broker") for w in
                   live.warnings), live.warnings

        broker.start()
        t_restart = time.monotonic()
        subscribers.append(Subscriber(port))
        published = live.prop("messages-published")
        live.until("publishing to resume", lambda: live.prop("connected")
                   and live.prop("messages-published") >= published + 8, 20)
        print(f"ok: reconnected {time.monotonic() - t_restart:.2f} s after the restart")
        live.pipeline.send_event(Gst.Event.new_eos())
        live.until("EOS", lambda: live.eos, 10)
        live.stop()  # delivers what is still queued (2 s at most)
        live.poll()
        t_end = time.time()
        published, dropped = live.prop("messages-published"), live.prop("messages-dropped")

        def distinct():
            return {payload for s in done + subscribers for _, payload in s.received()}
        wait_for(f"the subscriber to get {published} messages",
                 lambda: len(distinct()) >= published, 10)
        time.sleep(0.5)  # nothing more comes
        for s in subscribers:
            s.close()
        done += subscribers
        subscribers.clear()

        all_received = [r for s in done for r in s.received()]
        payloads = distinct()
        assert {topic for topic, _ in all_received} == {"uniformer/cam"}
        messages = [json.loads(p) for p in sorted(payloads)]
        eos_only = [s for s in live.results() if s.get_value("duration") == NONE]
        assert len(eos_only) <= 1, [s.to_string() for s in eos_only]
        bus = [s for s in live.bus_messages if not (s.get_name() == "uniformer"
                                                   and s.get_value("duration") == NONE)]
        missing = check_messages(messages, bus, schema, "cam", live.stream_ids[0],
                                 t_start, t_end)
        n_actions = sum(1 for m in messages if m["type"] == "action")
        n_lost_actions = sum(1 for s in missing if s.get_name() == "uniformer-action")
        print(f"bus: {len(live.results())} results ({len(eos_only)} at EOS, on the bus "
              f"only), {len(live.actions())} actions; received {len(messages)} "
              f"({n_actions} actions, {len(all_received) - len(messages)} duplicates); "
              f"never received {len(missing)} ({n_lost_actions} actions); "
              f"messages-published {published}, messages-dropped {dropped}")
        assert dropped == len(missing), (dropped, len(missing))
        assert published == len(messages), (published, len(messages))
        # one outage: the results dropped are consecutive ones, as are the
        # actions (the two interleave differently on the bus and in the queue:
        # a result is posted before its buffer reaches the publisher, an
        # action after its event did)
        spans = {}
        for name in ("uniformer", "uniformer-action"):
            index = [i for i, s in enumerate(s for s in bus if s.get_name() == name)
                     if any(s is m for m in missing)]
            assert index == list(range(index[0], index[0] + len(index))) if index else True, \
                (name, index)
            spans[name] = f"{index[0]} .. {index[-1]}" if index else "none"
        assert n_actions >= 2 and any(m["type"] == "action" and m["state"] == "ended"
                                      for m in messages), n_actions
        print(f"ok: messages-dropped = {dropped} = the bus messages never received "
              f"(results {spans['uniformer']}, actions {spans['uniformer-action']})")
    finally:
        if live:
            live.stop()
        for s in subscribers + done:
            s.close()
        broker.close()
    assert broker.proc.poll() is not None


def test_mqtt_hung(tmp, schema):
    """A broker that hangs (SIGSTOP: connections stay open, nothing is
    acknowledged), then dies, and the pipeline stopped before one comes
    back: the messages libmosquitto held unacknowledged count as dropped
    too, so published + dropped is still every bus message."""
    port = free_port()
    broker = Broker(port, tmp, persistent=True)
    subscriber = live = None
    try:
        broker.start()
        subscriber = Subscriber(port)
        live = Pipeline(True, f"mode=mqtt host=127.0.0.1 port={port} qos=1 max-queue={QUEUE} "
                              "reconnect-delay=100 max-reconnect-delay=400")
        t_start = time.time()
        live.start()
        live.until("results over MQTT", lambda: len(subscriber.received()) >= 5, 120)
        os.kill(broker.proc.pid, signal.SIGSTOP)
        time.sleep(OUTAGE_S)
        live.poll()
        hung = live.prop("messages-published"), live.prop("messages-dropped")
        os.kill(broker.proc.pid, signal.SIGKILL)
        broker.proc.wait(timeout=10)
        live.until("connected to turn false", lambda: not live.prop("connected"), 3)
        live.pipeline.send_event(Gst.Event.new_eos())
        live.until("EOS", lambda: live.eos, 10)
        live.stop()
        live.poll()
        t_end = time.time()
        published, dropped = live.prop("messages-published"), live.prop("messages-dropped")
        subscriber.close()
        payloads = {payload for _, payload in subscriber.received()}
        messages = [json.loads(p) for p in sorted(payloads)]
        bus = [s for s in live.bus_messages if not (s.get_name() == "uniformer"
                                                   and s.get_value("duration") == NONE)]
        missing = check_messages(messages, bus, schema, "cam", live.stream_ids[0],
                                 t_start, t_end)
        print(f"broker hung {OUTAGE_S:g} s (published {hung[0]}, dropped {hung[1]}), then "
              f"killed; stopped: bus {len(bus)}, received {len(messages)}, never received "
              f"{len(missing)}; messages-published {published}, messages-dropped {dropped}")
        assert published == len(messages), (published, len(messages))
        assert dropped == len(missing), (dropped, len(missing))
        print("ok: a hung broker: what it never acknowledged is counted as dropped")
    finally:
        if live:
            live.stop()
        if subscriber:
            subscriber.close()
        broker.close()


def test_mqtt_connack_pending(tmp, schema):
    """The pipeline stops before the broker answered the connection (it is
    stopped with SIGSTOP: the kernel accepts the connection, the broker
    answers once continued, half a second into the stop): stopping waits for
    the answer and delivers what is queued."""
    port = free_port()
    broker = Broker(port, tmp, persistent=True)
    subscriber = run = None
    try:
        broker.start()
        subscriber = Subscriber(port)
        os.kill(broker.proc.pid, signal.SIGSTOP)
        run = Pipeline(False, f"mode=mqtt host=127.0.0.1 port={port} qos=1")
        t_start = time.time()
        run.start()
        run.until("EOS", lambda: run.eos, 60)
        assert not run.prop("connected")
        threading.Timer(0.5, os.kill, (broker.proc.pid, signal.SIGCONT)).start()
        t0 = time.monotonic()
        run.stop()
        took = time.monotonic() - t0
        run.poll()
        published, dropped = run.prop("messages-published"), run.prop("messages-dropped")
        wait_for("the messages", lambda: len(subscriber.received()) >= published, 10)
        subscriber.close()
        messages = [json.loads(p) for p in sorted({p for _, p in subscriber.received()})]
        missing = check_messages(messages, run.bus_messages, schema, "cam",
                                 run.stream_ids[0], t_start, time.time())
        print(f"stopped before the CONNACK: the stop took {took:.2f} s; bus "
              f"{len(run.bus_messages)}, messages-published {published}, "
              f"messages-dropped {dropped}, received {len(messages)}")
        assert not missing and dropped == 0 and published == len(run.bus_messages)
        print("ok: a stop while the connection is being set up delivers what is queued")
    finally:
        if run:
            run.stop()
        if subscriber:
            subscriber.close()
        broker.close()


def test_file(tmp, schema):
    path = os.path.join(tmp, "results.jsonl")
    run = Pipeline(False, f'location="{path}"')
    t_start = time.time()
    run.start()
    run.until("EOS", lambda: run.eos, 60)
    run.stop()
    run.poll()
    t_end = time.time()
    assert not run.warnings, run.warnings
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[-1] == "", "the file does not end with a newline"
    messages = [json.loads(line) for line in lines[:-1]]
    assert len({json.dumps(m) for m in messages}) == len(messages), "a line twice"
    missing = check_messages(messages, run.bus_messages, schema, "cam", run.stream_ids[0],
                             t_start, t_end)
    assert not missing, [s.to_string() for s in missing]
    assert len(messages) == len(run.bus_messages)
    # results and actions each in the order of the bus
    for kind, name in (("result", "uniformer"), ("action", "uniformer-action")):
        assert [message_key(m) for m in messages if m["type"] == kind] == \
            [bus_key(s) for s in run.bus_messages if s.get_name() == name], kind
    actions = [m for m in messages if m["type"] == "action"]
    assert any(a["state"] == "ended" and a["reason"] == "score-dropped" for a in actions)
    assert run.prop("messages-published") == len(messages)
    assert run.prop("messages-dropped") == 0
    print(f"ok: JSON lines: {len(messages)} lines ({len(actions)} actions), one per bus "
          "message, all valid")


def main():
    Gst.init(None)
    schema = parse_schema(SCHEMA_DOC)
    print("schema: " + "; ".join(f"{part}: {', '.join(n for n, _, _ in fields)}"
                                 for part, fields in schema.items()))
    with tempfile.TemporaryDirectory() as tmp:
        test_file(tmp, schema)
    with tempfile.TemporaryDirectory() as tmp:
        test_mqtt(tmp, schema)
    with tempfile.TemporaryDirectory() as tmp:
        test_mqtt_hung(tmp, schema)
    with tempfile.TemporaryDirectory() as tmp:
        test_mqtt_connack_pending(tmp, schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
