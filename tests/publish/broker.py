"""A real mosquitto for the publish tests, started and stopped by them on a
loopback port of their own, and mosquitto_sub reading it; free_port and
wait_for beside them."""
import os
import shutil
import socket
import subprocess
import threading
import time

MOSQUITTO = os.environ.get("UF_MOSQUITTO", "/usr/sbin/mosquitto")
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "/usr/bin/mosquitto_sub"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, limit_s):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {limit_s} s waiting for {what}")


class Broker:
    """mosquitto on 127.0.0.1:port, anonymous; with @tls (CA, certificate
    and key files) a TLS listener; with @persistent, keeping its sessions in
    @tmp across a clean stop (SIGTERM) and start."""

    def __init__(self, port, tmp, tls=None, persistent=False):
        self.port = port
        self.db = os.path.join(tmp, "mosquitto.db")
        self.conf = os.path.join(tmp, "mosquitto.conf")
        self.log = open(os.path.join(tmp, "mosquitto.log"), "ab")
        with open(self.conf, "w", encoding="utf-8") as f:
            # as root it would switch to the mosquitto user, who cannot read tmp
            f.write(f"user root\nlistener {port} 127.0.0.1\nallow_anonymous true\n")
            if persistent:
                f.write(f"persistence true\npersistence_location {tmp}/\n"
                        "persistence_file mosquitto.db\n")
            else:
                f.write("persistence false\n")
            if tls:
                f.write("cafile {}\ncertfile {}\nkeyfile {}\n".format(*tls))
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)

        def listening():
            assert self.proc.poll() is None, f"mosquitto exited with {self.proc.returncode}"
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        wait_for("mosquitto to listen", listening, 10)

    def stop(self):
        """A clean stop: a persistent mosquitto writes its sessions out."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self):
        self.kill()
        self.log.close()


class Subscriber:
    """mosquitto_sub on uniformer/# (with @options: QoS, session, TLS), its
    messages (topic, payload text) collected by a thread."""

    def __init__(self, port, options=()):
        # line-buffered: mosquitto_sub's lines are not flushed to a pipe
        self.proc = subprocess.Popen(
            ["stdbuf", "-oL", MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(port),
             "-t", "uniformer/#", "-v", "-d", *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lock = threading.Lock()
        self.messages = []
        self.subscribed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        try:
            wait_for("mosquitto_sub to subscribe", lambda: self.subscribed, 10)
        except AssertionError:
            self.close()
            raise

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("Subscribed"):
                self.subscribed = True
            elif line.startswith("uniformer/"):
                topic, payload = line.rstrip("\n").split(" ", 1)
                with self.lock:
                    self.messages.append((topic, payload))

    def received(self):
        """(topic, payload text) of every message so far."""
        with self.lock:
            return list(self.messages)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.thread.join(timeout=10)
