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

import os
from pathlib import Path

import faust

from svodka.config import Settings


def make_app(service: str, settings: Settings | None = None, **overrides) -> faust.App:
    """A faust app for ``service`` (dedup, extract, sink) configured from settings.

    The data dir and web port come from ``SVODKA_DATA_DIR`` / ``SVODKA_WEB_PORT``
    so several workers of one service can run side by side (``svodka up`` sets them).
    """
    settings = settings or Settings.from_env()
    datadir = Path(os.environ.get("SVODKA_DATA_DIR") or settings.home / "data" / service)
    conf = dict(
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="rocksdb://",
        datadir=str(datadir),
        web_port=int(os.environ.get("SVODKA_WEB_PORT") or 0) or 6066,
        web_bind="127.0.0.1",
        web_host="127.0.0.1",
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_compression_type="lz4",
        broker_commit_interval=1.0,
        broker_request_timeout=30.0,
        stream_buffer_maxsize=1024,
        table_cleanup_interval=60.0,
        web_enabled=True,
    )
    conf.update(overrides)
    return faust.App(f"svodka-{service}", **conf)


def raw_topic(app: faust.App, *names: str, partitions: int | None = None) -> faust.TopicT:
    """A topic of raw bytes keys and values (our records encode themselves)."""
    return app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw", partitions=partitions)
