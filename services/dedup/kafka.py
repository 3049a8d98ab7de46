"""The dedup worker's own producer: records batched per (topic, partition).

All the agents' writes — outputs, chain envelopes, and the tables' changelog records
— go through one idempotent aiokafka producer, batched with ``create_batch`` /
``send_batch``: per-record sends (a future and callbacks each) were half of the
worker's time. One producer for everything keeps a key's records in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

Records = dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]]
Sent = list[tuple[str, int, Any, int]]  # topic, partition, future of the batch, records in it


class BatchProducer:
    """Started on first use; ``check`` runs once against the started producer (and stops
    it again if it raises)."""

    def __init__(self, bootstrap: str, check: Any = None) -> None:
        self.bootstrap = bootstrap
        self._check = check
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._partitions: dict[str, list[int]] = {}
        self._partitioner = DefaultPartitioner()

    async def get(self) -> AIOKafkaProducer:
        if self._producer is None:
            async with self._lock:
                if self._producer is None:
                    producer = AIOKafkaProducer(
                        bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                        linger_ms=5, compression_type="snappy", max_batch_size=1_000_000,
                        max_request_size=1_040_000)
                    await producer.start()
                    try:
                        if self._check is not None:
                            await self._check(producer)
                    except Exception:
                        await producer.stop()
                        raise
                    self._producer = producer
        return self._producer

    async def partition(self, topic: str, key: bytes) -> int:
        """The partition faust's (aiokafka's default) partitioner gives ``key``."""
        parts = self._partitions.get(topic)
        if parts is None:
            parts = self._partitions[topic] = sorted(await (await self.get()).partitions_for(topic))
        return self._partitioner(key, parts, parts)

    async def send(self, groups: Records) -> Sent:
        """Send the records; returns (topic, partition, future, count) per batch sent."""
        producer = await self.get()
        sent: Sent = []
        for (topic, partition), records in groups.items():
            batch, count = producer.create_batch(), 0
            for key, value in records:
                if batch.append(key=key, value=value, timestamp=None) is None:  # full: send, start another
                    sent.append((topic, partition, await producer.send_batch(batch, topic, partition=partition),
                                 count))
                    batch, count = producer.create_batch(), 0
                    if batch.append(key=key, value=value, timestamp=None) is None:
                        raise ValueError(f"a record of {len(value or b'')} bytes does not fit a batch")
                count += 1
            if count:
                sent.append((topic, partition, await producer.send_batch(batch, topic, partition=partition), count))
        return sent

    @staticmethod
    async def acknowledged(sent: Iterable[tuple[str, int, Any, int]]) -> None:
        await asyncio.gather(*(fut for _, _, fut, _ in sent))

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()  # delivers what is still pending
