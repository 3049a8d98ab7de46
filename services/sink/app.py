"""sink: articles.enriched + articles.duplicates + articles.dlq → ClickHouse.

One agent (concurrency=1) takes batches by size and time and hands each to the
idempotent ``svodka.store.writer.Writer`` (one insert per table per batch).
While ClickHouse is unreachable the agent retries the same batch with backoff and
consumes nothing more: faust's bounded stream buffer then pauses fetching, so the
back-pressure costs no memory and no batch is dropped. Offsets are acknowledged
only after the batch is stored.

In embedded mode this process owns the chDB store, so it also serves read-only
SQL for ``svodka sql`` and the reports at ``POST /sql/`` on its web port.
``/metrics/`` and ``/health/`` come from ``svodka.runtime.observe``; health adds the store's state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from faust.web import Request, Response, View

from svodka.runtime import logs
from svodka.runtime import observe
from svodka.store import connect
from svodka.store.client import is_embedded
from svodka.store.query import QueryRefused, readonly_client, run_query
from svodka.store.schema import migrate
from svodka.store.writer import Batch, TransientError, Writer
from svodka.settings import TOPIC_DLQ, TOPIC_DUPLICATES, TOPIC_ENRICHED, Settings
from svodka.records import DeadLetter, Duplicate, EnrichedArticle, RecordError, decode
from svodka.runtime.streaming import fetch_in_bulk, make_app, raw_topic
from svodka.text import sha256_hex

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.sink")

app = make_app("sink", settings)
sources = raw_topic(app, TOPIC_ENRICHED, TOPIC_DUPLICATES, TOPIC_DLQ)
# The sink batches by time anyway: fetch in bulk rather than record by record.
# 64 kB or 0.1 s: at half capacity 256 kB took ~0.5 s to gather, all of it latency (issue 16)
fetch_in_bulk(app, min_bytes=64 * 1024, max_wait_s=min(0.1, settings.sink_batch_seconds))

# chDB calls block; they run on threads so faust's heartbeats and the web server stay live.
# One thread for writes keeps them ordered; user queries get their own threads and handle.
_write_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink-write")
_query_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sink-query")
_state: dict = {"writer": None, "query_client": None, "stored_batches": 0, "rows": 0, "pending_since": None,
                "last_error": "", "retries": 0}


def _health_fields() -> dict:
    pending = _state["pending_since"]
    return {"store_open": _state["writer"] is not None, "stored_batches": _state["stored_batches"],
            "rows": _state["rows"], "retries": _state["retries"], "last_error": _state["last_error"],
            "blocked_for_s": round(time.time() - pending, 1) if pending else 0}


# /metrics/ and /health/; a blocked store shows there as stalled partitions (records wait, nothing is acked).
obs = observe.install(app, "sink", health=_health_fields)


def _observe_stored(batch: Batch, result) -> None:
    rejected = {letter.id for letter in result.rejected}
    dead = sum(1 for letter in batch.dead_letters if letter.stage == "sink") + len(result.rejected)
    obs.batch(len(batch))
    obs.processed(len(batch) - dead)
    if dead:
        obs.failed(dead)
        obs.dead_lettered(dead)
    for record in [*batch.articles, *batch.duplicates]:
        if record.id not in rejected:
            obs.latency_since(record.ingested_at)


def _open() -> None:
    client = connect(settings.clickhouse_url, create_database=True)
    migrate(client)
    _state["writer"] = Writer(client)
    if is_embedded(settings.clickhouse_url):
        _state["query_client"] = readonly_client(settings.clickhouse_url)


def decode_batch(payloads: list[bytes]) -> Batch:
    """Sort raw payloads into a batch by kind; anything undecodable becomes a dead letter."""
    batch = Batch()
    for payload in payloads:
        try:
            record = decode(payload)
            if isinstance(record, EnrichedArticle):
                batch.articles.append(record)
            elif isinstance(record, Duplicate):
                batch.duplicates.append(record)
            elif isinstance(record, DeadLetter):
                batch.dead_letters.append(record)
            else:
                raise RecordError(f"a {record.KIND!r} record does not belong on the sink's topics")
        except RecordError as exc:
            batch.dead_letters.append(DeadLetter(
                id=sha256_hex(payload)[:20], stage="sink", source="topic", reason=str(exc),
                payload_head=payload[:200].decode("utf-8", "replace")))
    return batch


async def store(batch: Batch) -> None:
    """Write the batch, retrying transient failures forever with capped backoff."""
    loop = asyncio.get_running_loop()
    delay = 0.5
    while True:
        try:
            if _state["writer"] is None:
                await loop.run_in_executor(_write_pool, _open)
            result = await loop.run_in_executor(_write_pool, _state["writer"].write, batch)
            _state.update(stored_batches=_state["stored_batches"] + 1, rows=_state["rows"] + result.total_rows,
                          pending_since=None, last_error="")
            _observe_stored(batch, result)
            if result.rejected:
                log.warning("records refused by ClickHouse were dead-lettered",
                            extra={"fields": {"count": len(result.rejected)}})
            return
        except (TransientError, Exception) as exc:  # noqa: BLE001 - anything here is retried, never dropped
            _state.update(last_error=str(exc)[:500], retries=_state["retries"] + 1)
            _state["pending_since"] = _state["pending_since"] or time.time()
            obs.failed(len(batch))
            if not isinstance(exc, TransientError):
                _state["writer"] = None  # reopen: the store may have been locked or reset
            log.warning("ClickHouse write failed; retrying the same batch",
                        extra={"fields": {"error": str(exc)[:300], "retry_in_s": delay, "records": len(batch)}})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


@app.agent(sources, concurrency=1)
async def sink(stream):
    # noack_take, not take: take() acknowledges a batch's events when its generator
    # closes, so a sink stopped while it retries an unstored batch would commit the
    # offsets of records that never reached ClickHouse. Here they are acknowledged
    # only after store() returns.
    async for events in stream.noack_take(settings.sink_batch_size, within=settings.sink_batch_seconds):
        await store(decode_batch([event.value for event in events]))
        for event in events:
            await stream.ack(event)


@app.task
async def open_store() -> None:
    # Create the schema at start so queries work before the first batch arrives.
    try:
        await asyncio.get_running_loop().run_in_executor(_write_pool, _open)
    except Exception as exc:  # noqa: BLE001 - the agent retries on its first batch
        _state["last_error"] = str(exc)[:500]
        log.warning("ClickHouse not ready at start", extra={"fields": {"error": str(exc)[:300]}})


@app.page("/sql/")
class SQLView(View):
    """Read-only SQL against the store this process owns (embedded mode)."""

    async def post(self, request: Request) -> Response:
        try:
            body = await request.json()
            sql = body["sql"]
        except (ValueError, KeyError, TypeError):
            return self.json({"error": "POST a JSON object with an 'sql' string"}, status=400)
        client = _state["query_client"]
        if client is None:
            return self.json({"error": "the store is not open yet (or this sink writes to a server)"}, status=503)
        timeout = float(body.get("timeout", settings.query_timeout_s))
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                _query_pool, lambda: run_query(client, sql, timeout_s=timeout, embedded=True))
        except QueryRefused as exc:
            return self.json({"error": str(exc)}, status=400)
        except Exception as exc:  # noqa: BLE001 - the user's SQL error goes back to the user
            return self.json({"error": str(exc).strip().splitlines()[0][:1000]}, status=400)
        return self.json(result.to_json())
