"""dedup: articles.raw → articles.unique | articles.duplicates (bad input → articles.dlq).

The chain (svodka.dedup.chain): an article is checked at the *exact* stage (table
``first-seen``: exact key → first id and its event time), then at bands 1…8 (table
``band-buckets``: band key → the entries registered under it). Each stage's state
key lives in one partition — ``dedup.partition_of(key)`` — and only the worker that
owns that partition touches it, one record at a time, so any two articles sharing a
key meet there, whichever worker read them. The stages run in the library's one
chain driver (``svodka.dedup.advance``) over ``outbox.Outbox``, the store of one
batch over this worker's RocksDB partitions; faust internals are reached only
through ``svodka.runtime.faust_internals``.

Three agents, concurrency=1 each; scale by running more workers over the partitions:

- ``route`` reads articles.raw (key = article id), computes each fingerprint once
  (exact key, word-bigram hashes, MinHash band keys) and starts its chain;
- ``exact`` reads ``svodka-dedup-by-content`` and ``band`` reads
  ``svodka-dedup-by-band``: chain records sent there by other workers (or by this
  one, when it did not own the partition at the time), on the partition that owns
  the key of the stage they are going to.

A stage whose key belongs to a partition this worker owns is run in place, in the
same batch; the next stage goes through Kafka only when another worker owns its
partition. With one worker the whole chain runs in place; with several, part of it
travels, and each key is still only touched by its partition's owner.

Agents take batches of events (``noack_take``); a batch's outputs, chain records
(packed into one envelope per partition) and table changelog records are sent in
per-partition batches, and the events are acknowledged only after Kafka acknowledged
all of it (at-least-once). A redelivered article meets its own id in the state and
is passed on again, never made its own duplicate. Tables are RocksDB with changelog
topics: a restarted worker (same or empty data dir) or one that takes partitions
over recovers them. A timer deletes state older than the window
(SVODKA_DEDUP_WINDOW_DAYS) of event time. See docs/dedup.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import faust
from aiokafka import AIOKafkaProducer

from svodka import dedup
from svodka.records import Article, DeadLetter
from svodka.runtime import faust_internals as fi
from svodka.runtime import logs, observe
from svodka.runtime.streaming import make_app, raw_topic, table
from svodka.settings import TOPIC_DLQ, TOPIC_DUPLICATES, TOPIC_RAW, TOPIC_UNIQUE, Settings
from svodka_services.dedup.kafka import BatchProducer
from svodka_services.dedup.outbox import Outbox

__all__ = ["BY_BAND", "BY_CONTENT", "DedupWorker", "build"]

log = logging.getLogger("svodka.dedup.chain")

BY_CONTENT, BY_BAND = "svodka-dedup-by-content", "svodka-dedup-by-band"
# Batches: up to this many events, or what came within BATCH_WITHIN seconds (the latency a
# stage adds when idle). A batch runs without yielding to the event loop, so it is kept to
# a fraction of a second: an article costs ~1 ms through the whole chain, and an envelope
# carries up to a few hundred of them.
ROUTE_BATCH = 256
CHAIN_BATCH = 4
BATCH_WITHIN = 0.02
# bytes: raw serializers. RocksDB per database (2 tables x SVODKA_PARTITIONS of them): faust's
# defaults (3 x 64 MB write buffers, a 2 GB block cache) would let 16 databases hold gigabytes
# in memory whatever the window; dedup writes ~12 kB an article and reads mostly what it wrote
# recently, so 2 x 8 MB and a 32 MB cache are plenty (worst case 16 x 48 MB).
_BYTES: dict[str, Any] = dict(
    default=None, key_type=bytes, value_type=bytes,
    options={"write_buffer_size": 8 << 20, "max_write_buffer_number": 2, "block_cache_size": 32 << 20})


def build(settings: Settings) -> faust.App:
    """The dedup faust app: topics, tables, agents, the sweep timer, /metrics/ and /health/."""
    logs.setup(settings.observe.log_level)
    # A worker that died (kill -9, OOM) gives its partitions up after 10 s instead of faust's 60.
    app = make_app("dedup", settings, broker_session_timeout=10.0)
    raw = raw_topic(app, TOPIC_RAW)
    by_content = raw_topic(app, BY_CONTENT)
    by_band = raw_topic(app, BY_BAND)
    raw_topic(app, TOPIC_UNIQUE, TOPIC_DUPLICATES, TOPIC_DLQ)  # created up front with the others
    worker = DedupWorker(app, settings, table(app, "first-seen", **_BYTES), table(app, "band-buckets", **_BYTES),
                         observe.install(app, "dedup", stall_seconds=settings.observe.stall_seconds))

    @app.on_before_shutdown.connect
    async def _close_producer(app: faust.App, **kwargs: Any) -> None:
        await worker.kafka.close()

    @app.agent(raw, concurrency=1)
    async def route(stream: Any) -> None:
        await worker.batches(stream, worker.route, ROUTE_BATCH)

    @app.agent(by_content, concurrency=1)
    async def exact(stream: Any) -> None:
        await worker.batches(stream, worker.chain, CHAIN_BATCH)

    @app.agent(by_band, concurrency=1)
    async def band(stream: Any) -> None:
        await worker.batches(stream, worker.chain, CHAIN_BATCH)

    @app.timer(interval=settings.dedup.sweep_seconds)
    async def sweep() -> None:
        await worker.sweep()

    return app


class DedupWorker:
    """The state of one dedup worker process, and what its agents do with a batch."""

    def __init__(self, app: faust.App, settings: Settings, first_seen: faust.TableT, buckets: faust.TableT,
                 obs: observe.Observer) -> None:
        self.app, self.obs = app, obs
        self.params = dedup.DedupParams.from_settings(settings.dedup)
        self.tables = (first_seen, buckets)
        self.partitions = app.conf.topic_partitions
        self.fingerprinter = dedup.Fingerprinter()
        self.kafka = BatchProducer(settings.kafka.bootstrap, check=self._check_partitions)
        self.newest = 0  # the newest event time seen: what the sweep measures the window back from

    def note(self, order: int) -> None:
        if order > self.newest:
            self.newest = order

    async def _check_partitions(self, producer: AIOKafkaProducer) -> None:
        """Chain records and changelog records are sent to explicit partitions (the owner
        of a key is ``partition_of(key, partitions)``), so the internal topics must have
        exactly SVODKA_PARTITIONS partitions, like the changelogs faust co-partitions."""
        for topic in (BY_CONTENT, BY_BAND, *map(fi.changelog_topic, self.tables)):
            found = len(await producer.partitions_for(topic))
            if found != self.partitions:
                raise RuntimeError(f"{topic} has {found} partitions, SVODKA_PARTITIONS is {self.partitions}: "
                                   "recreate the dedup topics (or set SVODKA_PARTITIONS to match)")

    def outbox(self) -> Outbox:
        owned = (fi.assigned_partitions(self.app, BY_CONTENT), fi.assigned_partitions(self.app, BY_BAND))
        return Outbox(self.tables, (BY_CONTENT, BY_BAND), owned, self.partitions)

    # -- batches ------------------------------------------------------------------------------

    async def batches(self, stream: Any, handle: Callable[[list[Any], Outbox], None], size: int) -> None:
        """Run ``handle(events, outbox)`` on batches of events; flush; then acknowledge them.

        ``noack_take``, not ``take_events``: take acknowledges a batch's events when its
        generator closes, even if the batch never got written (a stop, a crash), and the
        next commit would skip those articles. Here they are acknowledged only after Kafka
        acknowledged everything the batch wrote.

        Rebalances: a batch waits until a rebalance is over and then runs with the ownership
        of that moment — from there to the state write nothing awaits, so it cannot change
        meanwhile, and a stage only touches the state of partitions owned then. Events
        fetched before the rebalance are handled too (never dropped: an event dropped
        unacknowledged would hold its partition's commit back for good); the rebalance
        rewound their partitions, so they may come again, here or at their new owner, and
        the same-id rule makes the second time harmless.
        If a batch fails (a bug, or Kafka refusing a record after its retries) the worker
        exits, to be restarted and redeliver it.
        """
        async for events in stream.noack_take(size, within=BATCH_WITHIN):
            try:
                if fi.rebalancing(self.app):
                    log.info("batch waits for a rebalance to end", extra={"fields": {"events": len(events)}})
                    while fi.rebalancing(self.app) and not fi.should_stop(self.app):
                        await asyncio.sleep(0.05)
                out = self.outbox()
                handle(events, out)
                await out.flush(self.kafka)
            except Exception:
                log.critical("batch failed; exiting so that it is processed again", exc_info=True)
                logging.shutdown()
                os._exit(70)
            for event in events:
                await stream.ack(event)
            self.obs.batch(len(events))
            self.obs.processed(out.passed_on)
            if out.dead_letters:
                self.obs.failed(len(out.dead_letters))
                self.obs.dead_lettered(len(out.dead_letters))

    def route(self, events: list[Any], out: Outbox) -> None:
        """articles.raw: fingerprint each article once and start its chain."""
        for event in events:
            payload = event.value
            try:
                article = Article.from_json(payload)
                fp = self.fingerprinter.fingerprint(article)
                hop = dedup.Hop(dedup.Hop.encode(article.id, fp, payload))
            except Exception as exc:  # a bad article must not block its partition
                self.dead_letter(out, payload or b"", TOPIC_RAW, f"{type(exc).__name__}: {exc}")
                continue
            self.note(fp.order)
            self.advance(hop, out)

    def chain(self, events: list[Any], out: Outbox) -> None:
        """The chain topics: envelopes of hops for stages this worker owns."""
        for event in events:
            source = event.message.topic
            try:
                records = list(dedup.unpack_envelope(event.value))
            except (TypeError, ValueError) as exc:
                self.dead_letter(out, event.value or b"", source, f"unreadable dedup envelope: {exc}")
                continue
            for record in records:
                try:
                    hop = dedup.Hop(record)
                except (ValueError, UnicodeDecodeError) as exc:
                    self.dead_letter(out, record, source, f"unreadable dedup record: {exc}")
                    continue
                self.note(hop.order)
                self.advance(hop, out)

    def advance(self, hop: dedup.Hop, out: Outbox) -> None:
        """Run ``hop``'s chain here as far as this worker owns its keys; then forward it,
        or emit the verdict. Synchronous: nothing else runs between reading a key and
        writing it."""
        outcome = dedup.advance(hop, out, self.params)
        if outcome.verdict is dedup.Verdict.ELSEWHERE:
            wire = hop.wire
            if len(wire) <= dedup.MAX_ENVELOPE_BYTES:
                out.forward(hop.stage, hop.next_key, wire)
            else:  # ~1 MB of text: cannot travel in one message; let it through unchecked
                log.warning("too large to deduplicate", extra={"fields": {"id": hop.id, "bytes": len(wire)}})
                out.output(TOPIC_UNIQUE, hop.id.encode(), hop.payload)
        elif outcome.duplicate is not None:
            out.output(TOPIC_DUPLICATES, hop.id.encode(), outcome.duplicate.to_json())
        else:
            out.output(TOPIC_UNIQUE, hop.id.encode(), hop.payload)

    @staticmethod
    def dead_letter(out: Outbox, payload: bytes, source: str, reason: str) -> None:
        log.warning("dead-lettered", extra={"fields": {"source": source, "reason": reason[:200]}})
        out.dead_letter(DeadLetter.of("dedup", source, reason, payload))

    # -- the sweep ----------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Forget state older than the window, measured back from the newest event time seen."""
        if not self.newest or fi.rebalancing(self.app):
            return
        cutoff = self.newest - self.params.window_ms
        started = time.monotonic()
        for tbl, first_seen_format in zip(self.tables, (True, False)):
            seen, deleted = await self.sweep_table(tbl, first_seen_format, cutoff)
            log.info("swept", extra={"fields": {"table": tbl.name, "seen": seen, "deleted": deleted,
                                                "seconds": round(time.monotonic() - started, 3)}})

    async def sweep_table(self, tbl: faust.TableT, first_seen_format: bool, cutoff: int,
                          chunk: int = 2000) -> tuple[int, int]:
        """Delete the values of ``tbl`` in the partitions this worker owns whose newest event
        time is before ``cutoff``; returns (values seen, values deleted).

        Works a chunk at a time, synchronously (an agent cannot change a value between its
        read here and its deletion), and yields to the event loop between chunks; no
        RocksDB iterator is kept across that yield (a rebalance may close the database),
        the next chunk seeks past the last key seen. Tombstones go to the key's changelog
        partition through the agents' producer, in order with the agents' writes. Stops
        when a rebalance starts or the partition is no longer this worker's.
        """
        topic = fi.changelog_topic(tbl)
        offset_key = fi.offset_key(tbl)
        seen = deleted = 0
        for partition in sorted(fi.assigned_partitions(self.app, topic)):
            last: bytes | None = None
            while True:
                if fi.rebalancing(self.app) or fi.should_stop(self.app) \
                        or partition not in fi.assigned_partitions(self.app, topic):
                    return seen, deleted
                db = fi.partition_db(tbl, partition)
                it = db.iter()
                if last is None:
                    it.seek_to_first()
                else:
                    it.seek(last)
                    if it.valid() and it.key() == last:
                        it.next()
                tombstones: list[tuple[bytes | None, bytes | None]] = []
                n = 0
                while it.valid() and n < chunk:
                    key = last = it.key()
                    if key != offset_key:
                        n += 1
                        if dedup.newest_order(it.value(), first_seen_format) < cutoff:
                            tombstones.append((key, None))
                    it.next()
                done = not it.valid()
                del it
                for key, _ in tombstones:
                    db.delete(key)
                seen += n
                deleted += len(tombstones)
                if tombstones:
                    await self.kafka.acknowledged(await self.kafka.send({(topic, partition): tombstones}))
                else:
                    await asyncio.sleep(0)
                if done:
                    break
        return seen, deleted
