"""Publishing articles: read inputs, send articles to ``articles.raw`` and bad inputs to ``articles.dlq``.

``publish(paths, options, settings, progress)`` is the library's one entry point; the
producer command (svodka_services.producer: ``svodka ingest`` and
``python -m svodka_services.producer``) adds the flags, the progress line and the
summary around it.

1. check the arguments (usage errors raise ProducerError before anything else);
2. connect an idempotent aiokafka producer (acks=all, lz4), retrying for at most
   ``broker_timeout`` seconds, and create the two topics if they are missing;
3. read every local input (sources.py) and URL (web.py); each bad input is
   reported to ``progress`` and sent to the dead-letter topic as a DeadLetter at once;
4. publish the articles (each followed by its ``--loop`` copies), paced by
   replay.Pacer, without awaiting each send: the send futures are gathered at the
   end, so the run returns only when Kafka acknowledged every record. A record
   Kafka did not acknowledge is a ProducerError: nothing is lost silently.

The Kafka key of every record is its id, so a replay lands on the original's partition.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError

from svodka.ingest import sources
from svodka.ingest.replay import Pacer, copy_dict, replay_order, replay_time
from svodka.ingest.sources import BadInput, Ignored
from svodka.ingest.web import WebOptions, read_urls
from svodka.records import Article
from svodka.runtime import topics
from svodka.settings import TOPIC_DLQ, TOPIC_RAW, Settings
from svodka.timeutil import now_iso

__all__ = ["MAX_RECORD_BYTES", "IngestSummary", "ProducerError", "Progress", "PublishOptions", "Silent", "publish"]

MAX_RECORD_BYTES = 1_000_000  # under the broker's message.max.bytes (1048588) even if lz4 cannot shrink it


class ProducerError(RuntimeError):
    """A usage or broker error: the run did not (completely) happen."""


@dataclass
class PublishOptions:
    """How to read and publish (the producer command's flags map onto these)."""

    glob: str = "*"  # file names to read inside directories
    rate: float | None = None  # articles per second
    speedup: float | None = None  # replay in published_at order, gaps divided by this
    max_gap: float | None = None  # with speedup: no single wait longer than this (s)
    loop: int = 0  # extra copies of each article
    max_bytes: int = sources.DEFAULT_MAX_BYTES  # inputs larger than this are dead-lettered
    broker_timeout: float = 15.0  # seconds to reach the broker before giving up
    http_timeout: float = 10.0  # seconds per HTTP attempt
    http_retries: int = 2
    http_backoff: float = 0.5
    http_concurrency: int = 8
    topic: str = TOPIC_RAW
    dlq_topic: str = TOPIC_DLQ
    create_topics: bool = True  # create missing topics with Settings.kafka.partitions
    linger_ms: int = 10
    max_batch_bytes: int = 1_000_000
    stdin: BinaryIO | None = None  # default sys.stdin.buffer

    def web_options(self) -> WebOptions:
        return WebOptions(timeout=self.http_timeout, retries=self.http_retries, backoff=self.http_backoff,
                          concurrency=self.http_concurrency, max_bytes=self.max_bytes)


class Progress(Protocol):
    """What a run reports while it goes (the command prints it; ``Silent`` drops it)."""

    progress: bool  # whether ``tick`` shows anything (the last acknowledgements are awaited with ticks)

    def bad(self, bad: BadInput) -> None: ...

    def tick(self, done: int, total: int, started: float, force: bool = False) -> None: ...


class Silent:
    progress = False

    def bad(self, bad: BadInput) -> None:
        pass

    def tick(self, done: int, total: int, started: float, force: bool = False) -> None:
        pass


@dataclass
class IngestSummary:
    """What a run did. ``read`` counts articles read (before copies) plus bad inputs;
    ``published`` the article records Kafka acknowledged (copies included); ``skipped``
    the dead-lettered inputs by reason; ``ignored`` the files a directory walk passed
    over, by reason; ``bytes`` the size of the published article records."""

    read: int = 0
    published: int = 0
    dead_lettered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0
    articles_per_s: float = 0.0
    ids: list[str] = field(default_factory=list)
    dead_letter_ids: list[str] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mb_per_s"] = round(self.mb_per_s, 3)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def line(self) -> str:
        parts = [f"read {self.read}", f"published {self.published}"]
        if self.dead_lettered or self.skipped:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
            parts.append(f"dead-lettered {self.dead_lettered} ({reasons})")
        if self.ignored:
            parts.append(f"ignored {sum(self.ignored.values())} files ("
                         + ", ".join(f"{k} {v}" for k, v in sorted(self.ignored.items())) + ")")
        parts.append(f"{self.bytes / 1e6:.2f} MB in {self.seconds:.2f} s")
        parts.append(f"{self.articles_per_s:.0f} articles/s")
        return "ingest: " + ", ".join(parts)


# -- Kafka ------------------------------------------------------------------------------------


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    text = str(exc).strip()
    name = type(exc).__name__
    if not text:
        return name
    return text if text.startswith(name) else f"{name}: {text}"


@contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    """aiokafka logs every failed connection attempt at ERROR; our own message says it
    once and clearly. Only when nobody configured logging for it."""
    logger = logging.getLogger("aiokafka")
    touched = logger.level == logging.NOTSET and not logging.getLogger().handlers
    if touched:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        if touched:
            logger.setLevel(logging.NOTSET)


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(producer.stop(), timeout=5)
    except Exception:  # noqa: BLE001 - a producer that never started may not stop cleanly
        pass


async def _connect(bootstrap: str, options: PublishOptions) -> AIOKafkaProducer:
    """A started producer, or ProducerError after ``broker_timeout`` seconds of trying."""
    deadline = time.monotonic() + options.broker_timeout
    last: BaseException | None = None
    while True:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id="svodka-producer",
            enable_idempotence=True,
            acks="all",
            compression_type="lz4",
            linger_ms=options.linger_ms,
            max_batch_size=options.max_batch_bytes,
            max_request_size=MAX_RECORD_BYTES,
            request_timeout_ms=int(max(options.broker_timeout, 10.0) * 1000),
            retry_backoff_ms=200,
        )
        remaining = deadline - time.monotonic()
        try:
            await asyncio.wait_for(producer.start(), timeout=max(remaining, 0.1))
            return producer
        except ValueError as exc:  # a malformed HOST:PORT: retrying will not help
            await _stop_quietly(producer)
            raise ProducerError(f"cannot reach Kafka at {bootstrap}: not a valid HOST:PORT ({exc})") from exc
        except (KafkaError, OSError, asyncio.TimeoutError) as exc:
            last = exc
        await _stop_quietly(producer)
        if time.monotonic() + 0.5 >= deadline:
            raise ProducerError(f"cannot reach Kafka at {bootstrap}: {_describe(last)} "
                                f"(gave up after {options.broker_timeout:g} s)")
        await asyncio.sleep(0.5)


class _Publisher:
    """Sends records without waiting for each; ``drain`` waits for all the acknowledgements."""

    def __init__(self, producer: AIOKafkaProducer, options: PublishOptions, summary: IngestSummary,
                 output: Progress, bootstrap: str):
        self.producer = producer
        self.options = options
        self.summary = summary
        self.output = output
        self.bootstrap = bootstrap
        self.articles: list[tuple[asyncio.Future, str, int]] = []
        self.letters: list[tuple[asyncio.Future, str, str]] = []
        self.acked = 0
        self.too_large: set[str] = set()

    def _acked(self, future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is None:
            self.acked += 1

    async def _send(self, topic: str, key: str, value: bytes) -> asyncio.Future:
        try:
            return await self.producer.send(topic, value, key=key.encode("utf-8"))
        except MessageSizeTooLargeError:
            raise
        except KafkaError as exc:
            raise ProducerError(f"cannot publish to Kafka at {self.bootstrap} (topic {topic}): {_describe(exc)}") \
                from exc

    async def dead_letter(self, bad: BadInput) -> None:
        self.output.bad(bad)
        letter = bad.dead_letter()
        future = await self._send(self.options.dlq_topic, letter.id, letter.to_json())
        self.letters.append((future, letter.id, bad.reason))

    async def article(self, data: dict[str, Any], article: Article) -> None:
        if article.id in self.too_large:
            return  # the original was too large; its copies are too
        value = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            future = await self._send(self.options.topic, data["id"], value)
        except MessageSizeTooLargeError:
            self.too_large.add(article.id)
            await self.dead_letter(BadInput(article.source, sources.TOO_LARGE,
                                            f"the record is {len(value)} bytes, over Kafka's message limit "
                                            f"of {MAX_RECORD_BYTES}", article.text[:200].encode("utf-8")))
            return
        future.add_done_callback(self._acked)
        self.articles.append((future, data["id"], len(value)))

    async def drain(self) -> None:
        """Wait until Kafka acknowledged every record sent; count them into the summary."""
        pending = [f for f, _, _ in self.articles] + [f for f, _, _ in self.letters]
        limit = max(self.options.broker_timeout, 10.0) * 3 + 30
        try:
            await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), timeout=limit)
        except asyncio.TimeoutError:
            pass
        failures: list[BaseException] = []
        for future, record_id, size in self.articles:
            error = _outcome(future)
            if error is None:
                self.summary.published += 1
                self.summary.bytes += size
                self.summary.ids.append(record_id)
            else:
                failures.append(error)
        for future, record_id, reason in self.letters:
            error = _outcome(future)
            if error is None:
                self.summary.dead_lettered += 1
                self.summary.dead_letter_ids.append(record_id)
                self.summary.skipped[reason] = self.summary.skipped.get(reason, 0) + 1
            else:
                failures.append(error)
        if failures:
            total = len(self.articles) + len(self.letters)
            raise ProducerError(f"Kafka at {self.bootstrap} did not acknowledge {len(failures)} of {total} records "
                                f"({_describe(failures[0])}); they are not published, run again")


def _outcome(future: asyncio.Future) -> BaseException | None:
    if not future.done():
        return asyncio.TimeoutError("no acknowledgement in time")
    if future.cancelled():
        return asyncio.CancelledError("cancelled")
    return future.exception()


# -- publishing -------------------------------------------------------------------------------


def _check(paths: list[str], options: PublishOptions) -> None:
    if not paths:
        raise ProducerError("nothing to ingest: give files, directories, - (stdin) or http(s):// URLs")
    if paths.count(sources.STDIN) > 1:
        raise ProducerError("- (stdin) can be given only once")
    for path in paths:
        if path == sources.STDIN or sources.is_url(path):
            continue
        if "://" in path:
            raise ProducerError(f"unsupported URL scheme: {path} (only http:// and https://)")
        if not Path(path).exists():
            raise ProducerError(f"no such file or directory: {path}")
    if options.rate is not None and options.rate <= 0:
        raise ProducerError("--rate must be > 0")
    if options.speedup is not None and options.speedup <= 0:
        raise ProducerError("--speedup must be > 0")
    if options.max_gap is not None and options.max_gap < 0:
        raise ProducerError("--max-gap must be >= 0")
    if options.loop < 0:
        raise ProducerError("--loop must be >= 0")
    if options.max_bytes <= 0:
        raise ProducerError("--max-bytes must be > 0")
    if options.broker_timeout <= 0:
        raise ProducerError("--broker-timeout must be > 0")
    if not options.glob:
        raise ProducerError("--glob must not be empty")


async def publish(paths: list[str], options: PublishOptions, settings: Settings,
                  output: Progress | None = None) -> IngestSummary:
    """Publish every input's articles to ``options.topic`` and bad inputs to ``options.dlq_topic``.

    Returns when Kafka has acknowledged every record. Raises ProducerError on usage
    errors and when Kafka cannot be reached or does not acknowledge a record.
    """
    _check(paths, options)
    bootstrap = settings.kafka.bootstrap
    output = output or Silent()
    summary = IngestSummary()
    started = time.monotonic()
    with _quiet_aiokafka():
        producer = await _connect(bootstrap, options)
        try:
            if options.create_topics:
                try:
                    await asyncio.wait_for(
                        topics.ensure_topics(bootstrap, [options.topic, options.dlq_topic], settings.kafka.partitions),
                        timeout=options.broker_timeout)
                except (KafkaError, OSError, asyncio.TimeoutError) as exc:
                    raise ProducerError(f"cannot create the topics {options.topic}, {options.dlq_topic} "
                                        f"on Kafka at {bootstrap}: {_describe(exc)}") from exc
            publisher = _Publisher(producer, options, summary, output, bootstrap)
            originals = await _read_all(paths, options, summary, publisher)
            if not originals and not publisher.letters:
                raise ProducerError("nothing to ingest: no input matched"
                                    + (f" --glob {options.glob!r}" if options.glob != "*" else "")
                                    + (f" ({sum(summary.ignored.values())} files ignored: "
                                       + ", ".join(f"{k} {v}" for k, v in sorted(summary.ignored.items())) + ")"
                                       if summary.ignored else ""))
            total = len(originals) * (options.loop + 1)
            publishing = time.monotonic()
            await _publish(originals, options, publisher, output, total, publishing)
            ticker = asyncio.ensure_future(_tick_until_done(output, publisher, total, publishing))
            try:
                await publisher.drain()
            finally:
                ticker.cancel()
            output.tick(publisher.acked, total, publishing, force=True)
        finally:
            try:
                await asyncio.wait_for(producer.stop(), timeout=max(options.broker_timeout, 10.0))
            except Exception:  # noqa: BLE001 - the records are already acknowledged or reported
                pass
    summary.seconds = time.monotonic() - started
    summary.articles_per_s = summary.published / summary.seconds if summary.seconds > 0 else 0.0
    return summary


async def _read_all(paths: list[str], options: PublishOptions, summary: IngestSummary,
                    publisher: _Publisher) -> list[Article]:
    """Every input's articles; bad inputs go to the dead-letter topic on the way."""
    originals: list[Article] = []

    async def take(item: Article | BadInput | Ignored) -> None:
        if isinstance(item, Ignored):
            summary.ignored[item.reason] = summary.ignored.get(item.reason, 0) + 1
            return
        summary.read += 1
        if isinstance(item, BadInput):
            await publisher.dead_letter(item)
        else:
            originals.append(item)

    urls = [p for p in paths if sources.is_url(p)]
    url_task = asyncio.ensure_future(read_urls(urls, options.web_options())) if urls else None
    try:
        for item in sources.read_inputs(paths, glob=options.glob, max_bytes=options.max_bytes, stdin=options.stdin):
            await take(item)
            await asyncio.sleep(0)  # let the URL fetches and the Kafka sender run
        if url_task is not None:
            for results in await url_task:
                for item in results:
                    await take(item)
    finally:
        if url_task is not None and not url_task.done():
            url_task.cancel()
    return originals


async def _tick_until_done(output: Progress, publisher: _Publisher, total: int, start: float) -> None:
    """Keep the progress line moving while the last acknowledgements arrive."""
    while output.progress:
        output.tick(publisher.acked, total, start)
        await asyncio.sleep(0.2)


async def _publish(originals: list[Article], options: PublishOptions, publisher: _Publisher,
                   output: Progress, total: int, start: float) -> None:
    if options.speedup is not None:
        originals = replay_order(originals)
    pacer = Pacer(rate=options.rate, speedup=options.speedup, max_gap=options.max_gap)
    for article in originals:
        base = article.to_dict()
        when = replay_time(article) if pacer.paced else None
        for k in range(options.loop + 1):
            if pacer.paced:
                delay = start + pacer.due(when) - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            record = base if k == 0 else copy_dict(base, k)
            # ingested_at is when the record enters the stream, which end-to-end latency is
            # measured from; a paced replay reads everything first and sends it much later.
            record = {**record, "ingested_at": now_iso()}
            await publisher.article(record, article)
            output.tick(publisher.acked, total, start)


