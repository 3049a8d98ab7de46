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
import weakref
from collections.abc import Callable
from typing import Any

import faust
from faust.types import TableT

from svodka.runtime.faust_internals import fetch_in_bulk
from svodka.settings import Settings, SettingsError
from svodka.runtime.topics import ensure_topics

__all__ = ["declared_topics", "fetch_in_bulk", "make_app", "raw_topic", "run", "serve", "table"]


def make_app(service: str, settings: Settings, **overrides: Any) -> faust.App:
    """A faust app for ``service`` (dedup, extract, sink) configured from settings.

    The data dir and web port are per worker (``settings.worker``) so several workers
    of one service can run side by side (``svodka up`` sets them).
    """
    conf: dict[str, Any] = dict(
        broker=f"kafka://{settings.kafka.bootstrap}",
        store="rocksdb://",
        datadir=str(settings.data_dir(service)),
        web_port=settings.worker.web_port,
        web_bind="127.0.0.1",
        web_host="127.0.0.1",
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
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


# Topic names each app uses, so ``run`` can create them before faust subscribes.
_DECLARED: weakref.WeakKeyDictionary[faust.App, set[str]] = weakref.WeakKeyDictionary()


def raw_topic(app: faust.App, *names: str) -> faust.TopicT:
    """A topic of raw bytes keys and values (our records encode themselves)."""
    _DECLARED.setdefault(app, set()).update(names)
    return app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw", partitions=app.conf.topic_partitions)


def table(app: faust.App, name: str, **kwargs) -> TableT:
    """A faust table whose changelog topic ``run`` also creates up front (co-partitioned)."""
    _DECLARED.setdefault(app, set()).add(f"{app.conf.id}-{name}-changelog")
    return app.Table(name, partitions=app.conf.topic_partitions, **kwargs)


def declared_topics(app: faust.App) -> list[str]:
    """The topics (changelogs included) ``app`` declared through ``raw_topic`` and ``table``."""
    return sorted(_DECLARED.get(app, ()))


def run(app: faust.App, settings: Settings) -> None:
    """The service's command line (faust's, with ``worker`` and ``--help``).

    Before a worker starts, the topics it reads and writes are created with the
    configured partition count if they do not exist: faust subscribes to missing
    topics silently and never reads them, and a worker started on its own
    (docker-compose, k8s) should need no separate set-up step.
    """
    if "worker" in sys.argv[1:] and not {"--help", "-h"} & set(sys.argv):
        asyncio.run(ensure_topics(settings.kafka.bootstrap, declared_topics(app),
                                  app.conf.topic_partitions, settings.kafka.replication_factor))
    app.main()


def serve(build: Callable[[Settings], faust.App]) -> None:
    """A service's ``__main__``: settings from the environment, the app from ``build``, ``run``.
    A setting that cannot be used ends the process with its name (exit 2), not a traceback."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"svodka: configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    run(build(settings), settings)
