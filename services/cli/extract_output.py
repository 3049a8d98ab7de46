"""``svodka extract``: read files into articles and print their extraction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

from svodka.ingest import sources
from svodka.records import Article, EnrichedArticle


def articles_from_paths(paths: list[str]) -> Iterator[Article | str]:
    """Articles from files, directories, JSON (lines) and '-', read exactly as
    ``svodka ingest`` reads them (same ids, encodings and dates); a str item is the
    reason an input could not be read."""
    for item in sources.read_inputs(paths):
        if isinstance(item, sources.BadInput):
            yield f"{item.source}: {item.message}"
        elif isinstance(item, Article):
            yield item


def extraction_json(result: EnrichedArticle) -> dict:
    return {
        "id": result.id,
        "source": result.source,
        "published_at": result.published_at,
        "date_source": result.date_source,
        "lang": result.lang,
        "entities": [asdict(m) for m in result.mentions],
        "figures": [asdict(f) for f in result.figures],
    }


def _fmt_value(low, high) -> str:
    def num(x):
        return "?" if x is None else (f"{x:,.0f}".replace(",", " ") if float(x).is_integer() else f"{x:g}")
    return num(low) if low == high else f"{num(low)}–{num(high)}"


def print_extraction(result: EnrichedArticle, article: Article, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(extraction_json(result), ensure_ascii=False))
        return
    print(f"== {article.source}  id={result.id}  published_at={result.published_at} ({result.date_source})"
          f"  lang={result.lang}")
    print(f"entities ({len(result.mentions)} mentions):")
    seen: dict[tuple, int] = {}
    for m in result.mentions:
        seen[(m.type, m.canonical)] = seen.get((m.type, m.canonical), 0) + 1
    for (kind, name), n in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:<4} {name}  ×{n}")
    print(f"figures ({len(result.figures)}):")
    for f in result.figures:
        who = f"  [{f.reported_by}]" if f.reported_by else ""
        unit = f"{f.modifier} {f.unit}".strip()
        print(f"  {f.qualifier:<9} {_fmt_value(f.low, f.high):>15}  {unit:<30} «{f.text}»{who}")
    print()
