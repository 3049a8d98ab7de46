"""The local stack: the broker and the stream services as background processes.

``svodka up`` starts what is not running yet (so it is idempotent), records the
processes in ``<home>/run/stack.json`` and waits until each service answers on
its web port; ``svodka down`` stops them (SIGTERM, then SIGKILL after a grace
period) and the broker last, so that nothing is left running.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from svodka.runtime import credentials
from svodka.settings import PIPELINE_TOPICS, Settings
from svodka.store.client import is_embedded
from svodka.runtime.localkafka import LocalKafka, LocalKafkaError, terminate, free_port, pid_alive, port_open
from svodka.runtime.topics import consumer_lag, ensure_topics

SERVICES = ("dedup", "extract", "stories", "sink", "web")


class StackError(RuntimeError):
    """The stack could not be started or inspected; the message says why."""


@dataclass
class ServiceProc:
    name: str  # e.g. extract-2
    service: str  # dedup | extract | stories | sink
    pid: int
    web_port: int
    data_dir: str
    log: str
    query_port: int = 0  # sink in embedded mode: its ClickHouse HTTP interface

    @property
    def alive(self) -> bool:
        return pid_alive(self.pid)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"


@dataclass
class StackState:
    kafka_port: int | None = None
    services: list[ServiceProc] = field(default_factory=list)

    @classmethod
    def load(cls, settings: Settings) -> "StackState":
        path = settings.run_dir / "stack.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        return cls(kafka_port=data.get("kafka_port"),
                   services=[ServiceProc(**s) for s in data.get("services", [])])

    def save(self, settings: Settings) -> None:
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        path = settings.run_dir / "stack.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"kafka_port": self.kafka_port,
                                   "services": [asdict(s) for s in self.services]}, indent=2))
        tmp.replace(path)

    def live(self, service: str | None = None) -> list[ServiceProc]:
        return [s for s in self.services if s.alive and (service is None or s.service == service)]


def manages_broker(settings: Settings) -> bool:
    """svodka runs the broker itself unless SVODKA_KAFKA_BOOTSTRAP points at another one."""
    return settings.manage_kafka


def broker(settings: Settings) -> LocalKafka:
    return LocalKafka(home=settings.home, port=settings.kafka.port, partitions=settings.kafka.partitions,
                      java_opts=tuple(settings.kafka.jvm_options))


def up(settings: Settings, extract_workers: int = 1, timeout: float = 120.0, say=print) -> StackState:
    state = StackState.load(settings)
    if manages_broker(settings):
        kafka = broker(settings)
        if not kafka.is_running():
            say(f"starting Kafka on {settings.kafka_bootstrap} ...")
        try:
            kafka.start()
        except LocalKafkaError as exc:
            raise StackError(str(exc)) from None
        state.kafka_port = settings.kafka_port
    asyncio.run(ensure_topics(settings.kafka_bootstrap, PIPELINE_TOPICS, settings.partitions))
    credentials.create(settings.home)  # the secret every SQL endpoint asks for (0600, kept across restarts)

    state.services = [s for s in state.services if s.alive]
    wanted = {"dedup": 1, "extract": max(1, extract_workers), "stories": 1, "sink": 1, "web": 1}
    started: list[ServiceProc] = []
    for service, count in wanted.items():
        running = [s for s in state.services if s.service == service]
        for proc in running[count:]:  # scale down
            terminate(proc.pid, 15)
            state.services.remove(proc)
        for index in range(len(running) + 1, count + 1):
            proc = spawn(settings, service, index)
            state.services.append(proc)
            started.append(proc)
    state.save(settings)
    if started:
        say("starting " + ", ".join(p.name for p in started) + " ...")
    wait_ready(state.services, timeout)
    return state


def spawn(settings: Settings, service: str, index: int, base_env: dict[str, str] | None = None) -> ServiceProc:
    """Start worker ``index`` of ``service`` in the background (its own web port, data dir
    and log under SVODKA_HOME), with ``base_env`` (default this process's) plus its settings."""
    name = f"{service}-{index}"
    port = free_port()
    data_dir = settings.home / "data" / name
    log = settings.log_dir / f"{name}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    query_port = free_port() if service == "sink" and is_embedded(settings.clickhouse_url) else 0
    env = dict(os.environ if base_env is None else base_env, SVODKA_WEB_PORT=str(port), SVODKA_DATA_DIR=str(data_dir.resolve()),
               SVODKA_HOME=str(settings.home), SVODKA_KAFKA_BOOTSTRAP=settings.kafka_bootstrap,
               SVODKA_CLICKHOUSE_URL=settings.clickhouse_url, SVODKA_PARTITIONS=str(settings.partitions),
               SVODKA_SINK_BATCH_SIZE=str(settings.sink_batch_size),
               SVODKA_SINK_BATCH_SECONDS=str(settings.sink_batch_seconds), PYTHONUNBUFFERED="1",
               SVODKA_QUERY_PORT=str(query_port))
    if service == "web":  # the dashboard is an aiohttp app, not a faust worker
        argv = [sys.executable, "-m", "svodka_services.web", "--port", str(port), "--host", "127.0.0.1"]
    else:
        argv = [sys.executable, "-m", f"svodka_services.{service}", "worker", "-l", "warn",
                "--web-port", str(port), "--web-host", "127.0.0.1"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
    return ServiceProc(name=name, service=service, pid=proc.pid, web_port=port,
                       data_dir=str(data_dir), log=str(log), query_port=query_port)


def wait_ready(services: list[ServiceProc], timeout: float) -> None:
    """Until every worker serves its web port (a sink: with its store open); StackError when
    one exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for proc in list(pending):
            if not proc.alive:
                tail = _tail(Path(proc.log))
                raise StackError(f"{proc.name} exited during start-up; last lines of {proc.log}:\n{tail}")
            if port_open(proc.web_port) and (proc.service != "sink" or _sink_open(proc)) \
                    and (not proc.query_port or port_open(proc.query_port)):
                pending.remove(proc)
        time.sleep(0.3)
    if pending:
        raise StackError("not ready in time: " + ", ".join(f"{p.name} (log: {p.log})" for p in pending))


def _sink_open(proc: ServiceProc) -> bool:
    health = http_json(f"{proc.url}/health/")
    return bool(health and health.get("store_open"))


def http_json(url: str, body: dict | None = None, timeout: float = 5.0,
              headers: dict[str, str] | None = None) -> dict | None:
    """GET (or POST ``body`` as JSON) and return the JSON answer, also of an HTTP error; None
    when nothing answered. ``headers`` add to Content-Type (e.g. ``Credentials.bearer()``)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return json.loads(exc.read())
        except ValueError:
            return {"error": f"HTTP {exc.code}"}
    except (OSError, ValueError):
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def down(settings: Settings, say=print) -> None:
    state = StackState.load(settings)
    live = state.live()
    if live:
        say("stopping " + ", ".join(p.name for p in live) + " ...")
    for proc in live:  # SIGTERM all first: they shut down in parallel
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            pass
    for proc in live:
        terminate(proc.pid, 20)
    state.services = []
    state.save(settings)
    if manages_broker(settings):
        kafka = broker(settings)
        if kafka.is_running():
            say("stopping Kafka ...")
            kafka.stop()


def status(settings: Settings) -> dict:
    """What runs and how it fares.

    Each live service's ``/health/`` is included; ``stalled`` lists the partitions a
    service has records waiting in but has not advanced for ``SVODKA_STALL_SECONDS``
    (the real liveness signal), ``lagging`` the groups whose committed offsets are
    behind the log end (informational: commits trail processing by about a second).
    """
    state = StackState.load(settings)
    result: dict = {"kafka": {"bootstrap": settings.kafka_bootstrap, "up": False}, "services": [], "lag": [],
                    "clickhouse": settings.clickhouse_url, "stalled": [], "lagging": []}
    if manages_broker(settings):
        kafka = broker(settings)
        result["kafka"].update(managed=True, pid=kafka.pid(), up=kafka.is_running() and port_open(settings.kafka_port))
    else:
        host, _, port = settings.kafka_bootstrap.rpartition(":")
        result["kafka"].update(managed=False, up=port_open(int(port), host or "127.0.0.1"))
    for proc in state.services:
        entry = {"name": proc.name, "pid": proc.pid, "up": proc.alive, "web": proc.url, "log": proc.log}
        if proc.alive:
            health = http_json(f"{proc.url}/health/", timeout=2)
            entry["health"] = health
            entry["ok"] = health.get("ok") if health else None  # None: no answer
            entry["stalled"] = (health or {}).get("stalled") or []
            result["stalled"] += [dict(service=proc.name, **p) for p in entry["stalled"]]
        result["services"].append(entry)
    result.update(analyst_endpoints(settings, state))
    if result["kafka"]["up"]:
        try:
            rows = asyncio.run(asyncio.wait_for(consumer_lag(settings.kafka_bootstrap), 20))
            result["lag"] = [dict(group=r.group, topic=r.topic, partition=r.partition, committed=r.committed,
                                  end=r.end, lag=r.lag) for r in rows]
            behind: dict[tuple[str, str], int] = {}
            for r in rows:
                if r.lag > 0:
                    behind[(r.group, r.topic)] = behind.get((r.group, r.topic), 0) + r.lag
            result["lagging"] = [dict(group=g, topic=t, lag=n) for (g, t), n in sorted(behind.items())]
        except Exception as exc:  # noqa: BLE001 - status must still print what it knows
            result["lag_error"] = str(exc)
    return result


def analyst_endpoints(settings: Settings, state: StackState | None = None) -> dict:
    """Where analysts attach: ``dashboard`` (its URL), ``dashboard_login`` (the URL that signs a browser
    in), and ``query_endpoint`` ({url, user, password}: ClickHouse's HTTP interface, for BI clients)."""
    state = state or StackState.load(settings)
    creds = credentials.load(settings.home)
    out: dict = {"dashboard": None, "dashboard_login": None, "query_endpoint": None}
    web = state.live("web")
    if web:
        out["dashboard"] = web[0].url + "/"
        if creds is not None:
            out["dashboard_login"] = login_url(web[0].url, creds)
    if is_embedded(settings.clickhouse_url):
        sinks = [s for s in state.live("sink") if s.query_port]
        if sinks and creds is not None:
            out["query_endpoint"] = {"url": f"http://127.0.0.1:{sinks[0].query_port}", "user": creds.user,
                                     "password": creds.password}
    else:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(settings.clickhouse_url)
        out["query_endpoint"] = {"url": f"{parts.scheme}://{parts.hostname}:{parts.port or 8123}",
                                 "user": unquote(parts.username or "default"),
                                 "password": unquote(parts.password or "")}
    return out


def login_url(base: str, creds: credentials.Credentials) -> str:
    """The dashboard URL that signs a browser in (sets its session cookie) and redirects to the overview."""
    from urllib.parse import quote

    return f"{base.rstrip('/')}/login?key={quote(creds.password, safe='')}"
