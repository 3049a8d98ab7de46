"""sink: articles.storied + articles.duplicates + articles.dlq → ClickHouse.

One agent (concurrency=1) takes batches by size and time and hands each to the
idempotent ``svodka.store.writer.Writer`` (one insert per table per batch).
While ClickHouse is unreachable the agent retries the same batch with backoff and
consumes nothing more: faust's bounded stream buffer then pauses fetching, so the
back-pressure costs no memory and no batch is dropped. Offsets are acknowledged
only after the batch is stored.

Errors are classified explicitly (``svodka.store.intake``): a record that does not decode,
whose rows cannot be built or that ClickHouse refuses becomes a dead letter and the batch
goes on; only an unreachable or locked store is retried, forever, with the same batch.

In embedded mode this process owns the chDB store, so it also serves read-only
SQL for ``svodka sql`` and the reports at ``POST /sql/`` on its web port, behind
``svodka.runtime.sqlgate`` (the stack's credentials, same origin, a JSON body) and the
allow-list and limits of ``svodka.store.query``. ``/metrics/`` and ``/health/`` come from
``svodka.runtime.observe`` (no SQL, no credentials: probes and scrapers); health adds the
store's state.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from faust.web import Request, Response, View

from svodka.runtime import logs
from svodka.runtime import observe
from svodka.store import connect
from svodka.store.client import is_embedded
from svodka.runtime import credentials, sqlgate
from svodka.store.intake import Message, decode_batch, is_transient, write_isolating
from svodka.store.query import QueryLimits, QueryRefused, readonly_client, run_query
from svodka.store.schema import migrate
from svodka.store.writer import Batch, Writer
from svodka.settings import TOPIC_DLQ, TOPIC_DUPLICATES, TOPIC_STORIED, Settings
from svodka.runtime.streaming import fetch_in_bulk, make_app, raw_topic

from svodka_services.sink import query_endpoint

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.sink")

# A 10 s session (as dedup): a sink killed with -9 is replaced by a new one within
# seconds, not after faust's default 60 s (measured 57 s from `svodka up` to storing).
app = make_app("sink", settings, broker_session_timeout=10.0)
sources = raw_topic(app, TOPIC_STORIED, TOPIC_DUPLICATES, TOPIC_DLQ)
# The sink batches by time anyway: fetch in bulk rather than record by record.
# 64 kB or 0.1 s: at half capacity 256 kB took ~0.5 s to gather, all of it latency (issue 16)
fetch_in_bulk(app, min_bytes=64 * 1024, max_wait_s=min(0.1, settings.sink_batch_seconds))

# chDB calls block; they run on threads so faust's heartbeats and the web server stay live.
# One thread for writes keeps them ordered; user queries get their own handle and threads
# in two lanes, so long analyst queries (up to the timeout cap) never hold up the short
# ones `svodka ingest --wait` and the reports send (measured: chDB runs queries on
# separate handles side by side; a 6 s query did not delay a 1 ms one on another handle).
_write_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink-write")
SHORT_QUERY_S = 5.0  # requests asking for at most this go to the short lane
_lanes = {"short": ThreadPoolExecutor(max_workers=2, thread_name_prefix="sink-query-short"),
          "long": ThreadPoolExecutor(max_workers=2, thread_name_prefix="sink-query-long")}
_waiting = {"short": 0, "long": 0}
MAX_WAITING = 8  # queued or running per lane; more is answered 503 at once, not queued
_limits = QueryLimits(timeout_s=settings.query_timeout_s, memory_bytes=settings.query_memory_bytes)
_state: dict = {"writer": None, "query_client": None, "stored_batches": 0, "rows": 0, "pending_since": None,
                "last_error": "", "retries": 0}


def _health_fields() -> dict:
    pending = _state["pending_since"]
    return {"store_open": _state["writer"] is not None, "stored_batches": _state["stored_batches"],
            "rows": _state["rows"], "retries": _state["retries"], "last_error": _state["last_error"],
            "blocked_for_s": round(time.time() - pending, 1) if pending else 0}


# /metrics/ and /health/; a blocked store shows there as stalled partitions (records wait, nothing is acked).
obs = observe.install(app, "sink", health=_health_fields, stall_seconds=settings.observe.stall_seconds)


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
    if is_embedded(settings.clickhouse_url):
        _state["query_client"] = readonly_client(settings.clickhouse_url)
    # Last: health's store_open (the writer) means /sql/ can answer too.
    _state["writer"] = Writer(client)


async def store(batch: Batch) -> None:
    """Write the batch; data errors become dead letters, transient failures are retried
    forever with capped backoff (nothing more is consumed meanwhile)."""
    loop = asyncio.get_running_loop()
    delay = 0.5
    while True:
        try:
            if _state["writer"] is None:
                await loop.run_in_executor(_write_pool, _open)
            result = await loop.run_in_executor(_write_pool, write_isolating, _state["writer"], batch)
            _state.update(stored_batches=_state["stored_batches"] + 1, rows=_state["rows"] + result.total_rows,
                          pending_since=None, last_error="")
            _observe_stored(batch, result)
            if result.rejected:
                log.warning("records refused by ClickHouse were dead-lettered",
                            extra={"fields": {"count": len(result.rejected)}})
            return
        except Exception as exc:  # noqa: BLE001 - write_isolating lets only transient errors out
            _state.update(last_error=str(exc)[:500], retries=_state["retries"] + 1)
            _state["pending_since"] = _state["pending_since"] or time.time()
            obs.failed(len(batch))
            if not is_transient(exc):
                log.error("unexpected error while storing; retrying the batch",
                          extra={"fields": {"error": repr(exc)[:300]}})
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
        await store(decode_batch([_message(event) for event in events]))
        for event in events:
            await stream.ack(event)


def _message(event) -> Message:
    """The event's payload and where it was read (dead-letter ids are unique per message)."""
    tp = event.message.tp
    return Message(payload=event.value if event.value is not None else b"", topic=tp.topic, partition=tp.partition, offset=event.message.offset)


_early_open: Future | None = None


def open_early() -> None:
    """Start opening the store before faust starts (the worker's ``__main__`` calls it):
    starting the chDB engine takes ~2 s on a busy machine, and overlapping it with faust's
    own start-up brings a restarted sink to storing sooner. Not at import: importing this
    module (tests, tools) must not open a store."""
    global _early_open
    _early_open = _write_pool.submit(_open)


@app.task
async def open_store() -> None:
    # Create the schema at start so queries work before the first batch arrives; keep
    # trying while another process (a `svodka sql` of a moment) holds the store.
    try:
        credentials.create(settings.home)  # /sql/ refuses everything until the stack has a secret
    except OSError as exc:  # a read-only home: /sql/ stays closed (503), storing goes on
        log.warning("cannot make the stack's credentials", extra={"fields": {"error": str(exc)[:300]}})
    if _early_open is not None:
        try:
            await asyncio.wrap_future(_early_open)
        except Exception as exc:  # noqa: BLE001 - retried just below
            _state["last_error"] = str(exc)[:500]
    delay = 0.2
    while _state["writer"] is None:
        try:
            await asyncio.get_running_loop().run_in_executor(_write_pool, _open)
        except Exception as exc:  # noqa: BLE001 - retried; the agent also opens on its first batch
            _state["last_error"] = str(exc)[:500]
            log.warning("ClickHouse not ready at start", extra={"fields": {"error": str(exc)[:300]}})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


_thread_local = threading.local()


def _thread_client():
    """The calling query thread's own read-only handle: clickhouse-connect serialises the
    calls on one chDB handle (measured: a 1 ms query waited 15 s behind two long ones on
    a shared handle), so each lane thread has its own."""
    client = getattr(_thread_local, "client", None)
    if client is None:
        client = _thread_local.client = readonly_client(settings.clickhouse_url)
    return client


def _lane(timeout_s: float) -> str:
    return "short" if timeout_s <= SHORT_QUERY_S else "long"


# BI clients get threads of their own: a dashboard tool refreshing panels never queues svodka's own queries.
_http_lane = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sink-query-http")


@app.task
async def clickhouse_http() -> None:
    # ClickHouse's HTTP interface for BI clients on the store this process owns (embedded mode only).
    if is_embedded(settings.clickhouse_url) and settings.query.port:
        await query_endpoint.serve(query_endpoint.QueryEndpoint(
            home=settings.home, client=lambda: _thread_client() if _state["writer"] else None,
            executor=_http_lane, limits=_limits), "127.0.0.1", settings.query.port)


@app.page("/sql/")
class SQLView(View):
    """Read-only SQL against the store this process owns (embedded mode), behind sqlgate."""

    async def post(self, request: Request) -> Response:
        body = await request.read()
        admitted = sqlgate.admit(request.headers, body, credentials.load(settings.home), settings.query_timeout_s)
        if isinstance(admitted, sqlgate.Refused):
            return self.json(admitted.to_json(), status=admitted.status)
        client = _state["query_client"]
        if client is None:
            return self.json({"error": "the store is not open yet (or this sink writes to a server)"}, status=503)
        lane = _lane(admitted.timeout_s)
        if _waiting[lane] >= MAX_WAITING:
            return self.json({"error": f"too many queries running ({_waiting[lane]}); try again shortly"},
                             status=503)
        _waiting[lane] += 1
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                _lanes[lane], lambda: run_query(_thread_client(), admitted.sql, timeout_s=admitted.timeout_s,
                                                embedded=True, limits=_limits))
        except QueryRefused as exc:
            return self.json({"error": str(exc)}, status=400)
        except Exception as exc:  # noqa: BLE001 - the user's SQL error goes back to the user
            return self.json({"error": str(exc).strip().splitlines()[0][:1000] if str(exc).strip()
                              else type(exc).__name__}, status=400)
        finally:
            _waiting[lane] -= 1
        return self.json(result.to_json())

    async def get(self, request: Request) -> Response:
        return self.json({"error": "POST a JSON object {\"sql\": ..., \"timeout\": seconds}"}, status=405)
