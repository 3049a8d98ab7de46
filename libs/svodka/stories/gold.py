"""The stories gold set (tests/gold/stories): a dated JSON-lines feed and its labels.

``feed.jsonl`` is what ``svodka ingest`` reads (url, source, published_at, title, text per
line); ``labels.json`` maps each url to its story label and its figures' claim labels
(a figure named by its text in the article). ``load`` reads both and returns the feed's
articles as the producer would build them, in published order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from svodka.ingest.sources import articles_from_bytes
from svodka.records import Article

__all__ = ["GOLD_DIR", "load"]

GOLD_DIR = Path(__file__).resolve().parents[3] / "tests" / "gold" / "stories"


def load(directory: Path = GOLD_DIR) -> tuple[list[Article], dict]:
    feed = directory / "feed.jsonl"
    ingested = datetime(2026, 6, 1, tzinfo=UTC)
    articles = []
    for item in articles_from_bytes(feed.read_bytes(), "jsonl", str(feed), "gold", ingested):
        if not isinstance(item, Article):
            raise ValueError(f"{feed}: {item}")
        articles.append(item)
    articles.sort(key=lambda a: (a.published_at or "", a.id))
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return articles, labels
