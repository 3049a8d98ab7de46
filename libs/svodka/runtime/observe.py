"""Metrics and health for the faust services: ``install(app, service)``.

Liveness is progress, not a running process: a worker can be up, answer HTTP and
heartbeat its consumer group while one partition stays stuck (faust-streaming
#596, #640). So the health endpoint follows, per assigned partition, the last
processed offset and when it last advanced, and compares it with the partition's
highwater. A partition is *stalled* when it has records waiting (highwater >
last processed + 1) and its processed offset has not advanced for
``SVODKA_STALL_SECONDS`` (default 60).

"Processed" means acknowledged by the agent: the offset faust may commit next.
``install`` registers a faust sensor that reports every fully acked message to
``Observer.progress``, so agents need no call of their own (a sink batch counts
when it is stored and acked, not when it is taken). ``progress`` stays public for
code that consumes outside a faust stream.

Endpoints on the faust web server:

- ``GET /metrics/`` — Prometheus text format from this process's own registry;
- ``GET /health/`` — 200 ``{"ok": true, ...}`` or 503 with the stalled partitions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector

from svodka.settings import ObserveSettings
from svodka.timeutil import parse_utc, utc_now

DEFAULT_STALL_SECONDS = ObserveSettings.stall_seconds  # SVODKA_STALL_SECONDS

BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)

# (topic, partition, highwater or None, committed offset or None): what the consumer knows.
PartitionInfo = tuple[str, int, "int | None", "int | None"]


@dataclass
class PartitionHealth:
    topic: str
    partition: int
    processed: int | None  # offset of the last processed record (-1: none yet)
    highwater: int | None  # offset the next produced record will get; None before the first fetch
    lag: int | None
    idle_s: float  # seconds since the processed offset last advanced (or since assignment)
    stalled: bool


class StallTracker:
    """The stall rule, free of faust: feed it progress and the consumer's view, ask who is stuck."""

    def __init__(self, stall_seconds: float = DEFAULT_STALL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.stall_seconds = stall_seconds
        self.clock = clock
        self._offset: dict[tuple[str, int], int] = {}
        self._since: dict[tuple[str, int], float] = {}

    def progress(self, topic: str, partition: int, offset: int) -> None:
        """``offset`` was processed: the partition advanced unless it was there already."""
        key = (topic, partition)
        last = self._offset.get(key)
        if last is None or offset > last:
            self._offset[key] = offset
            self._since[key] = self.clock()

    def _committed(self, key: tuple[str, int], committed: int) -> None:
        # The group's committed offset as a floor. A first one is where this process
        # started, not progress: the idle clock keeps running from the assignment.
        last = self._offset.get(key)
        if last is None:
            self._offset[key] = committed - 1
        elif committed - 1 > last:
            self._offset[key] = committed - 1
            self._since[key] = self.clock()

    def assigned(self, keys: Iterable[tuple[str, int]]) -> None:
        """Partitions (re)assigned: their idle clock starts now."""
        now = self.clock()
        for key in keys:
            self._since[key] = now

    def revoked(self, keys: Iterable[tuple[str, int]]) -> None:
        for key in keys:
            self._offset.pop(key, None)
            self._since.pop(key, None)

    def check(self, partitions: Iterable[PartitionInfo]) -> list[PartitionHealth]:
        """One entry per partition given (the current assignment); forgets the others.

        ``committed`` is the consumer group's committed offset (the next to read): a
        partition nothing was processed from in this process counts as processed up
        to ``committed - 1`` (or nothing, when the group never committed).
        """
        now = self.clock()
        result: list[PartitionHealth] = []
        seen = set()
        for topic, partition, highwater, committed in partitions:
            key = (topic, partition)
            seen.add(key)
            self._since.setdefault(key, now)
            if committed is not None and committed > 0:
                self._committed(key, committed)
            processed = self._offset.get(key)
            lag = None if highwater is None else max(highwater - ((processed if processed is not None else -1) + 1), 0)
            idle = now - self._since[key]
            result.append(PartitionHealth(topic, partition, processed, highwater, lag, round(idle, 1),
                                          bool(lag) and idle >= self.stall_seconds))
        self.revoked([key for key in list(self._since) if key not in seen])
        return sorted(result, key=lambda p: (p.topic, p.partition))


class Observer:
    """Counters, histograms and the health report of one service process.

    ``partitions`` returns the consumer's view (see ``PartitionInfo``); ``extra``
    returns service-specific health fields (an ``"ok": False`` among them makes the
    service unhealthy too).
    """

    def __init__(self, service: str, *, stall_seconds: float = DEFAULT_STALL_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 partitions: Callable[[], Iterable[PartitionInfo]] = lambda: (),
                 extra: Callable[[], dict] | None = None, registry: CollectorRegistry | None = None):
        self.service = service
        self.tracker = StallTracker(stall_seconds, clock)
        self._partitions = partitions
        self._extra = extra
        self.registry = registry or CollectorRegistry()
        labels: dict[str, Any] = dict(labelnames=["service"], registry=self.registry)
        self._processed = Counter("svodka_processed", "Records processed successfully", **labels).labels(service)
        self._failed = Counter("svodka_failed", "Records whose processing failed (a failed sink write "
                               "counts its batch on every attempt)", **labels).labels(service)
        self._dead = Counter("svodka_dead_lettered", "Records this service turned into dead letters",
                             **labels).labels(service)
        self._batch = Histogram("svodka_batch_size", "Records per batch", buckets=BATCH_BUCKETS,
                                **labels).labels(service)
        self._latency = Histogram("svodka_end_to_end_latency_seconds", "From a record's ingested_at to now "
                                  "(the sink: to stored)", buckets=LATENCY_BUCKETS, **labels).labels(service)
        self.registry.register(_PartitionCollector(self))
        ProcessCollector(registry=self.registry)

    # -- counting ----------------------------------------------------------------------------

    def processed(self, n: int = 1) -> None:
        self._processed.inc(n)

    def failed(self, n: int = 1) -> None:
        self._failed.inc(n)

    def dead_lettered(self, n: int = 1) -> None:
        self._dead.inc(n)

    def batch(self, size: int) -> None:
        self._batch.observe(size)

    def latency(self, seconds: float) -> None:
        self._latency.observe(max(seconds, 0.0))

    def latency_since(self, ingested_at: str, now: datetime | None = None) -> None:
        """Observe the time from ``ingested_at`` (ISO 8601) to now; ignore a missing or bad value."""
        start = parse_utc(ingested_at)
        if start is not None:
            self.latency(((now or utc_now()) - start).total_seconds())

    def progress(self, topic: str, partition: int, offset: int) -> None:
        self.tracker.progress(topic, partition, offset)

    # -- reporting ---------------------------------------------------------------------------

    def partitions(self) -> list[PartitionHealth]:
        return self.tracker.check(self._partitions())

    def health(self) -> tuple[int, dict]:
        """(HTTP status, body) of ``/health/``."""
        parts = self.partitions()
        stalled = [p for p in parts if p.stalled]
        extra = dict(self._extra()) if self._extra else {}
        ok = not stalled and extra.pop("ok", True) is not False
        body = {"service": self.service, "pid": os.getpid(), "ok": ok,
                "stall_seconds": self.tracker.stall_seconds,
                "stalled": [dict(topic=p.topic, partition=p.partition, lag=p.lag, idle_s=p.idle_s) for p in stalled],
                "lag": sum(p.lag or 0 for p in parts),
                **extra,
                "partitions": [asdict(p) for p in parts]}
        return (200 if ok else 503), body

    def metrics_text(self) -> bytes:
        return generate_latest(self.registry)


class _PartitionCollector:
    """Per-partition lag and stall flags, computed when scraped."""

    def __init__(self, observer: Observer):
        self.observer = observer

    def describe(self):
        return []

    def collect(self):
        lag = GaugeMetricFamily("svodka_partition_lag", "Records waiting in an assigned partition",
                                labels=["service", "topic", "partition"])
        stalled = GaugeMetricFamily("svodka_partition_stalled", "1 if the partition has records waiting and its "
                                    "processed offset has not advanced for the stall period",
                                    labels=["service", "topic", "partition"])
        for p in self.observer.partitions():
            labels = [self.observer.service, p.topic, str(p.partition)]
            if p.lag is not None:
                lag.add_metric(labels, p.lag)
            stalled.add_metric(labels, 1 if p.stalled else 0)
        yield lag
        yield stalled


def _faust_partitions(app) -> list[PartitionInfo]:
    """The assigned partitions that agents consume, with highwater and committed offset."""
    consumer = app.consumer
    try:
        assigned = consumer.assignment()
    except Exception:  # noqa: BLE001 - consumer not started yet: nothing assigned
        return []
    # faust's own record of the group's committed offsets (set at assignment and on each commit).
    committed = getattr(consumer, "_committed_offset", {})
    result = []
    for tp in assigned:
        if not app.topics.acks_enabled_for(tp.topic):
            continue  # table changelogs: read by recovery, never acked by an agent
        try:
            highwater = consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - revoked meanwhile
            highwater = None
        result.append((tp.topic, tp.partition, highwater, committed.get(tp)))
    return result


def install(app, service: str, health: Callable[[], dict] | None = None,
            stall_seconds: float = DEFAULT_STALL_SECONDS) -> Observer:
    """Expose ``/metrics/`` and ``/health/`` on ``app``'s web server; return the service's Observer.

    Call once per app, at import time (next to ``make_app``). ``health`` returns extra
    fields for ``/health/``.
    """
    from faust import Sensor
    from faust.web import Request, Response, View

    observer = Observer(service, stall_seconds=stall_seconds, partitions=lambda: _faust_partitions(app),
                        extra=health)

    class ProgressSensor(Sensor):
        def on_message_out(self, tp, offset, message) -> None:
            observer.progress(tp.topic, tp.partition, offset)

    app.sensors.add(ProgressSensor())

    @app.on_partitions_assigned.connect
    async def _assigned(sender, assigned, **kwargs) -> None:
        observer.tracker.assigned((tp.topic, tp.partition) for tp in assigned)

    @app.on_partitions_revoked.connect
    async def _revoked(sender, revoked, **kwargs) -> None:
        observer.tracker.revoked((tp.topic, tp.partition) for tp in revoked)

    @app.page("/metrics/")
    class MetricsView(View):
        async def get(self, request: Request) -> Response:
            return self.bytes(observer.metrics_text(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/health/")
    class HealthView(View):
        async def get(self, request: Request) -> Response:
            status, body = observer.health()
            return self.json(body, status=status)

    return observer
