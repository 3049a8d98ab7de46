"""Records → ClickHouse rows. Pure functions; the column lists are the insert contract."""

from __future__ import annotations

from datetime import datetime

from svodka.records import DeadLetter, Duplicate, EnrichedArticle
from svodka.timeutil import UTC, parse_utc, utc_now

ARTICLE_COLUMNS = ["id", "source", "title", "published_at", "date_source", "lang", "ingested_at",
                   "length", "mentions", "figures", "replay_of", "text", "url", "story_id", "story_score"]
MENTION_COLUMNS = ["article_id", "ordinal", "published_at", "canonical_id", "canonical", "type", "text",
                   "normal", "start", "stop", "sentence"]
FIGURE_COLUMNS = ["article_id", "ordinal", "published_at", "unit", "modifier", "low", "high", "qualifier",
                  "text", "sentence", "entities", "reported_by", "start", "stop", "action", "location", "object",
                  "claim_id", "revises"]
DUPLICATE_COLUMNS = ["id", "dup_of", "similarity", "method", "source", "title", "published_at", "ingested_at"]
DEAD_LETTER_COLUMNS = ["id", "stage", "source", "reason", "payload_head", "at"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: str | None, fallback: datetime | None = None) -> datetime:
    """``timeutil.parse_utc(value)``; a bad or empty value gives ``fallback`` (default the epoch)."""
    parsed = parse_utc(value)
    if parsed is not None:
        return parsed
    return fallback if fallback is not None else EPOCH


def article_time(a: EnrichedArticle) -> datetime:
    """When the article was published, or else when it was ingested: every row gets a time."""
    return parse_time(a.published_at, parse_time(a.ingested_at, utc_now()))


def article_row(a: EnrichedArticle) -> list:
    return [a.id, a.source, a.title, article_time(a), a.date_source, a.lang,
            parse_time(a.ingested_at, utc_now()), a.length, len(a.mentions), len(a.figures),
            a.replay_of or "", a.text, a.url, a.story_id, float(a.story_score)]


def mention_rows(a: EnrichedArticle) -> list[list]:
    when = article_time(a)
    return [[a.id, i, when, m.canonical_id, m.canonical, m.type, m.text, m.normal, m.start, m.stop, m.sentence]
            for i, m in enumerate(a.mentions)]


def figure_rows(a: EnrichedArticle) -> list[list]:
    when = article_time(a)
    # action/object/location: Figure fields the extraction may add (getattr: absent → '')
    return [[a.id, i, when, f.unit, f.modifier, f.low, f.high, f.qualifier, f.text, f.sentence,
             list(f.entities), f.reported_by, f.start, f.stop, f.action, f.location, f.object,
             f.claim_id, f.revises]
            for i, f in enumerate(a.figures)]


def duplicate_row(d: Duplicate) -> list:
    ingested = parse_time(d.ingested_at, utc_now())
    return [d.id, d.dup_of, float(d.similarity), d.method, d.source, d.title,
            parse_time(d.published_at, ingested), ingested]


def dead_letter_row(d: DeadLetter) -> list:
    return [d.id, d.stage, d.source, d.reason, d.payload_head, parse_time(d.at, utc_now())]
