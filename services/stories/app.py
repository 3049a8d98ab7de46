"""stories: articles.enriched → articles.storied (story_id per article, claim_id per figure).

Two agents, concurrency=1 each:

- ``route`` reads articles.enriched (any partition, any worker) and forwards each payload
  unchanged to ``svodka-stories-assign`` under one constant key, so every article lands
  on one partition of it: the *owner partition*. Whichever worker owns that partition
  makes every assignment, one article at a time, in the order of that partition's log.
  That is what keeps assignment consistent with several partitions and workers: one
  sequence of decisions against one state, never two workers deciding at once on halves
  of it. Other workers only route (and take the owner partition over if its worker dies;
  the changelog gives them its state).
- ``assign`` reads the owner partition in batches, asks svodka.stories.Assigner for each
  article's story and claims, and sends the article — with ``story_id``, ``story_score``,
  each figure's ``claim_id``/``revises`` — to articles.storied under the article id (the
  sink's input; the body stays, the sink stores it for the dashboard's article page).

State: one faust table (``stories-state``, RocksDB, compacted changelog topic) of
stories, claims and per-article memos (svodka.stories.assigner). The Assigner works on an
in-memory copy loaded from the owner partition's RocksDB when this worker gains it (faust
has recovered it from the changelog by then); each batch's changed keys are written to
RocksDB and sent as changelog records — the keys, values and partition faust itself would
write — together with the outputs, and the batch's events are acknowledged only once Kafka
acknowledged all of it (at-least-once; faust's per-key ``table[key] = value`` costs a
future and a task switch per write, five writes an article here). A redelivered article
finds its memo (or itself among a story's or claim's members) and gets the same ids; the
sink stores an article once. Every ``SWEEP_EVERY`` articles the state older than the
window is deleted (tombstones in the same ordered stream of changelog records).

An article the assigner cannot handle goes on without ids and a dead letter says why; an
undecodable payload becomes a dead letter. If a batch cannot be written the worker exits,
to be restarted and redeliver it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import defaultdict

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from rocksdict import WriteBatch
from svodka.records import DeadLetter, EnrichedArticle, RecordError
from svodka.runtime import logs, observe
from svodka.runtime.streaming import make_app, raw_topic, table
from svodka.settings import TOPIC_DLQ, TOPIC_ENRICHED, TOPIC_STORIED, Settings
from svodka.stories.assigner import Assigner
from svodka.stories.terms import warm_up as warm_up_terms

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.stories")

ASSIGN_TOPIC = "svodka-stories-assign"
OWNER_KEY = b"stories"  # the one key of the assignment topic: all articles, one partition
SWEEP_EVERY = settings.stories.sweep_every
ROUTE_BATCH, ASSIGN_BATCH, BATCH_WITHIN = 512, 256, 0.02

# A worker that died gives the owner partition up after 10 s instead of faust's 60.
app = make_app("stories", settings, broker_session_timeout=10.0)
enriched = raw_topic(app, TOPIC_ENRICHED)
to_assign = raw_topic(app, ASSIGN_TOPIC)
raw_topic(app, TOPIC_STORIED, TOPIC_DLQ)  # created up front with the others
obs = observe.install(app, "stories", stall_seconds=settings.observe.stall_seconds)

state_table = table(app, "stories-state", default=None, key_type=bytes, value_type=bytes,
                    options={"write_buffer_size": 8 << 20, "max_write_buffer_number": 2,
                             "block_cache_size": 32 << 20})


class RecordingState(dict):
    """The Assigner's state: a dict that remembers which keys changed since ``drain``."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.dirty: set[str] = set()

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.dirty.add(key)

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self.dirty.add(key)

    def pop(self, key, *default):
        self.dirty.add(key)
        return super().pop(key, *default)

    def drain(self) -> list[tuple[bytes, bytes | None]]:
        """(key, JSON value or None for a deletion) of every changed key, then forget them."""
        out = []
        for key in sorted(self.dirty):
            value = self.get(key)
            out.append((key.encode(), None if value is None else
                        json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()))
        self.dirty.clear()
        return out


class _Owner:
    """The Assigner of each owner partition this worker holds (in practice one)."""

    assigners: dict[int, tuple[Assigner, RecordingState]] = {}
    since_sweep = 0

    @classmethod
    def of(cls, partition: int) -> tuple[Assigner, RecordingState]:
        found = cls.assigners.get(partition)
        if found is None:
            db = state_table.data._db_for_partition(partition)
            offset_key = state_table.data.offset_key
            state = RecordingState()
            for key, value in db.items():
                if key != offset_key and value is not None:
                    dict.__setitem__(state, key.decode(), json.loads(value))
            found = cls.assigners[partition] = (Assigner(state), state)
            log.info("stories state loaded", extra={"fields": {"partition": partition, "entries": len(state)}})
        return found


@app.on_partitions_revoked.connect
async def _forget(sender, revoked, **kwargs) -> None:
    # The owner partition may move to another worker: rebuild from the table next time.
    _Owner.assigners.clear()


class _Kafka:
    """One producer for outputs and changelog records, batched per (topic, partition)."""

    producer: AIOKafkaProducer | None = None
    partitions: dict[str, list[int]] = {}
    _partitioner = DefaultPartitioner()

    @classmethod
    async def get(cls) -> AIOKafkaProducer:
        if cls.producer is None:
            producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all",
                                        enable_idempotence=True, linger_ms=5, compression_type="snappy",
                                        max_batch_size=1_000_000, max_request_size=1_040_000)
            await producer.start()
            cls.producer = producer
        return cls.producer

    @classmethod
    async def partition(cls, topic: str, key: bytes) -> int:
        parts = cls.partitions.get(topic)
        if parts is None:
            parts = cls.partitions[topic] = sorted(await (await cls.get()).partitions_for(topic))
        return cls._partitioner(key, parts, parts)

    @classmethod
    async def send(cls, groups: dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]]) -> list:
        """Send the records; wait for Kafka's acknowledgements; (topic, partition, metadata, count) each."""
        producer = await cls.get()
        sent = []
        for (topic, partition), records in groups.items():
            batch, count = producer.create_batch(), 0
            for key, value in records:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    sent.append((topic, partition, await producer.send_batch(batch, topic, partition=partition), count))
                    batch, count = producer.create_batch(), 0
                    if batch.append(key=key, value=value, timestamp=None) is None:
                        raise ValueError(f"a record of {len(value or b'')} bytes does not fit a batch")
                count += 1
            if count:
                sent.append((topic, partition, await producer.send_batch(batch, topic, partition=partition), count))
        await asyncio.gather(*(fut for _, _, fut, _ in sent))
        return [(topic, partition, fut.result(), count) for topic, partition, fut, count in sent]

    @classmethod
    async def close(cls) -> None:
        if cls.producer is not None:
            producer, cls.producer = cls.producer, None
            await producer.stop()


@app.on_before_shutdown.connect
async def _close_producer(app, **kwargs) -> None:
    await _Kafka.close()


@app.task
async def warm_up() -> None:
    # wordfreq's Russian table and pymorphy2 load in ~2 s: not on the first article
    await asyncio.get_running_loop().run_in_executor(None, warm_up_terms)


async def _acked(stream, events) -> None:
    for event in events:
        await stream.ack(event)


@app.agent(enriched, concurrency=1)
async def route(stream):
    # noack_take: events are acknowledged only after Kafka has the forwarded copies.
    async for events in stream.noack_take(ROUTE_BATCH, within=BATCH_WITHIN):
        partition = await _Kafka.partition(ASSIGN_TOPIC, OWNER_KEY)
        try:
            await _Kafka.send({(ASSIGN_TOPIC, partition): [(OWNER_KEY, e.value) for e in events]})
        except Exception:
            log.critical("routing failed; exiting so that the batch is processed again", exc_info=True)
            logging.shutdown()
            os._exit(70)
        await _acked(stream, events)


def _dead_letter(outputs: list, source: str, reason: str, payload: bytes | str) -> None:
    letter = DeadLetter.of("stories", source, reason, payload)
    outputs.append((TOPIC_DLQ, letter.id.encode(), letter.to_json()))


def _decode(payload: bytes) -> tuple[dict, EnrichedArticle]:
    """The payload's JSON (kept, to encode the output from it) and the record it holds."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"enriched: not valid JSON ({exc})") from None
    except RecursionError:
        raise RecordError("enriched: JSON nested too deeply to read") from None
    return data, EnrichedArticle.from_dict(data)


def _storied(data: dict, article: EnrichedArticle) -> bytes:
    """The payload for articles.storied: the decoded JSON with the ids set (the body stays:
    the sink stores it for the dashboard's article page), encoded once by json's C encoder (re-encoding the dataclasses cost 0.74 ms an
    article of 18 kB, as much as the decoding)."""
    data["story_id"], data["story_score"] = article.story_id, article.story_score
    for figure, out in zip(article.figures, data.get("figures") or ()):
        out["claim_id"], out["revises"] = figure.claim_id, figure.revises
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def assign_batch(assigner: Assigner, messages: list[tuple[bytes | None, str]]) -> tuple[list, int]:
    """The outputs (topic, key, value) for a batch of (enriched payload, where it was read),
    and how many were dead-lettered. Synchronous: nothing else touches the state meanwhile."""
    outputs: list = []
    dead = 0
    for payload, where in messages:
        payload = payload or b""
        try:
            if not payload:
                raise RecordError("empty message")
            data, article = _decode(payload)
        except RecordError as exc:
            _dead_letter(outputs, where, f"{TOPIC_ENRICHED}: {exc}", payload)
            dead += 1
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. JSON nested too deeply: never stop the stage
            _dead_letter(outputs, where, f"{TOPIC_ENRICHED}: cannot decode: {type(exc).__name__}: {exc}", payload)
            dead += 1
            continue
        try:
            result = assigner.assign(article)
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the stage
            log.warning("story assignment failed", extra={"fields": {"id": article.id, "error": repr(exc)}})
            _dead_letter(outputs, article.source, f"story assignment failed: {type(exc).__name__}: {exc}",
                         article.text or article.title)
            dead += 1
        else:
            article.story_id = result.story_id
            article.story_score = result.score
            for figure, claim in zip(article.figures, result.claims):
                figure.claim_id, figure.revises = claim.claim_id, claim.revises
            _Owner.since_sweep += 1
            if _Owner.since_sweep >= SWEEP_EVERY:
                _Owner.since_sweep = 0
                assigner.sweep()
        outputs.append((TOPIC_STORIED, article.id.encode(), _storied(data, article)))
    return outputs, dead


@app.agent(to_assign, concurrency=1)
async def assign(stream):
    async for events in stream.noack_take(ASSIGN_BATCH, within=BATCH_WITHIN):
        try:
            while app.rebalancing and not app.should_stop:
                await asyncio.sleep(0.05)
            by_partition: dict[int, list] = defaultdict(list)
            for event in events:
                m = event.message
                by_partition[m.partition].append((event.value, f"{m.topic}[{m.partition}]@{m.offset}"))
            groups: dict[tuple[str, int], list] = defaultdict(list)
            changelog = state_table.changelog_topic.get_topic_name()
            dead = 0
            for partition, payloads in by_partition.items():
                assigner, state = _Owner.of(partition)
                try:
                    outputs, n_dead = assign_batch(assigner, payloads)
                except BaseException:
                    _Owner.assigners.pop(partition, None)  # caches may be half-updated
                    raise
                dead += n_dead
                writes = state.drain()
                batch = WriteBatch(raw_mode=True)
                for key, value in writes:
                    if value is None:
                        batch.delete(key)
                    else:
                        batch.put(key, value)
                state_table.data._db_for_partition(partition).write(batch)
                groups[(changelog, partition)].extend(writes)
                for topic, key, value in outputs:
                    groups[(topic, await _Kafka.partition(topic, key))].append((key, value))
            sent = await _Kafka.send(groups)
            for topic, partition, meta, count in sent:
                if topic == changelog:
                    state_table.data.set_persisted_offset(meta.topic_partition, meta.offset + count - 1)
        except Exception:
            log.critical("batch failed; exiting so that it is processed again", exc_info=True)
            logging.shutdown()
            os._exit(70)
        await _acked(stream, events)
        obs.batch(len(events))
        obs.processed(len(events) - dead)
        if dead:
            obs.failed(dead)
            obs.dead_lettered(dead)
