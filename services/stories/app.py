"""stories: articles.enriched → articles.storied (story_id per article, claim_id per figure).

Two agents, concurrency=1 each:

- ``route`` reads articles.enriched (any partition, any worker) and forwards each payload
  unchanged to ``svodka-stories-assign`` under one constant key, so every article lands
  on one partition of it: the *owner partition*. Whichever worker owns that partition
  makes every assignment, one article at a time, in the order of that partition's log.
  That is what keeps assignment consistent with several partitions and workers: there is
  one sequence of decisions against one state, never two workers deciding at once on
  halves of it. Other workers only route (and take over the owner partition if its
  worker dies; the changelog gives them its state).
- ``assign`` reads the owner partition, asks svodka.stories.Assigner for the article's
  story and claims, and sends the article — with ``story_id``, ``story_score``, each
  figure's ``claim_id``/``revises``, and without its body, which ClickHouse does not
  store — to articles.storied under the article id (the sink's input).

State: one faust table (``stories-state``, RocksDB with a compacted changelog topic) of
stories, claims and per-article memos (svodka.stories.assigner), all written on the
owner partition in decision order. Delivery is at-least-once; a redelivered article finds
its memo (or itself among a story's members) and gets the same ids, and the sink stores
an article once. The in-memory indexes are rebuilt from the table when this worker
(re)gains the owner partition. Every ``SWEEP_EVERY`` articles the state older than the
window is deleted. An article the assigner cannot handle goes on without ids and a dead
letter says why; an undecodable payload becomes a dead letter.
"""

from __future__ import annotations

import logging
import os

from svodka.records import DeadLetter, EnrichedArticle, RecordError
from svodka.runtime import logs, observe
from svodka.runtime.streaming import make_app, raw_topic, table
from svodka.settings import TOPIC_DLQ, TOPIC_ENRICHED, TOPIC_STORIED, Settings
from svodka.stories.assigner import Assigner
from svodka.stories.state import JsonTable
from svodka.text import sha256_hex

settings = Settings.from_env()
logs.setup(settings.log_level)
log = logging.getLogger("svodka.stories")

OWNER_KEY = b"stories"  # the one key of the assignment topic: all articles, one partition
SWEEP_EVERY = int(os.environ.get("SVODKA_STORIES_SWEEP_EVERY") or 1000)

# A worker that died gives the owner partition up after 10 s instead of faust's 60.
app = make_app("stories", settings, broker_session_timeout=10.0)
enriched = raw_topic(app, TOPIC_ENRICHED)
to_assign = raw_topic(app, "svodka-stories-assign")
storied = raw_topic(app, TOPIC_STORIED)
dead_letters = raw_topic(app, TOPIC_DLQ)
obs = observe.install(app, "stories")

state_table = table(app, "stories-state", default=None, key_type=bytes, value_type=bytes,
                    options={"write_buffer_size": 8 << 20, "max_write_buffer_number": 2,
                             "block_cache_size": 32 << 20})

_assigner: dict[str, Assigner | None] = {"current": None}
_since_sweep = {"n": 0}


@app.on_partitions_revoked.connect
async def _forget(sender, revoked, **kwargs) -> None:
    # The owner partition may move to another worker: rebuild from the table next time.
    _assigner["current"] = None


def assigner() -> Assigner:
    if _assigner["current"] is None:
        _assigner["current"] = Assigner(JsonTable(state_table))
    return _assigner["current"]


@app.agent(enriched, concurrency=1)
async def route(stream):
    async for payload in stream:
        await to_assign.send(key=OWNER_KEY, value=payload)


@app.agent(to_assign, concurrency=1)
async def assign(stream):
    async for payload in stream:
        try:
            article = EnrichedArticle.from_json(payload)
        except RecordError as exc:
            await _dead_letter(sha256_hex(payload)[:20], "articles.enriched", str(exc), payload)
            continue
        try:
            result = assigner().assign(article)
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the stage
            log.warning("story assignment failed", extra={"fields": {"id": article.id, "error": repr(exc)}})
            await _dead_letter(article.id, article.source, f"story assignment failed: {type(exc).__name__}: {exc}",
                               article.text.encode("utf-8", "replace"))
            _assigner["current"] = None  # its caches may be half-updated: rebuild from the table
        else:
            article.story_id = result.story_id
            article.story_score = result.score
            for figure, claim in zip(article.figures, result.claims):
                figure.claim_id, figure.revises = claim.claim_id, claim.revises
            _since_sweep["n"] += 1
            if _since_sweep["n"] >= SWEEP_EVERY:
                _since_sweep["n"] = 0
                assigner().sweep()
        article.text = ""
        await storied.send(key=article.id.encode(), value=article.to_json())
        obs.processed()
        obs.latency_since(article.ingested_at)


async def _dead_letter(id: str, source: str, reason: str, payload: bytes) -> None:
    letter = DeadLetter(id=id, stage="stories", source=source, reason=reason[:2000],
                        payload_head=payload[:200].decode("utf-8", "replace"))
    await dead_letters.send(key=id.encode(), value=letter.to_json())
    obs.failed()
    obs.dead_lettered()
