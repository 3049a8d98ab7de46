"""``svodka extract``: read files into articles and print their extraction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from svodka.records import Article, EnrichedArticle
from svodka.text import article_id, sha256_hex, split_seed_header


def articles_from_paths(paths: list[str]) -> Iterator[Article | str]:
    """Articles from files (directories are walked); a str item is an error for that path."""
    for name in paths:
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                raw = file.read_bytes()
                text = raw.decode("utf-8-sig")
            except OSError as exc:
                yield f"{file}: cannot read ({exc.strerror or exc})"
                continue
            except UnicodeDecodeError:
                yield f"{file}: not UTF-8 text (use `svodka ingest`, which detects cp1251/KOI8-R)"
                continue
            if not text.strip():
                yield f"{file}: empty file"
                continue
            date, body = split_seed_header(text)
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            yield Article(id=article_id(file.name, body), source=str(file), text=body,
                          published_at=f"{date}T00:00:00+00:00" if date else None,
                          date_source="header" if date else "ingest", ingested_at=now,
                          content_sha256=sha256_hex(body))


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
