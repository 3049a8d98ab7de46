"""Replay pacing: when each article is due, and the ``--loop`` copies. Pure, no I/O.

Three modes, combinable:

* default: everything is due at once (offset 0), i.e. as fast as the broker takes it;
* ``rate=N``: article *i* (0-based, copies included) is due at ``i / N`` seconds;
* ``speedup=X``: articles go out in ``published_at`` order, and the gap between two
  consecutive dates is replayed divided by X (``max_gap`` caps any one wait).
  Articles whose date is only the ingest time (``date_source == "ingest"``) have no
  real date: they go last, right after the last dated one, with no wait.

With both ``rate`` and ``speedup`` an article is due at the later of the two times,
so the rate is a ceiling on top of the replayed gaps.

The publisher asks ``Pacer.due(article)`` for each article in order and sleeps
until ``start + due``; the schedule is absolute, so a slow send does not make the
whole run slower than asked, and a fast one does not run ahead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import datetime

from svodka import text as textlib
from svodka.ingest.dates import parse_datetime
from svodka.records import Article


class Pacer:
    """The due time (seconds from the start of the run) of each article in turn."""

    def __init__(self, rate: float | None = None, speedup: float | None = None, max_gap: float | None = None):
        if rate is not None and rate <= 0:
            raise ValueError("rate must be > 0 articles/s")
        if speedup is not None and speedup <= 0:
            raise ValueError("speedup must be > 0")
        if max_gap is not None and max_gap < 0:
            raise ValueError("max_gap must be >= 0 seconds")
        self.rate = rate
        self.speedup = speedup
        self.max_gap = max_gap
        self._count = 0
        self._last_due = 0.0
        self._replayed = 0.0  # the speedup clock
        self._last_when: datetime | None = None

    @property
    def paced(self) -> bool:
        return self.rate is not None or self.speedup is not None

    def due(self, when: datetime | None = None) -> float:
        """Offset in seconds at which the next article (dated ``when``) is due."""
        due = 0.0
        if self.speedup is not None:
            if when is not None and self._last_when is not None and when > self._last_when:
                gap = (when - self._last_when).total_seconds() / self.speedup
                if self.max_gap is not None:
                    gap = min(gap, self.max_gap)
                self._replayed += gap
            if when is not None and (self._last_when is None or when > self._last_when):
                self._last_when = when
            due = self._replayed
        if self.rate is not None and self._count > 0:
            due = max(due, self._last_due + 1.0 / self.rate)
        self._count += 1
        self._last_due = due
        return due

    def due_article(self, article: Article) -> float:
        return self.due(replay_time(article))


def replay_time(article: Article) -> datetime | None:
    """The date an article is replayed at: its published_at, or None when that is only the ingest time."""
    if article.date_source == "ingest" or not article.published_at:
        return None
    return parse_datetime(article.published_at)


def replay_order(articles: Iterable[Article]) -> list[Article]:
    """Articles in published_at order (stable), the undated (ingest-time) ones last in input order."""
    keyed = []
    for index, article in enumerate(articles):
        when = replay_time(article)
        keyed.append(((when is None, when.timestamp() if when else 0.0, index), article))
    keyed.sort(key=lambda pair: pair[0])
    return [article for _, article in keyed]


def make_copy(article: Article, k: int) -> Article:
    """The k-th ``--loop`` copy (k >= 1): same content, id ``copy_id(id, k)``, ``replay_of`` the original."""
    if k < 1:
        raise ValueError("copies are numbered from 1")
    return dataclasses.replace(article, id=textlib.copy_id(article.id, k), replay_of=article.id, copy=k)


def with_copies(article: Article, loop: int) -> Iterator[Article]:
    """The article followed by its ``loop`` copies."""
    yield article
    for k in range(1, loop + 1):
        yield make_copy(article, k)


def copy_dict(original: dict, k: int) -> dict:
    """The wire dict of the k-th copy from the original's ``Article.to_dict()``: the same
    as ``make_copy(article, k).to_dict()`` without re-walking the dataclass (cheap for big loops)."""
    data = dict(original)
    data["id"] = textlib.copy_id(original["id"], k)
    data["replay_of"] = original["id"]
    data["copy"] = k
    return data
