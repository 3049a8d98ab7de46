"""dedup: articles.raw → articles.unique | articles.duplicates (bad input → articles.dlq).

The chain (svodka.dedup.chain): an article is checked at the *exact* stage (table
``first-seen``: exact key → first id and its event time), then at bands 1…8 (table
``band-buckets``: band key → the entries registered under it). Each stage's state
key lives in one partition — ``dedup.partition_of(key)`` — and only the worker that
owns that partition touches it, one record at a time, so any two articles sharing a
key meet there, whichever worker read them. At band i an article is compared (exact
Jaccard of the shingle sets) with the entries registered before it: a match is a
near duplicate and the chain stops; otherwise it registers and goes on. After the
last band it is unique.

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
from collections import defaultdict

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from rocksdict import WriteBatch

from svodka.dedup import chain as dedup
from svodka.runtime import logs
from svodka.runtime import observe
from svodka.settings import TOPIC_DLQ, TOPIC_DUPLICATES, TOPIC_RAW, TOPIC_UNIQUE, Settings
from svodka.records import Article, DeadLetter, letter_id
from svodka.runtime.streaming import make_app, raw_topic, table
from svodka.text import sha256_hex

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.dedup.chain")

params = dedup.DedupParams.from_env(os.environ, window_days=settings.dedup_window_days)
SWEEP_SECONDS = float(os.environ.get("SVODKA_DEDUP_SWEEP_SECONDS") or 600)
# Batches: up to this many events, or what came within BATCH_WITHIN seconds (the latency a
# stage adds when idle). A batch runs without yielding to the event loop, so it is kept to
# a fraction of a second: an article costs ~1 ms through the whole chain, and an envelope
# carries up to a few hundred of them.
ROUTE_BATCH = 256
CHAIN_BATCH = 4
BATCH_WITHIN = 0.02

# A worker that died (kill -9, OOM) gives its partitions up after 10 s instead of faust's 60.
app = make_app("dedup", settings, broker_session_timeout=10.0)
BY_CONTENT, BY_BAND = "svodka-dedup-by-content", "svodka-dedup-by-band"
raw = raw_topic(app, TOPIC_RAW)
by_content = raw_topic(app, BY_CONTENT)
by_band = raw_topic(app, BY_BAND)
raw_topic(app, TOPIC_UNIQUE, TOPIC_DUPLICATES, TOPIC_DLQ)  # created up front with the others

obs = observe.install(app, "dedup")  # /metrics/ and /health/ (stalled partitions)

# bytes: raw serializers. RocksDB per database (2 tables x SVODKA_PARTITIONS of them): faust's
# defaults (3 x 64 MB write buffers, a 2 GB block cache) would let 16 databases hold gigabytes
# in memory whatever the window; dedup writes ~12 kB an article and reads mostly what it wrote
# recently, so 2 x 8 MB and a 32 MB cache are plenty (worst case 16 x 48 MB).
_BYTES = dict(default=None, key_type=bytes, value_type=bytes,
              options={"write_buffer_size": 8 << 20, "max_write_buffer_number": 2, "block_cache_size": 32 << 20})
first_seen = table(app, "first-seen", **_BYTES)
buckets = table(app, "band-buckets", **_BYTES)

PARTITIONS = app.conf.topic_partitions
fingerprinter = dedup.Fingerprinter()


class _StreamTime:
    """The newest event time this worker has seen: what the sweep measures the window back from."""

    newest = 0

    @classmethod
    def note(cls, order: int) -> None:
        if order > cls.newest:
            cls.newest = order


def _db(tbl, partition: int):
    """The RocksDB (rocksdict, raw mode) that holds ``partition`` of ``tbl``.

    faust's RocksDB store keeps one database per partition and, through its mapping
    API, reads and writes a key in the partition of the *current event*. A stage here
    touches keys of the partition it owns, which is not the current event's when the
    stage runs in place (and in a batch from ``noack_take`` there is no current event
    at all), so the agents use the store's per-partition database directly — the same
    database, keys and values faust recovers from the changelog into. It is the one
    faust internal this service relies on (``Store._db_for_partition``); the mapping
    API would also cost ~10 µs a call more, eighteen calls per article.
    """
    return tbl.data._db_for_partition(partition)


class _Kafka:
    """The producer of everything the agents write, batched per (topic, partition) with
    aiokafka's ``create_batch``/``send_batch``: per-record sends (a future and callbacks
    each) were half of the worker's time. All writes to the dedup tables' changelogs go
    through it, so a key's records keep their order."""

    producer: AIOKafkaProducer | None = None
    partitions: dict[str, list[int]] = {}
    _lock = asyncio.Lock()
    _partitioner = DefaultPartitioner()

    @classmethod
    async def get(cls) -> AIOKafkaProducer:
        if cls.producer is None:
            async with cls._lock:
                if cls.producer is None:
                    producer = AIOKafkaProducer(
                        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True,
                        linger_ms=5, compression_type="snappy", max_batch_size=1_000_000,
                        max_request_size=1_040_000)
                    await producer.start()
                    try:
                        await cls._check_partitions(producer)
                    except Exception:
                        await producer.stop()
                        raise
                    cls.producer = producer
        return cls.producer

    @staticmethod
    async def _check_partitions(producer: AIOKafkaProducer) -> None:
        """Chain records and changelog records are sent to explicit partitions (the owner
        of a key is ``partition_of(key, PARTITIONS)``), so the internal topics must have
        exactly SVODKA_PARTITIONS partitions, like the changelogs faust co-partitions."""
        for topic in (BY_CONTENT, BY_BAND, *(t.changelog_topic.get_topic_name() for t in (first_seen, buckets))):
            found = len(await producer.partitions_for(topic))
            if found != PARTITIONS:
                raise RuntimeError(f"{topic} has {found} partitions, SVODKA_PARTITIONS is {PARTITIONS}: "
                                   "recreate the dedup topics (or set SVODKA_PARTITIONS to match)")

    @classmethod
    async def partition(cls, topic: str, key: bytes) -> int:
        """The partition faust's (aiokafka's default) partitioner gives ``key``."""
        parts = cls.partitions.get(topic)
        if parts is None:
            parts = cls.partitions[topic] = sorted(await (await cls.get()).partitions_for(topic))
        return cls._partitioner(key, parts, parts)

    @classmethod
    async def send(cls, groups: dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]]) -> list:
        """Send the records; returns (topic, partition, future, count) per batch sent."""
        producer = await cls.get()
        sent = []
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

    @classmethod
    async def close(cls) -> None:
        if cls.producer is not None:
            producer, cls.producer = cls.producer, None
            await producer.stop()  # delivers what is still pending


@app.on_before_shutdown.connect
async def _close_producer(app, **kwargs) -> None:
    await _Kafka.close()


class _Outbox:
    """The writes of one batch of events, sent together by ``flush``, which returns when
    Kafka acknowledged all of them (only then are the events acknowledged):

    - chain records for stages other workers own: one envelope per (topic, partition);
    - outputs (unique, duplicates, dead letters): keyed by article id;
    - table writes: kept in the outbox (later reads in the batch see them), then written
      to the RocksDB of the partition that owns the key, one WriteBatch per partition,
      and sent as changelog records — the key, value and partition faust itself would
      write; once acknowledged, the persisted offset is recorded as faust's
      ``Table._on_changelog_sent`` does. (faust's per-key path, ``table[key] = value``,
      costs a FutureMessage and a task switch per record: ~190 µs a write here, and the
      chain writes nine times per article.)
    """

    def __init__(self) -> None:
        self.envelopes: dict[tuple[str, int], list[bytes]] = defaultdict(list)
        self.outputs: list[tuple[str, bytes, bytes]] = []
        self.changelog: dict[tuple, tuple[int, bytes]] = {}
        self.owned = {topic: _owned(topic) for topic in (BY_CONTENT, BY_BAND)}
        self.dead = 0

    def forward(self, topic: str, partition: int, record: bytes) -> None:
        self.envelopes[(topic, partition)].append(record)

    def load(self, tbl, partition: int, key: bytes) -> bytes | None:
        """The value of ``key``: as written earlier in this batch, else from RocksDB."""
        pending = self.changelog.get((tbl, key))
        return pending[1] if pending is not None else _db(tbl, partition).get(key)

    def store(self, tbl, partition: int, key: bytes, value: bytes) -> None:
        self.changelog[(tbl, key)] = (partition, value)  # a later write in the batch replaces it

    def write_state(self) -> None:
        """The batch's table writes into RocksDB, one WriteBatch per partition."""
        batches: dict[tuple, WriteBatch] = {}
        for (tbl, key), (partition, value) in self.changelog.items():
            batch = batches.get((tbl, partition))
            if batch is None:
                batch = batches[(tbl, partition)] = WriteBatch(raw_mode=True)
            batch.put(key, value)
        for (tbl, partition), batch in batches.items():
            _db(tbl, partition).write(batch)

    def output(self, topic: str, key: bytes, value: bytes) -> None:
        self.outputs.append((topic, key, value))

    def dead_letter(self, payload: bytes, source: str, reason: str) -> None:
        # The id names this failure, not just the payload: two failures of one payload
        # (an empty value after a null one) keep both reasons.
        letter = DeadLetter(id=letter_id("dedup", source, reason, sha256_hex(payload)), stage="dedup", source=source,
                            reason=reason[:2000],
                            payload_head=payload[:200].decode("utf-8", "replace"))
        log.warning("dead-lettered", extra={"fields": {"source": source, "reason": reason[:200]}})
        self.output(TOPIC_DLQ, letter.id.encode(), letter.to_json())
        self.dead += 1

    async def flush(self) -> None:
        self.write_state()  # before any await: the next batch reads it from RocksDB
        groups: dict[tuple[str, int], list] = defaultdict(list)
        for (topic, partition), records in self.envelopes.items():
            groups[(topic, partition)] = [(None, e) for e in dedup.pack_envelopes(records)]
        for topic, key, value in self.outputs:
            groups[(topic, await _Kafka.partition(topic, key))].append((key, value))
        tables = {}
        for (tbl, key), (partition, value) in self.changelog.items():
            topic = tbl.changelog_topic.get_topic_name()
            tables[topic] = tbl
            groups[(topic, partition)].append((key, value))
        sent = await _Kafka.send(groups)
        await asyncio.gather(*(fut for _, _, fut, _ in sent))
        for topic, partition, fut, count in sent:
            if topic in tables:
                meta = fut.result()
                tables[topic].data.set_persisted_offset(meta.topic_partition, meta.offset + count - 1)


def _advance(hop: dedup.Hop, out: _Outbox) -> None:
    """Run ``hop``'s chain from its next stage for as long as this worker owns the
    partition of the stage's key; then forward it, or emit the verdict. Synchronous:
    nothing else runs between reading a key and writing it."""
    while True:
        stage = hop.stage
        topic = BY_CONTENT if stage == dedup.EXACT_STAGE else BY_BAND
        key = hop.next_key
        partition = dedup.partition_of(key, PARTITIONS)
        if partition not in out.owned[topic]:
            wire = hop.wire
            if len(wire) <= dedup.MAX_ENVELOPE_BYTES:
                out.forward(topic, partition, wire)
            else:  # ~1 MB of text: cannot travel in one message; let it through unchecked
                log.warning("too large to deduplicate", extra={"fields": {"id": hop.id, "bytes": len(wire)}})
                out.output(TOPIC_UNIQUE, hop.id.encode(), hop.payload)
            return
        tbl = first_seen if stage == dedup.EXACT_STAGE else buckets
        step = dedup.stage_step(hop, out.load(tbl, partition, key), params)
        if step.state is not None:
            out.store(tbl, partition, key, step.state)
        if step.dup_of is not None:
            record = dedup.make_duplicate(hop.payload, step.dup_of, step.similarity, dedup.stage_method(stage))
            out.output(TOPIC_DUPLICATES, hop.id.encode(), record.to_json())
            return
        if stage == hop.nbands:  # passed the last band (or had no words to compare)
            out.output(TOPIC_UNIQUE, hop.id.encode(), hop.payload)
            return
        hop.stage = stage + 1


async def _batches(stream, handle, size: int) -> None:
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
            if app.rebalancing:
                log.info("batch waits for a rebalance to end", extra={"fields": {"events": len(events)}})
                while app.rebalancing and not app.should_stop:
                    await asyncio.sleep(0.05)
            out = _Outbox()
            handle(events, out)
            await out.flush()
        except Exception:
            log.critical("batch failed; exiting so that it is processed again", exc_info=True)
            logging.shutdown()
            os._exit(70)
        for event in events:
            await stream.ack(event)
        obs.batch(len(events))
        obs.processed(sum(1 for topic, _, _ in out.outputs if topic != TOPIC_DLQ))
        if out.dead:
            obs.failed(out.dead)
            obs.dead_lettered(out.dead)


def _route(events, out: _Outbox) -> None:
    for event in events:
        payload = event.value
        try:
            article = Article.from_json(payload)
            fp = fingerprinter.fingerprint(article)
            hop = dedup.Hop(dedup.Hop.encode(article.id, fp, payload))
        except Exception as exc:  # a bad article must not block its partition
            out.dead_letter(payload or b"", TOPIC_RAW, f"{type(exc).__name__}: {exc}")
            continue
        _StreamTime.note(fp.order)
        _advance(hop, out)


def _chain(events, out: _Outbox) -> None:
    for event in events:
        source = event.message.topic
        try:
            records = list(dedup.unpack_envelope(event.value))
        except (TypeError, ValueError) as exc:
            out.dead_letter(event.value or b"", source, f"unreadable dedup envelope: {exc}")
            continue
        for record in records:
            try:
                hop = dedup.Hop(record)
            except (ValueError, UnicodeDecodeError) as exc:
                out.dead_letter(record, source, f"unreadable dedup record: {exc}")
                continue
            _StreamTime.note(hop.order)
            _advance(hop, out)


@app.agent(raw, concurrency=1)
async def route(stream):
    await _batches(stream, _route, ROUTE_BATCH)


@app.agent(by_content, concurrency=1)
async def exact(stream):
    await _batches(stream, _chain, CHAIN_BATCH)


@app.agent(by_band, concurrency=1)
async def band(stream):
    await _batches(stream, _chain, CHAIN_BATCH)


def _owned(topic: str) -> set[int]:
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}


async def sweep_table(tbl, first_seen_format: bool, cutoff: int, chunk: int = 2000) -> tuple[int, int]:
    """Delete the values of ``tbl`` in the partitions this worker owns whose newest event
    time is before ``cutoff``; returns (values seen, values deleted).

    Works a chunk at a time, synchronously (an agent cannot change a value between its
    read here and its deletion), and yields to the event loop between chunks; no
    RocksDB iterator is kept across that yield (a rebalance may close the database),
    the next chunk seeks past the last key seen. Tombstones go to the key's changelog
    partition through the agents' producer, in order with the agents' writes. Stops
    when a rebalance starts or the partition is no longer this worker's.
    """
    topic = tbl.changelog_topic.get_topic_name()
    offset_key = tbl.data.offset_key
    seen = deleted = 0
    for partition in sorted(_owned(topic)):
        last: bytes | None = None
        while True:
            if app.rebalancing or app.should_stop or partition not in _owned(topic):
                return seen, deleted
            db = _db(tbl, partition)
            it = db.iter()
            if last is None:
                it.seek_to_first()
            else:
                it.seek(last)
                if it.valid() and it.key() == last:
                    it.next()
            tombstones: list = []
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
                await asyncio.gather(*(fut for _, _, fut, _ in await _Kafka.send({(topic, partition): tombstones})))
            else:
                await asyncio.sleep(0)
            if done:
                break
    return seen, deleted


@app.timer(interval=SWEEP_SECONDS)
async def sweep() -> None:
    """Forget state older than the window, measured back from the newest event time seen."""
    if not _StreamTime.newest or app.rebalancing:
        return
    cutoff = _StreamTime.newest - params.window_ms
    started = time.monotonic()
    for tbl, first_seen_format in ((first_seen, True), (buckets, False)):
        seen, deleted = await sweep_table(tbl, first_seen_format, cutoff)
        log.info("swept", extra={"fields": {"table": tbl.name, "seen": seen, "deleted": deleted,
                                            "seconds": round(time.monotonic() - started, 3)}})
