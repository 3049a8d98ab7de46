"""extract: articles.unique → articles.enriched (entities and figures), failures → articles.dlq.

One agent, concurrency=1; scale by running more workers over the partitions.
The NER model loads once per process, when the agent starts.

Batches: the agent takes up to ``SVODKA_EXTRACT_BATCH`` articles (default 16)
or what arrived within ``SVODKA_EXTRACT_BATCH_SECONDS`` (default 0.05 s) with
``noack_take``, runs NER on all of them in one pass (``Extractor.extract_many``),
sends the results, waits until Kafka has acknowledged every one of them, and
only then acknowledges the batch's events: at-least-once as before (a crash
mid-batch redelivers the whole batch; the sink's writes are idempotent).
``take()`` is not used: it acknowledges a batch when its generator closes,
even if the batch was never sent.

A poison article must not block its partition: one longer than
``SVODKA_EXTRACT_MAX_CHARS`` (default 200,000: forty times a long news story;
NER's time grows with length) is dead-lettered without trying, and one that
makes the extractor raise is tried ``SVODKA_EXTRACT_TRIES`` times (default 2), then
dead-lettered with the error. When a batch raises, its articles are extracted one
by one, so only the bad article is dead-lettered.
"""

from __future__ import annotations

import os

# NER runs on numpy and ONNX Runtime (one intra-op thread, set in ner_onnx.py). On a 2-core machine shared with the broker and other
# workers, BLAS thread pools only fight over the cores: measured 32 ms of wall time
# (40 ms CPU) per seed article with the default threads, 19.5 ms (17 ms CPU) with one.
# Workers scale by processes, so each uses one thread. Set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import asyncio  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402
from typing import Any  # noqa: E402

import faust  # noqa: E402

from svodka.records import Article, DeadLetter, RecordError  # noqa: E402
from svodka.runtime import logs, observe  # noqa: E402
from svodka.runtime.streaming import make_app, raw_topic  # noqa: E402
from svodka.settings import TOPIC_DLQ, TOPIC_ENRICHED, TOPIC_UNIQUE, Settings  # noqa: E402

__all__ = ["ExtractWorker", "build"]

log = logging.getLogger("svodka.extract.pipeline")


def build(settings: Settings) -> faust.App:
    """The extract faust app: one agent over articles.unique, the models warmed up at start."""
    logs.setup(settings.observe.log_level)
    app = make_app("extract", settings)
    unique = raw_topic(app, TOPIC_UNIQUE)
    worker = ExtractWorker(settings, raw_topic(app, TOPIC_ENRICHED), raw_topic(app, TOPIC_DLQ),
                           observe.install(app, "extract", stall_seconds=settings.observe.stall_seconds))

    @app.task
    async def warm_up() -> None:
        # Load the models before the first article so its latency is not 2 s.
        await asyncio.get_running_loop().run_in_executor(None, worker.extractor)

    @app.agent(unique, concurrency=1)
    async def extract(stream: Any) -> None:
        # 16 articles (~7,000 tokens of seed-sized news) fill NER's packed matrix well; 50 ms
        # bounds the wait for a batch when the stream is slow (settings.extract.batch, batch_seconds).
        async for events in stream.noack_take(settings.extract.batch, within=settings.extract.batch_seconds):
            sent = await worker.extract_batch([event.value for event in events])
            await asyncio.gather(*sent)  # Kafka has every result and dead letter …
            for event in events:  # … before the batch's offsets may be committed
                await stream.ack(event)
            worker.obs.batch(len(events))

    return app


class ExtractWorker:
    """One extract process: its extractor (loaded once), where it sends, what it counts."""

    def __init__(self, settings: Settings, enriched: faust.TopicT, dead_letters: faust.TopicT,
                 obs: observe.Observer) -> None:
        self.settings, self.enriched, self.dead_letters, self.obs = settings, enriched, dead_letters, obs
        self.max_chars, self.tries = settings.extract.max_chars, settings.extract.tries
        self._extractor: Any = None
        self._lock = threading.Lock()  # the warm-up thread and the agent may ask at once

    def extractor(self) -> Any:
        with self._lock:
            if self._extractor is None:
                from svodka.extract.pipeline import Extractor  # heavy: natasha models, loaded on first use

                self._extractor = Extractor(ner_backend=self.settings.extract.ner_backend)
        return self._extractor

    async def extract_batch(self, payloads: list[bytes]) -> list:
        """Extract a batch; send each result or dead letter; the send futures."""
        sent = []
        articles: list[Article] = []
        for payload in payloads:
            try:
                article = Article.from_json(payload)
            except RecordError as exc:
                sent.append(await self.dead_letter(None, "articles.unique", str(exc), payload or b""))
                continue
            if len(article.text) > self.max_chars:
                sent.append(await self.dead_letter(
                    article.id, article.source,
                    f"article too long for extraction: {len(article.text)} characters "
                    f"(limit SVODKA_EXTRACT_MAX_CHARS={self.max_chars})", article.text.encode("utf-8", "replace")))
                continue
            articles.append(article)
        if not articles:
            return sent
        try:
            results = self.extractor().extract_many(articles)
            errors: list[BaseException | None] = [None] * len(results)
        except Exception:  # noqa: BLE001 - find the bad article: one by one, each with its tries
            results, errors = [], []
            for article in articles:
                result, error = None, None
                for _ in range(self.tries):
                    try:
                        result = self.extractor().extract(article)
                        break
                    except Exception as exc:  # noqa: BLE001 - one bad article must not block its partition
                        error = exc
                results.append(result)
                errors.append(error)
        for article, result, error in zip(articles, results, errors):
            if result is None:
                log.warning("extraction failed", extra={"fields": {"id": article.id, "error": repr(error)}})
                sent.append(await self.dead_letter(
                    article.id, article.source,
                    f"extraction failed after {self.tries} tries: {type(error).__name__}: {error}",
                    article.text.encode("utf-8", "replace")))
                continue
            sent.append(await self.enriched.send(key=article.id.encode(), value=result.to_json()))
            self.obs.processed()
        return sent

    async def dead_letter(self, id: str | None, source: str, reason: str, payload: bytes) -> Any:
        """Send a dead letter (``id`` None: one per failure, from the reason and payload);
        the future of its delivery."""
        letter = DeadLetter.of("extract", source, reason, payload, id=id)
        fut = await self.dead_letters.send(key=letter.id.encode(), value=letter.to_json())
        self.obs.failed()  # every article extract cannot handle ends here
        self.obs.dead_lettered()
        return fut
