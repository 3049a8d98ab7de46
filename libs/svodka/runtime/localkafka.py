"""The local Kafka broker: real Apache Kafka in KRaft mode, from Maven Central jars.

``LocalKafka`` resolves the broker's jars with Maven (once; cached under
``<home>/kafka/libs``), formats the KRaft storage, starts one combined
broker+controller JVM on a configurable port, waits until it answers metadata
requests, and stops it cleanly. Used by ``svodka up`` and by the integration tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
KAFKA_DEPLOY = REPO_ROOT / "deploy" / "local" / "kafka"


class LocalKafkaError(RuntimeError):
    """The local broker could not be set up or started; the message says what to do."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def require_tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if not path:
        raise LocalKafkaError(f"`{name}` not found on PATH: {hint}")
    return path


@dataclass
class LocalKafka:
    """One local broker whose state lives under ``home`` (e.g. ``.svodka``)."""

    home: Path
    port: int = 9092
    partitions: int = 8
    heap: str = "512m"
    java_opts: tuple[str, ...] = ()  # SVODKA_KAFKA_JAVA_OPTS

    @property
    def libs_dir(self) -> Path:
        return self.home / "kafka" / "libs"

    @property
    def data_dir(self) -> Path:
        return self.home / "kafka" / f"data-{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / f"kafka-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / f"kafka-{self.port}.log"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    # -- set-up -------------------------------------------------------------------------

    def ensure_jars(self, quiet: bool = True) -> Path:
        """Resolve the broker's classpath into ``libs_dir`` once per POM version."""
        pom = KAFKA_DEPLOY / "pom.xml"
        stamp = self.libs_dir / ".pom-sha256"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        if stamp.exists() and stamp.read_text().strip() == digest and any(self.libs_dir.glob("kafka_2.13-*.jar")):
            return self.libs_dir
        require_tool("java", "install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless)")
        mvn = require_tool("mvn", "install Apache Maven (Debian: apt-get install maven)")
        if self.libs_dir.exists():
            shutil.rmtree(self.libs_dir)
        self.libs_dir.mkdir(parents=True)
        cmd = [mvn, "-B", "-f", str(pom), "dependency:copy-dependencies",
               f"-DoutputDirectory={self.libs_dir.resolve()}", "-DincludeScope=runtime"]
        if quiet:
            cmd.insert(1, "-q")
        print(f"svodka: resolving Kafka jars from Maven Central into {self.libs_dir} ...", file=sys.stderr)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise LocalKafkaError(f"mvn could not resolve the Kafka jars (exit {proc.returncode}):\n{tail}")
        stamp.write_text(digest)
        return self.libs_dir

    def _java(self, main: str, *args: str) -> list[str]:
        java = require_tool("java", "install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless)")
        return [
            # C1 only: a fresh JVM's C2 compiler threads took ~40% of the broker's CPU
            # over a two-minute benchmark (JFR), CPU the Python workers need on a laptop;
            # C1 code is fast enough for one local broker. SerialGC: one small heap.
            java, f"-Xmx{self.heap}", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            *self.java_opts,
            f"-Dlog4j2.configurationFile={KAFKA_DEPLOY / 'log4j2.properties'}",
            "-cp", f"{self.libs_dir.resolve()}/*", main, *args,
        ]

    def _write_config(self) -> Path:
        controller_port = self._controller_port()
        template = (KAFKA_DEPLOY / "server.properties.in").read_text()
        config = template.format(port=self.port, controller_port=controller_port,
                                 data_dir=self.data_dir.resolve(), partitions=self.partitions)
        path = self.home / "kafka" / f"server-{self.port}.properties"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config)
        return path

    def _controller_port(self) -> int:
        """The controller listener's port, chosen once per data dir and remembered."""
        remembered = self.home / "kafka" / f"controller-port-{self.port}"
        if remembered.exists():
            port = int(remembered.read_text())
            if not port_open(port):
                return port
        port = free_port()
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(port))
        return port

    def format_storage(self, config: Path) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cluster_id = uuid.uuid4().hex[:22]
        proc = subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)),
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise LocalKafkaError(f"kafka storage format failed: {(proc.stdout + proc.stderr).strip()[-800:]}")

    # -- life cycle ---------------------------------------------------------------------

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker (idempotent) and wait until it answers metadata requests."""
        if self.is_running():
            self.wait_ready(timeout)
            return
        if port_open(self.port):
            raise LocalKafkaError(f"port {self.port} is already in use by another program; set SVODKA_KAFKA_PORT")
        self.ensure_jars()
        config = self._write_config()
        self.format_storage(config)
        for d in (self.pid_file.parent, self.log_file.parent):
            d.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        proc = subprocess.Popen(self._java("kafka.Kafka", str(config)), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        try:
            self.wait_ready(timeout, proc)
        except LocalKafkaError:
            self.stop()
            raise

    def wait_ready(self, timeout: float, proc: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise LocalKafkaError(f"the Kafka broker exited with code {proc.returncode}; see {self.log_file}")
            if port_open(self.port) and _answers_metadata(self.bootstrap):
                return
            time.sleep(0.3)
        raise LocalKafkaError(f"the Kafka broker did not answer on {self.bootstrap} within {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker: SIGTERM for a controlled shutdown, SIGKILL if it hangs."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        terminate(pid, timeout)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.killpg(pid, signal.SIGKILL)
            _wait_gone(pid, 10)


def scratch_broker(home: Path, jar_cache: Path = REPO_ROOT / ".svodka") -> LocalKafka:
    """A started broker on a free port with its data under ``home`` (tests, benchmarks).

    Its jars are linked from ``jar_cache`` (resolved there once), so a throw-away
    broker costs a JVM start, not a Maven run.
    """
    cache = LocalKafka(home=jar_cache).ensure_jars()
    broker = LocalKafka(home=home, port=free_port())
    broker.libs_dir.parent.mkdir(parents=True, exist_ok=True)
    if not broker.libs_dir.exists():
        os.symlink(cache.resolve(), broker.libs_dir)
    broker.start()
    return broker


def terminate(pid: int, timeout: float) -> None:
    """SIGTERM process group ``pid``; SIGKILL it if it is still alive after ``timeout`` seconds."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not _wait_gone(pid, timeout):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        _wait_gone(pid, 10)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)  # reap our own child, if it is one
        except ChildProcessError:
            done = 0
        if done == pid or not pid_alive(pid):
            return True
        time.sleep(0.1)
    return not pid_alive(pid)


def _answers_metadata(bootstrap: str) -> bool:
    """True when the broker answers a metadata request (not merely accepts TCP)."""
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())
