"""A test's view of Kafka: the environment pointing at a test broker, publishing and reading."""

from __future__ import annotations

import asyncio
import io
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from svodka.records import Article, DeadLetter, Record
from svodka.runtime.localkafka import LocalKafka
from svodka.runtime.topics import ensure_topics
from svodka.settings import PIPELINE_TOPICS, Settings
from svodka_services.producer.command import IngestOptions, IngestSummary, ingest


def svodka_env(home: Path, kafka: LocalKafka, **extra: str) -> dict[str, str]:
    """Environment for running the svodka CLI and services against a test broker and store:
    the caller's environment without any SVODKA_* variable, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    env.update(SVODKA_HOME=str(home), SVODKA_KAFKA_BOOTSTRAP=kafka.bootstrap,
               SVODKA_CLICKHOUSE_URL=f"chdb://{home / 'clickhouse'}", SVODKA_SINK_BATCH_SECONDS="0.3")
    env.update(extra)
    return env


def create_topics(bootstrap: str, partitions: int, topics: Iterable[str] = PIPELINE_TOPICS) -> None:
    asyncio.run(ensure_topics(bootstrap, list(topics), partitions))


def publish(bootstrap: str, topic: str, records: Iterable[Record | tuple[bytes | None, bytes]]) -> dict[int, int]:
    """Send ``records`` (keyed by their id; or raw (key, value) pairs) to ``topic`` with an
    idempotent producer, acks=all; returns {partition: end offset after them}."""

    async def run() -> list:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            futures = []
            for record in records:
                key, value = record if isinstance(record, tuple) else (record.id.encode(), record.to_json())
                futures.append(await producer.send(topic, value, key=key))
            return await asyncio.gather(*futures)
        finally:
            await producer.stop()

    ends: dict[int, int] = {}
    for meta in asyncio.run(run()):
        ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
    return ends


def end_offsets(bootstrap: str, topics: Iterable[str], partitions: int) -> dict[TopicPartition, int]:
    async def run() -> dict[TopicPartition, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            return await consumer.end_offsets([TopicPartition(t, p) for t in topics for p in range(partitions)])
        finally:
            await consumer.stop()

    return asyncio.run(run())


def group_offsets(bootstrap: str, group: str) -> dict:
    """The committed offsets of consumer ``group``, by TopicPartition."""

    async def run() -> dict:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return await admin.list_consumer_group_offsets(group)
        finally:
            await admin.close()

    return asyncio.run(run())


@dataclass
class Topics:
    """A raw and a dead-letter topic of a test's own (the producer's ``--topic``/``--dlq-topic``)."""

    raw: str
    dlq: str


def fresh_topics() -> Topics:
    tag = uuid.uuid4().hex[:10]
    return Topics(raw=f"test.raw.{tag}", dlq=f"test.dlq.{tag}")


def run_ingest(kafka: LocalKafka, topics: Topics, paths: list, partitions: int = 4,
               **options: object) -> tuple[IngestSummary, str]:
    """The producer command's ``ingest()`` in-process; returns the summary and what it wrote on stderr."""
    err = io.StringIO()
    ingest_options = IngestOptions(topic=topics.raw, dlq_topic=topics.dlq, stderr=err, stdout=io.StringIO(),
                                   progress=False, broker_timeout=10, **options)  # type: ignore[arg-type]
    settings = Settings().with_(kafka_bootstrap=kafka.bootstrap, partitions=partitions)
    summary = asyncio.run(ingest([str(p) for p in paths], ingest_options, settings))
    return summary, err.getvalue()


def consume(bootstrap: str, topic: str) -> list:
    """Every record of ``topic``, by partition and offset."""

    async def read() -> list:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            [described] = await admin.describe_topics([topic])
        finally:
            await admin.close()
        parts = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        if not parts:
            return []
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            records = []
            deadline = time.monotonic() + 30
            while any([await consumer.position(tp) < ends[tp] for tp in parts]):
                assert time.monotonic() < deadline, "could not read the topic back"
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
            return sorted(records, key=lambda r: (r.partition, r.offset))
        finally:
            await consumer.stop()

    return asyncio.run(read())


def articles_in(kafka: LocalKafka, topic: str) -> list[tuple]:
    """(key, Article, record) for each record of the topic."""
    return [(r.key.decode(), Article.from_json(r.value), r) for r in consume(kafka.bootstrap, topic)]


def letters_in(kafka: LocalKafka, topic: str) -> list[tuple]:
    """(key, DeadLetter, record) for each record of the topic."""
    return [(r.key.decode(), DeadLetter.from_json(r.value), r) for r in consume(kafka.bootstrap, topic)]
