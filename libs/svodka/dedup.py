"""Deduplication logic, pure: which key identifies "the same text", and the decision.

Exact duplicates share ``exact_key``: the hash of the normalised text (see
svodka.text.normalize: case, white space, quotes and dashes, ё/е, boilerplate
lines). ``--loop`` copies of a load test carry their copy number k in the key,
so each copy is a distinct article for every stage.

Rule for who is the original: first seen wins. The first article with a key is
unique; a later article with the same key and another id is its duplicate, even
if its published_at is earlier (a late-arriving original) — reordering the past
would retract rows analysts already counted. An article that arrives again with
the *same* id is a redelivery or a replay, not a duplicate: it is passed on as
unique again and the idempotent sink stores it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from svodka.records import Article, Duplicate
from svodka.text import content_hash, split_seed_header


def exact_key(article: Article) -> str:
    _, body = split_seed_header(article.text)
    key = content_hash(body)
    return f"{key}:{article.copy}" if article.copy else key


@dataclass(frozen=True)
class Decision:
    unique: bool
    duplicate: Duplicate | None = None


def decide_exact(article: Article, first_id: str | None) -> Decision:
    """Given the id first seen with this article's exact key (or None), decide."""
    if first_id is None or first_id == article.id:
        return Decision(unique=True)
    return Decision(unique=False, duplicate=Duplicate(
        id=article.id, dup_of=first_id, similarity=1.0, method="exact", source=article.source,
        title=article.title, published_at=article.published_at, ingested_at=article.ingested_at))
