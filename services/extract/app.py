"""extract: articles.unique → articles.enriched (entities and figures), failures → articles.dlq.

One agent, concurrency=1; scale by running more workers over the partitions.
The natasha models load once per process, when the agent starts.

A poison article must not block its partition: one longer than
``SVODKA_EXTRACT_MAX_CHARS`` (default 200,000: forty times a long news story;
natasha's time grows with length) is dead-lettered without trying, and one that
makes the extractor raise is tried ``SVODKA_EXTRACT_TRIES`` times (default 2), then
dead-lettered with the error.
"""

from __future__ import annotations

import os

# natasha's NER runs on numpy. On a 2-core machine shared with the broker and other
# workers, BLAS thread pools only fight over the cores: measured 32 ms of wall time
# (40 ms CPU) per seed article with the default threads, 19.5 ms (17 ms CPU) with one.
# Workers scale by processes, so each uses one thread. Set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import asyncio  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402

from svodka.runtime import logs
from svodka.runtime import observe
from svodka.settings import TOPIC_DLQ, TOPIC_ENRICHED, TOPIC_UNIQUE, Settings
from svodka.records import Article, DeadLetter, letter_id, RecordError
from svodka.runtime.streaming import make_app, raw_topic
from svodka.text import sha256_hex

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.extract.pipeline")

app = make_app("extract", settings)
unique = raw_topic(app, TOPIC_UNIQUE)
enriched = raw_topic(app, TOPIC_ENRICHED)
dead_letters = raw_topic(app, TOPIC_DLQ)
obs = observe.install(app, "extract", stall_seconds=settings.observe.stall_seconds)  # /metrics/ and /health/ (stalled partitions)

MAX_CHARS = settings.extract.max_chars
TRIES = settings.extract.tries

_extractor = None
_extractor_lock = threading.Lock()  # the warm-up thread and the agent may ask at once


def extractor():
    global _extractor
    with _extractor_lock:
        if _extractor is None:
            from svodka.extract.pipeline import Extractor  # heavy: natasha models

            _extractor = Extractor()
    return _extractor


@app.task
async def warm_up() -> None:
    # Load the models before the first article so its latency is not 2 s.
    await asyncio.get_running_loop().run_in_executor(None, extractor)


@app.agent(unique, concurrency=1)
async def extract(stream):
    async for payload in stream:
        try:
            article = Article.from_json(payload)
        except RecordError as exc:
            await _dead_letter(letter_id("extract", "articles.unique", str(exc), sha256_hex(payload or b"")),
                               "articles.unique", str(exc), payload or b"")
            continue
        if len(article.text) > MAX_CHARS:
            await _dead_letter(article.id, article.source,
                               f"article too long for extraction: {len(article.text)} characters "
                               f"(limit SVODKA_EXTRACT_MAX_CHARS={MAX_CHARS})", article.text.encode("utf-8", "replace"))
            continue
        result, error = None, None
        for _ in range(TRIES):
            try:
                result = extractor().extract(article)
                break
            except Exception as exc:  # noqa: BLE001 - one bad article must not block its partition
                error = exc
        if result is None:
            log.warning("extraction failed", extra={"fields": {"id": article.id, "error": repr(error)}})
            await _dead_letter(article.id, article.source,
                               f"extraction failed after {TRIES} tries: {type(error).__name__}: {error}",
                               article.text.encode("utf-8", "replace"))
            continue
        await enriched.send(key=article.id.encode(), value=result.to_json())
        obs.processed()


async def _dead_letter(id: str, source: str, reason: str, payload: bytes) -> None:
    letter = DeadLetter.of("extract", source, reason, payload, id=id)
    await dead_letters.send(key=id.encode(), value=letter.to_json())
    obs.failed()  # every article extract cannot handle ends here
    obs.dead_lettered()
