"""dedup: articles.raw → articles.unique | articles.duplicates.

Two agents, both concurrency=1:
- ``route`` reads raw articles (keyed by article id) and re-keys each by its
  content key onto an internal topic, so any two copies of one text meet in the
  same partition whichever worker read them;
- ``decide`` keeps, per content key, the first article id seen in a faust table
  (RocksDB store, changelog topic: a restarted or rebalanced worker recovers it)
  and routes each article to unique or duplicates.
"""

from __future__ import annotations

import logging

from svodka import dedup, logs
from svodka.config import TOPIC_DLQ, TOPIC_DUPLICATES, TOPIC_RAW, TOPIC_UNIQUE, Settings
from svodka.records import Article, DeadLetter, RecordError
from svodka.streaming import make_app, raw_topic, table
from svodka.text import sha256_hex

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.dedup")

app = make_app("dedup", settings)
raw = raw_topic(app, TOPIC_RAW)
by_content = raw_topic(app, "svodka-dedup-by-content")
unique = raw_topic(app, TOPIC_UNIQUE)
duplicates = raw_topic(app, TOPIC_DUPLICATES)
dead_letters = raw_topic(app, TOPIC_DLQ)

first_seen = table(app, "first-seen", default=None, key_type=str, value_type=str)


async def _dead_letter(payload: bytes, reason: str) -> None:
    letter = DeadLetter(id=sha256_hex(payload)[:20], stage="dedup", source="articles.raw", reason=reason,
                        payload_head=payload[:200].decode("utf-8", "replace"))
    log.warning("dead-lettered", extra={"fields": {"reason": reason}})
    await dead_letters.send(key=letter.id.encode(), value=letter.to_json())


@app.agent(raw, concurrency=1)
async def route(stream):
    async for payload in stream:
        try:
            article = Article.from_json(payload)
        except RecordError as exc:
            await _dead_letter(payload, str(exc))
            continue
        await by_content.send(key=dedup.exact_key(article).encode(), value=payload)


@app.agent(by_content, concurrency=1)
async def decide(stream):
    async for key, payload in stream.items():
        article = Article.from_json(payload)
        content_key = key.decode()
        first = first_seen.get(content_key)
        decision = dedup.decide_exact(article, first)
        if decision.unique:
            if first is None:
                first_seen[content_key] = article.id
            await unique.send(key=article.id.encode(), value=payload)
        else:
            await duplicates.send(key=article.id.encode(), value=decision.duplicate.to_json())
