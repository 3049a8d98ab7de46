"""Pipeline records built for tests, with real Russian text."""

from __future__ import annotations

from svodka.records import Article, EnrichedArticle, Figure, Mention

INGESTED = "2025-11-10T12:00:00.000+00:00"


def article(ident: str, text: str, *, copy: int = 0, published_at: str | None = None,
            ingested_at: str = INGESTED) -> Article:
    """An article as the producer publishes it; a ``copy`` k > 0 is a ``--loop`` copy of
    the id before the last ``-``."""
    return Article(id=ident, source=f"test://{ident}", text=text, title=ident, copy=copy,
                   replay_of=ident.rsplit("-", 1)[0] if copy else None, published_at=published_at,
                   ingested_at=ingested_at)


def enriched(i: int) -> EnrichedArticle:
    """The ``i``-th of a series of small enriched articles (two mentions, one figure)."""
    return EnrichedArticle(
        id=f"sink-{i:04d}", source=f"test/{i}.txt", title=f"Статья {i}", published_at="2025-07-12T00:00:00+00:00",
        date_source="header", ingested_at="2025-07-12T01:00:00+00:00", lang="ru", length=500,
        mentions=[Mention("КНДР", "КНДР", "Северная Корея", "loc:северная-корея", "LOC", 0, 4, 0),
                  Mention("Лавров", "Лавров", "Сергей Лавров", "per:сергей-лавров", "PER", 10, 16, 0)],
        figures=[Figure("около 4 тысяч солдат", 4000.0, 4000.0, "солдат", "", "approx", 20, 40, 1, [], "")])


def enriched_article(id: str, mentions: int = 2, figures: int = 1, day: str = "2025-07-12") -> EnrichedArticle:
    """An enriched article published on ``day`` with ``mentions`` mentions of Lavrov and
    ``figures`` copies of «25−30 тысяч солдат»."""
    return EnrichedArticle(
        id=id, source=f"seeds/{id}.txt", title="Лавров в Пхеньяне", published_at=f"{day}T00:00:00+00:00",
        date_source="header", ingested_at="2025-07-13T10:00:00+00:00", lang="ru", length=1000,
        mentions=[Mention("Лаврова", "Лавров", "Сергей Лавров", "per:сергей-лавров", "PER", 10 * i, 10 * i + 7, i)
                  for i in range(mentions)],
        figures=[Figure("25−30 тысяч солдат", 25000.0, 30000.0, "солдат", "", "exact", 100, 118, 3,
                        ["Северная Корея"], "украинская разведка") for _ in range(figures)])
