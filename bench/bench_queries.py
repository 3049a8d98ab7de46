"""Query latency of every report and every cookbook query at 10^5, 10^6 and 10^7 mention rows in chDB.

    .venv/bin/python bench/bench_queries.py [--scales 1e5,1e6,1e7] [--repeat 3] [--json]

The rows are real extractions replayed, not random text: the seeds are run through
the Extractor once and written by the sink's Writer (copy 0); then, inside chDB,
``INSERT … SELECT … FROM <copy 0> CROSS JOIN numbers(…)`` adds copies in bulk,
each with its own article ids (``<id>~<copy>``) and its dates shifted back by
``copy mod 1,096`` days (three years, so ~37 monthly partitions) and by up to a
day in seconds. articles, mentions and figures are replayed together, the
materialized daily aggregates fill as the sink's inserts fill them, and every
tenth copy gets a reprint in ``duplicates`` and every hundredth a dead letter.

What this data does not have: the seeds name ~100 distinct entities, so GROUP BY
canonical_id has ~100 groups where a real stream has 10^5–10^6; the notes in
docs/SCALING.md say what that changes.

Each query runs once cold and then ``--repeat`` times (default 2); the best warm time counts
(the median is printed too). Reports run through ``svodka report``'s own code
(services/cli/reports.py) with a ``Queries`` that times each statement; the
cookbook queries are read from docs/sql.md. ``--json`` prints one object with
the generation times and, per scale, per query, the milliseconds; the floor is
every query ≤ 1 s at 10^7 rows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
FLOOR_MS = 1000
MAX_SECONDS = 30  # a query is stopped here and counted as taking this long
DAYS = 1096


def cookbook() -> list[tuple[str, str]]:
    text = (REPO / "docs" / "sql.md").read_text(encoding="utf-8")
    return [(t.split(".")[0].strip(), sql) for t, sql in
            re.findall(r"^## (.+?)\n.*?```sql\n(.*?)```", text, flags=re.S | re.M)]


def copy_zero(client) -> dict:
    """The seeds extracted and written by the sink's Writer; counts per table."""
    from svodka.extract.pipeline import Extractor
    from svodka.store.writer import Batch, Writer
    from svodka_services.cli.extract_output import articles_from_paths

    articles = [a for a in articles_from_paths([str(REPO / "seeds")]) if not isinstance(a, str)]
    enriched = Extractor().extract_many(articles)
    Writer(client).write(Batch(articles=enriched))
    for table in ("articles", "mentions", "figures"):
        client.command(f"CREATE TABLE base_{table} ENGINE = Memory AS SELECT * FROM {table}")
    return {t: int(client.query(f"SELECT count() FROM base_{t}").result_rows[0][0])
            for t in ("articles", "mentions", "figures")}


def replay(client, first: int, last: int, chunk_copies: int) -> None:
    """Copies first … last-1 of copy 0 into articles, mentions, figures (and some
    duplicates and dead letters), ``chunk_copies`` copies per INSERT."""
    shift = (f"toDateTime64(published_at, 3, 'UTC') - toIntervalDay(n % {DAYS}) "
             f"- toIntervalSecond((n * 7919) % 86400)")
    for a in range(first, last, chunk_copies):
        b = min(last, a + chunk_copies)
        nums = f"(SELECT number AS n FROM numbers({a}, {b - a})) AS copies"
        client.command(
            "INSERT INTO articles (id, source, title, published_at, date_source, lang, ingested_at, length, "
            "mentions, figures, replay_of) "
            f"SELECT concat(id, '~', toString(n)), source, title, {shift}, date_source, lang, ingested_at, "
            f"length, mentions, figures, replay_of FROM base_articles CROSS JOIN {nums}")
        client.command(
            "INSERT INTO mentions (article_id, ordinal, published_at, canonical_id, canonical, type, text, normal, "
            "start, stop, sentence) "
            f"SELECT concat(article_id, '~', toString(n)), ordinal, {shift}, canonical_id, canonical, type, text, "
            f"normal, start, stop, sentence FROM base_mentions CROSS JOIN {nums}")
        client.command(
            "INSERT INTO figures (article_id, ordinal, published_at, unit, modifier, low, high, qualifier, text, "
            "sentence, entities, reported_by, start, stop) "
            f"SELECT concat(article_id, '~', toString(n)), ordinal, {shift}, unit, modifier, low, high, qualifier, "
            f"text, sentence, entities, reported_by, start, stop FROM base_figures CROSS JOIN {nums}")
        client.command(
            "INSERT INTO duplicates (id, dup_of, similarity, method, source, title, published_at, ingested_at) "
            "SELECT concat('reprint-', id, '~', toString(n)), concat(id, '~', toString(n)), 0.9, 'near', "
            f"concat('https://example.org/', toString(n)), title, {shift}, ingested_at "
            f"FROM base_articles CROSS JOIN {nums} WHERE n % 10 = 0")
        client.command(
            "INSERT INTO dead_letters (id, stage, source, reason, payload_head, at) "
            "SELECT concat('bad-', toString(n)), 'producer', concat('inbox/', toString(n), '.txt'), "
            f"'empty file', '', now64(3) FROM {nums} WHERE n % 100 = 0")


class TimedQueries:
    """``Queries`` for the report code: runs each statement on the bench's client
    (best of ``repeat`` warm runs after a cold one) and records the times."""

    def __init__(self, client, repeat: int) -> None:
        self.client = client
        self.repeat = repeat
        self.times: list[tuple[str, float, float, float]] = []  # sql, cold ms, best ms, median ms

    def run(self, sql: str, timeout: float | None = None):
        from svodka.store.query import QueryResult

        cold, result = _timed(self.client, sql)
        # a query far over the floor is run once more, not `repeat` times: the bench must end
        warm = [_timed(self.client, sql)[0] for _ in range(self.repeat if cold < 5 * FLOOR_MS else 1)]
        self.times.append((sql, cold, min(warm), statistics.median(warm)))
        return QueryResult(columns=list(result.column_names), types=[t.name for t in result.column_types],
                           rows=[list(r) for r in result.result_rows])

    def scalar(self, sql: str):
        rows = self.run(sql).rows
        return rows[0][0] if rows and rows[0] else None


def _timed(client, sql: str):
    t0 = time.perf_counter()
    try:
        result = client.query(sql, settings={"max_execution_time": MAX_SECONDS})
    except Exception as exc:  # noqa: BLE001 - a timed-out query is a result: "over MAX_SECONDS"
        if "TIMEOUT" not in str(exc).upper():
            raise
        result = SimpleNamespace(column_names=[], column_types=[], result_rows=[])
    return (time.perf_counter() - t0) * 1000, result


REPORTS = [
    ("report summary", dict(report="summary", limit=10, format="table")),
    ("report top-entities", dict(report="top-entities", type=None, since=None, until=None, limit=20, format="table")),
    ("report top-entities --type PER --since", dict(report="top-entities", type="PER", since="2025-01-01",
                                                    until="2025-06-30", limit=20, format="table")),
    ("report timeline КНДР", dict(report="timeline", entity="КНДР", by="day", png=None, format="table")),
    ("report timeline Лаврова --by week", dict(report="timeline", entity="Лаврова", by="week", png=None,
                                               format="table")),
    ("report figures --unit солдат", dict(report="figures", unit="солдат", entity=None, png=None, limit=200,
                                         format="table")),
    ("report figures --entity КНДР", dict(report="figures", unit=None, entity="КНДР", png=None, limit=200,
                                         format="table")),
    ("report co-mentions Ким Чен Ын", dict(report="co-mentions", entity="Ким Чен Ын", limit=20, format="table")),
]


def time_queries(client, repeat: int) -> dict[str, dict]:
    from svodka_services.cli import reports

    out: dict[str, dict] = {}
    for name, args in REPORTS:
        tq = TimedQueries(client, repeat)
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                reports.run(SimpleNamespace(**args), tq)
            except reports.QueryError:  # a statement timed out and the report found nothing
                pass
        out[name] = {"statements": len(tq.times), "cold_ms": round(sum(t[1] for t in tq.times), 1),
                     "ms": round(sum(t[2] for t in tq.times), 1), "median_ms": round(sum(t[3] for t in tq.times), 1),
                     "slowest_statement": max(tq.times, key=lambda t: t[2])[0][:160]}
    for number, sql in cookbook():
        tq = TimedQueries(client, repeat)
        tq.run(sql)
        _, cold, best, median = tq.times[0]
        out[f"cookbook {number}"] = {"statements": 1, "cold_ms": round(cold, 1), "ms": round(best, 1),
                                     "median_ms": round(median, 1)}
    return out


def run(scales: list[int], repeat: int, chunk_copies: int = 2000) -> dict:
    from svodka.store import connect
    from svodka.store.schema import migrate

    result: dict = {"scales": {}}
    with tempfile.TemporaryDirectory(prefix="svodka-bench-queries-") as tmp:
        client = connect(f"chdb://{tmp}/store", create_database=True)
        migrate(client)
        base = copy_zero(client)
        result["copy_zero"] = base
        copies = 1
        for scale in sorted(scales):
            want = max(1, -(-scale // base["mentions"]))
            t0 = time.perf_counter()
            replay(client, copies, want, chunk_copies)
            gen = time.perf_counter() - t0
            copies = max(copies, want)
            client.command("OPTIMIZE TABLE mentions_daily FINAL")  # as background merges would, in time
            client.command("OPTIMIZE TABLE figures_daily FINAL")
            counts = {t: int(client.query(f"SELECT count() FROM {t}").result_rows[0][0])
                      for t in ("articles", "mentions", "figures", "duplicates", "mentions_daily")}
            parts = int(client.query("SELECT count() FROM system.parts WHERE active AND table = 'mentions'")
                        .result_rows[0][0])
            times = time_queries(client, repeat)
            result["scales"][str(scale)] = {"copies": copies, "generate_s": round(gen, 1), "rows": counts,
                                            "mention_parts": parts, "queries": times,
                                            "slowest_ms": max(q["ms"] for q in times.values())}
            print(f"  {scale:>10,} mention rows ({counts['mentions']:,}; {copies:,} copies, generated in "
                  f"{gen:.1f} s): slowest query {result['scales'][str(scale)]['slowest_ms']:.0f} ms",
                  file=sys.stderr, flush=True)
    top = result["scales"][str(max(scales))]
    result["over_floor"] = sorted(k for k, q in top["queries"].items() if q["ms"] > FLOOR_MS)
    result["ok"] = max(scales) < 10**7 or not result["over_floor"]
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1e5,1e6,1e7", help="mention rows, comma-separated (default 1e5,1e6,1e7)")
    ap.add_argument("--repeat", type=int, default=2, help="warm runs per query; the best counts (default 2)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    scales = [int(float(s)) for s in args.scales.split(",") if s.strip()]
    r = run(scales, max(1, args.repeat))
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
    else:
        names = list(r["scales"][str(scales[0])]["queries"])
        print(f"{'query':42s}" + "".join(f"{s:>12,}" for s in scales) + "   (ms, best warm run)")
        for name in names:
            print(f"{name:42s}" + "".join(f"{r['scales'][str(s)]['queries'][name]['ms']:12.1f}" for s in scales))
        print("over 1 s at the largest scale:", ", ".join(r["over_floor"]) or "none")
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
