"""Sink throughput: rows/s written through clickhouse-connect into chDB by the sink's Writer.

100,000 mention rows (1,000 articles × 100 mentions, plus their figures and article rows)
in batches of 100 articles — the same code path as the sink service, including the
idempotency check before each insert.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from svodka.store import connect
from svodka.store.schema import migrate
from svodka.store.writer import Batch, Writer
from svodka.records import EnrichedArticle, Figure, Mention

NAMES = [("Сергей Лавров", "per:сергей-лавров", "PER"), ("Северная Корея", "loc:северная-корея", "LOC"),
         ("МИД России", "org:мид-россии", "ORG"), ("Ким Чен Ын", "per:ким-чен-ын", "PER")]


def make_articles(n_articles: int, mentions_per_article: int) -> list[EnrichedArticle]:
    out = []
    for i in range(n_articles):
        mentions = [Mention(NAMES[j % 4][0], NAMES[j % 4][0], NAMES[j % 4][0], NAMES[j % 4][1], NAMES[j % 4][2],
                            j * 20, j * 20 + 12, j // 5) for j in range(mentions_per_article)]
        figures = [Figure("около 4 тысяч северокорейских солдат", 4000.0, 4000.0, "солдат", "северокорейский",
                          "approx", 100, 136, 3, ["Северная Корея"], "западные чиновники")] * 5
        out.append(EnrichedArticle(
            id=f"bench-{i:06d}", source=f"bench/{i}.txt", title="Лавров прибыл в Пхеньян",
            published_at=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00+00:00", date_source="header",
            ingested_at="2025-12-31T00:00:00+00:00", lang="ru", length=3000, mentions=mentions, figures=figures))
    return out


def run(mention_rows: int = 100_000, per_article: int = 100, batch_articles: int = 500) -> dict:
    articles = make_articles(mention_rows // per_article, per_article)
    with tempfile.TemporaryDirectory() as tmp:
        client = connect(f"chdb://{tmp}/store", create_database=True)
        migrate(client)
        writer = Writer(client)
        warm_up = make_articles(1, 1)[0]
        warm_up.id = "warm-up"
        writer.write(Batch(articles=[warm_up]))  # the first insert creates the tables' first parts
        start = time.perf_counter()
        total = 0
        for i in range(0, len(articles), batch_articles):
            total += writer.write(Batch(articles=articles[i:i + batch_articles])).total_rows
        seconds = time.perf_counter() - start
        stored = client.query("SELECT count() FROM mentions").result_rows[0][0]
    return {"mention_rows": stored - 1, "total_rows": total, "batch_articles": batch_articles,
            "seconds": round(seconds, 3),
            "mention_rows_per_s": round((stored - 1) / seconds), "rows_per_s": round(total / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="mention rows to write")
    parser.add_argument("--batch", type=int, default=500, help="articles per sink batch (100 mentions each)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.rows, batch_articles=args.batch)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"sink: {result['mention_rows']} mention rows ({result['total_rows']} rows in all, "
              f"{result['batch_articles']} articles per batch) in "
              f"{result['seconds']} s = {result['mention_rows_per_s']:,} mention rows/s, "
              f"{result['rows_per_s']:,} rows/s")


if __name__ == "__main__":
    main()
