"""The faust side shared by the stream services: one way to build an app.

Each service is one faust app with agents of ``concurrency=1`` (faust-streaming
#606: with more, offsets are committed past in-flight messages); services scale
by running more processes over the topics' partitions. Delivery is assumed
at-least-once (faust's exactly_once is unreliable, #517/#323), so every stage
is idempotent downstream.

Payloads are raw bytes carrying our own versioned JSON (svodka.records): the
libs stay free of faust types and a bad message becomes a dead letter with a
reason instead of a deserialisation crash inside faust.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import faust

from svodka.settings import Settings
from svodka.runtime.topics import ensure_topics


def make_app(service: str, settings: Settings, **overrides: Any) -> faust.App:
    """A faust app for ``service`` (dedup, extract, sink) configured from settings.

    The data dir and web port are per worker (``settings.worker``) so several workers
    of one service can run side by side (``svodka up`` sets them).
    """
    conf: dict[str, Any] = dict(
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="rocksdb://",
        datadir=str(settings.data_dir(service)),
        web_port=settings.worker.web_port,
        web_bind="127.0.0.1",
        web_host="127.0.0.1",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # snappy: aiokafka's lz4 is the slow high-compression variant (measured in dedup).
        producer_compression_type="snappy",
        # How often consumed offsets are committed; tests raise it to kill a worker
        # between its writes and its commit.
        broker_commit_interval=settings.worker.commit_interval,
        stream_buffer_maxsize=1024,
        # Do not wait for in-flight events at shutdown or rebalance: a sink retrying an
        # unstored batch would hold SIGTERM forever. Unacknowledged events are simply
        # not committed, and are redelivered to an idempotent stage.
        stream_wait_empty=False,
        table_cleanup_interval=60.0,
        web_enabled=True,
    )
    conf.update(overrides)
    app = faust.App(f"svodka-{service}", **conf)
    app.task(_quiet_root_logger)
    return app


async def _quiet_root_logger() -> None:
    """faust's worker puts the root logger at DEBUG when the level is WARN or above (so
    that its console spinner turns on every record): aiokafka then builds a debug
    record per send and per request, measured at a tenth of a dedup worker's time.
    Put it back to WARNING once the worker runs."""
    root = logging.getLogger()
    if root.level < logging.WARNING and any(type(h).__name__ == "SpinnerHandler" for h in root.handlers):
        root.setLevel(logging.WARNING)


def fetch_in_bulk(app: faust.App, min_bytes: int, max_wait_s: float) -> None:
    """Have ``app``'s consumer ask the broker for at least ``min_bytes`` per fetch,
    waiting up to ``max_wait_s`` for them.

    faust-streaming builds its aiokafka consumer with ``fetch_min_bytes=1`` and has no
    setting for it, so a consumer of a topic that fills record by record (the sink of
    ``articles.enriched``) fetches each record on its own. Measured with two extract
    workers at ~75 articles/s: one fetch per record cost the sink 0.9 ms of CPU an
    article and the broker 0.6 ms more; asking for 256 kB (or 0.3 s) took the sink to
    1.9 ms and the broker to 1.5 ms, and throughput up 7%. Only for a consumer that
    batches anyway: the wait adds up to ``max_wait_s`` of latency.

    It sets two attributes of aiokafka's Fetcher (``_fetch_min_bytes``,
    ``_fetch_max_wait_ms``, read each time a fetch request is built), once the consumer
    exists and again after each rebalance; if a faust or aiokafka upgrade moves them, it
    logs a warning and fetching stays as it was.
    """

    async def _tune(sender, *args, **kwargs) -> None:
        consumer = getattr(getattr(app.consumer, "_thread", None), "_consumer", None)
        fetcher = getattr(consumer, "_fetcher", None)
        if fetcher is None or not hasattr(fetcher, "_fetch_min_bytes"):
            logging.getLogger("svodka").warning(
                "cannot tune fetches (faust/aiokafka internals changed); fetching record by record")
            return
        fetcher._fetch_min_bytes = min_bytes
        fetcher._fetch_max_wait_ms = int(max_wait_s * 1000)

    app.on_partitions_assigned.connect(_tune)


# Topic names each app uses, so ``run`` can create them before faust subscribes.
_APP_TOPICS: dict[str, set[str]] = {}


def raw_topic(app: faust.App, *names: str) -> faust.TopicT:
    """A topic of raw bytes keys and values (our records encode themselves)."""
    _APP_TOPICS.setdefault(app.conf.id, set()).update(names)
    return app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw", partitions=app.conf.topic_partitions)


def table(app: faust.App, name: str, **kwargs) -> faust.TableT:
    """A faust table whose changelog topic ``run`` also creates up front (co-partitioned)."""
    _APP_TOPICS.setdefault(app.conf.id, set()).add(f"{app.conf.id}-{name}-changelog")
    return app.Table(name, partitions=app.conf.topic_partitions, **kwargs)


def run(app: faust.App, settings: Settings) -> None:
    """The service's command line (faust's, with ``worker`` and ``--help``).

    Before a worker starts, the topics it reads and writes are created with the
    configured partition count if they do not exist: faust subscribes to missing
    topics silently and never reads them, and a worker started on its own
    (docker-compose, k8s) should need no separate set-up step.
    """
    if "worker" in sys.argv[1:] and not {"--help", "-h"} & set(sys.argv):
        asyncio.run(ensure_topics(settings.kafka_bootstrap, sorted(_APP_TOPICS.get(app.conf.id, ())),
                                  app.conf.topic_partitions, settings.replication_factor))
    app.main()
