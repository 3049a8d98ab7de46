"""One batch of dedup events: the chain's store over faust's RocksDB tables, and all it writes.

``Outbox`` is the ``svodka.dedup.ChainStore`` the chain driver runs on in the stream:
it owns a key when the key's partition (``partition_of(key, partitions)``) of the
stage's topic is assigned to this worker at the moment the batch started; it reads a
value as written earlier in the batch, else from that partition's RocksDB; it keeps
writes in the batch. ``flush`` then sends, together, and returns when Kafka
acknowledged all of it (only then are the events acknowledged):

- chain records for stages other workers own: one envelope per (topic, partition);
- outputs (unique, duplicates, dead letters): keyed by article id;
- table writes: written to the RocksDB of the partition that owns the key, one
  WriteBatch per partition, and sent as changelog records — the key, value and
  partition faust itself would write; once acknowledged, the persisted offset is
  recorded as faust does. (faust's per-key path, ``table[key] = value``, costs a
  FutureMessage and a task switch per record: ~190 µs a write here, and the chain
  writes nine times per article.)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import faust
from rocksdict import WriteBatch

from svodka.dedup import EXACT_STAGE, pack_envelopes, partition_of
from svodka.records import DeadLetter
from svodka.runtime import faust_internals as fi
from svodka.settings import TOPIC_DLQ
from svodka_services.dedup.kafka import BatchProducer, Records


class Outbox:
    def __init__(self, tables: tuple[faust.TableT, faust.TableT], topics: tuple[str, str],
                 owned: tuple[set[int], set[int]], partitions: int) -> None:
        """``tables``, ``topics`` and ``owned`` are (exact stage, band stages)."""
        self.tables, self.topics, self.owned, self.partitions = tables, topics, owned, partitions
        self.envelopes: dict[tuple[str, int], list[bytes]] = defaultdict(list)
        self.outputs: list[tuple[str, bytes, bytes]] = []
        self.changelog: dict[tuple[Any, bytes], tuple[int, bytes]] = {}
        self.dead_letters: list[DeadLetter] = []
        self._key: bytes | None = None
        self._partition = 0

    # -- ChainStore -----------------------------------------------------------------------

    def partition(self, key: bytes) -> int:
        if key != self._key:  # the driver asks owns, load, store for one key in a row
            self._key, self._partition = key, partition_of(key, self.partitions)
        return self._partition

    def owns(self, stage: int, key: bytes) -> bool:
        return self.partition(key) in self.owned[stage != EXACT_STAGE]

    def load(self, stage: int, key: bytes) -> bytes | None:
        """The value of ``key``: as written earlier in this batch, else from RocksDB."""
        table = self.tables[stage != EXACT_STAGE]
        pending = self.changelog.get((table, key))
        return pending[1] if pending is not None else fi.partition_db(table, self.partition(key)).get(key)

    def store(self, stage: int, key: bytes, value: bytes) -> None:
        # a later write in the batch replaces an earlier one
        self.changelog[(self.tables[stage != EXACT_STAGE], key)] = (self.partition(key), value)

    # -- what the batch sends ----------------------------------------------------------------

    def forward(self, stage: int, key: bytes, record: bytes) -> None:
        self.envelopes[(self.topics[stage != EXACT_STAGE], self.partition(key))].append(record)

    def output(self, topic: str, key: bytes, value: bytes) -> None:
        self.outputs.append((topic, key, value))

    def dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters.append(letter)
        self.output(TOPIC_DLQ, letter.id.encode(), letter.to_json())

    @property
    def passed_on(self) -> int:
        """Outputs that are not dead letters."""
        return len(self.outputs) - len(self.dead_letters)

    def write_state(self) -> None:
        """The batch's table writes into RocksDB, one WriteBatch per partition."""
        batches: dict[tuple[Any, int], WriteBatch] = {}
        for (table, key), (partition, value) in self.changelog.items():
            batch = batches.get((table, partition))
            if batch is None:
                batch = batches[(table, partition)] = WriteBatch(raw_mode=True)
            batch.put(key, value)
        for (table, partition), batch in batches.items():
            fi.partition_db(table, partition).write(batch)

    async def flush(self, kafka: BatchProducer) -> None:
        self.write_state()  # before any await: the next batch reads it from RocksDB
        groups: Records = defaultdict(list)
        for (topic, partition), records in self.envelopes.items():
            groups[(topic, partition)] = [(None, e) for e in pack_envelopes(records)]
        for topic, key, value in self.outputs:
            groups[(topic, await kafka.partition(topic, key))].append((key, value))
        tables = {}
        for (table, key), (partition, value) in self.changelog.items():
            topic = fi.changelog_topic(table)
            tables[topic] = table
            groups[(topic, partition)].append((key, value))
        sent = await kafka.send(groups)
        await kafka.acknowledged(sent)
        for topic, _partition, fut, count in sent:
            if topic in tables:
                meta = fut.result()
                fi.mark_persisted(tables[topic], meta.topic_partition, meta.offset + count - 1)
