"""Kafka topic administration and consumer lag, through aiokafka's admin client."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


async def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int, replication: int = 1) -> list[str]:
    """Create the topics that do not exist yet; return the names created.

    Table changelogs (``*-changelog``) are compacted: they are the tables' state and
    must never lose a key to retention."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics([
                    NewTopic(n, partitions, replication,
                             topic_configs={"cleanup.policy": "compact"} if n.endswith("-changelog") else {})
                    for n in missing])
            except TopicAlreadyExistsError:
                pass  # another process created it first: fine
        return missing
    finally:
        await admin.close()


@dataclass
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int
    end: int

    @property
    def lag(self) -> int:
        return max(self.end - max(self.committed, 0), 0)


async def consumer_lag(bootstrap: str) -> list[PartitionLag]:
    """Committed offset and log end per group and partition, for every consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        groups = [g[0] if isinstance(g, tuple) else g.group_id for g in await admin.list_consumer_groups()]
        rows: list[PartitionLag] = []
        for group in sorted(groups):
            offsets = await admin.list_consumer_group_offsets(group)
            tps = [tp for tp in offsets if not tp.topic.startswith("__")]
            if not tps:
                continue
            ends = await consumer.end_offsets(tps)
            for tp in sorted(tps):
                rows.append(PartitionLag(group, tp.topic, tp.partition, offsets[tp].offset, ends.get(tp, 0)))
        return rows
    finally:
        await consumer.stop()
        await admin.close()
