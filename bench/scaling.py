"""docs/SCALING.md from one `make bench` run: what a core does per stage, query
latency as the store grows, and the workers and partitions two target loads need.

The arithmetic is here, not in prose, so every figure in the document comes from
the run that wrote it: per stage, CPU milliseconds per article measured on the
stage's processes (/proc/<pid>/stat) during the 2-worker pipeline run; a core-hour
is 3.6·10^6 ms of that; a target rate needs rate × ms / 1000 cores, planned at
70% utilisation so a worker has headroom for bursts and rebalances.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

UTILISATION = 0.7
TARGETS = [("1 million articles an hour", 1_000_000 / 3600), ("10^8 articles backfilled in a day", 1e8 / 86400)]


def _per_core_hour(ms: float) -> str:
    return f"{3.6e6 / ms:,.0f}" if ms > 0 else "—"


def write_scaling(results: dict, path: Path, machine: str) -> None:
    pipe = results.get("bench_pipeline.py", {})
    extract = results.get("bench_extract.py", {})
    queries = results["bench_queries.py"]
    sink = results.get("bench_sink.py", {})
    dedup = results.get("bench_dedup.py", {})
    producer = results.get("bench_producer.py", {})
    base = queries.get("copy_zero", {})
    mentions_per_article = base.get("mentions", 0) / max(1, base.get("articles", 1))
    figures_per_article = base.get("figures", 0) / max(1, base.get("articles", 1))
    rows_per_article = mentions_per_article + figures_per_article + 1

    cpu = dict((pipe.get("two_workers") or {}).get("cpu_ms_per_article") or {})
    if "producer" not in cpu and producer.get("articles_per_s"):
        cpu["producer"] = 1000 / producer["articles_per_s"]  # bench_producer: one process, one core
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L = [
        "# Scaling: a cost model from measurements",
        "",
        "Written by `make bench` (`bench/run.py` → `bench/scaling.py`) from the figures of that run;",
        "the reasoning that does not change from run to run is in the notes at the end.",
        "",
        f"- Date: {now}",
        f"- Machine: {machine}; shared with other engineers' test runs while measured, so wall-clock",
        "  throughput is noisy; CPU time per article (below) is not.",
        f"- Articles: the seeds, {mentions_per_article:.0f} mentions and {figures_per_article:.1f} figures an article"
        f" ({rows_per_article:.0f} rows in ClickHouse with the article's own).",
        "",
        "## What a core does, per stage",
        "",
        "CPU milliseconds per article of each stage's processes during the 2-extract-worker pipeline run",
        "(`bench_pipeline.py`, 2,000 looped seed articles), and what one core-hour buys at that cost.",
        "",
        "| stage | CPU ms / article | articles per core-hour | also measured |",
        "|---|---|---|---|",
    ]
    also = {
        "extract": (f"extraction alone {extract.get('extract_aps', 0):.0f} art/s cold cache, "
                    f"{extract.get('extract_warm_aps', 0):.0f} warm (one process, `bench_extract`); "
                    f"1 worker end to end {(pipe.get('one_worker') or {}).get('articles_per_s', 0):.0f} art/s"),
        "dedup": f"one worker through Kafka {dedup.get('stream_articles_per_s', 0):,.0f} art/s (`bench_dedup`)",
        "sink": (f"{sink.get('mention_rows_per_s', 0):,} mention rows/s, {sink.get('rows_per_s', 0):,} rows/s in all "
                 f"into chDB (`bench_sink`, batches of 500 articles)"),
        "broker": "the local Kafka broker (one JVM), all topics",
        "producer": f"{producer.get('articles_per_s', 0):,.0f} art/s publishing (`bench_producer`)",
    }
    for stage in ("extract", "dedup", "sink", "broker", "producer"):
        ms = cpu.get(stage, 0.0)
        L.append(f"| {stage} | {ms:.2f} | {_per_core_hour(ms)} | {also.get(stage, '')} |")
    total = sum(cpu.get(k, 0.0) for k in ("extract", "dedup", "sink", "broker", "producer"))
    L += [f"| **all** | **{total:.2f}** | **{_per_core_hour(total)}** | |", ""]

    L += ["## Query latency as the store grows", "",
          "Every `svodka report` and every query of docs/sql.md on chDB (in process, this machine), best of 2",
          "warm runs after a cold one, in milliseconds. Rows are real extractions of the seeds replayed with",
          "shifted article ids and dates (`bench_queries.py`).", ""]
    scales = sorted(queries["scales"], key=int)
    L.append("| query | " + " | ".join(f"{int(s):,} mentions" for s in scales) + " | ≤ 1 s at the largest |")
    L.append("|---|" + "---|" * len(scales) + "---|")
    top = queries["scales"][scales[-1]]
    for name in top["queries"]:
        cells = [f"{queries['scales'][s]['queries'][name]['ms']:,.0f}" for s in scales]
        ok = top["queries"][name]["ms"] <= 1000
        L.append(f"| {name} | " + " | ".join(cells) + f" | {'yes' if ok else '**no** (see notes)'} |")
    gen = ", ".join(f"{int(s):,}: {queries['scales'][s]['rows']['articles']:,} articles, "
                    f"{queries['scales'][s]['rows']['figures']:,} figures, {queries['scales'][s]['mention_parts']} "
                    f"active parts of mentions, generated in {queries['scales'][s]['generate_s']} s" for s in scales)
    L += ["", f"Store sizes: {gen}.", ""]

    L += ["## Workers and partitions for two target loads", "",
          f"Cores per stage = articles/s × CPU ms per article ÷ 1000 ÷ {UTILISATION} (planned utilisation);",
          "workers = cores rounded up (each worker is one process on one core: one BLAS/ONNX thread).",
          "Partitions bound the workers of a consumer group, so every topic needs at least as many",
          "partitions as its busiest stage has workers; twice that leaves room to grow without",
          "repartitioning (Kafka cannot shrink a topic, and growing one moves keys).", ""]
    for title, rate in TARGETS:
        L += [f"### {title}: {rate:,.0f} articles/s", "",
              "| stage | cores | workers |", "|---|---|---|"]
        most = 1
        for stage in ("extract", "dedup", "sink", "broker"):
            ms = cpu.get(stage, 0.0)
            cores = rate * ms / 1000 / UTILISATION
            workers = max(1, math.ceil(cores))
            if stage != "broker":
                most = max(most, workers)
            L.append(f"| {stage} | {cores:.1f} | {workers}{' brokers (or fewer, larger ones)' if stage == 'broker' else ''} |")
        parts = 1 << math.ceil(math.log2(2 * most))
        rows_s = rate * rows_per_article
        L += ["", f"- Partitions per topic: {parts} (2 × {most} workers of the busiest stage, rounded up to a power of 2).",
              f"- ClickHouse inserts: {rows_s:,.0f} rows/s ({rate * mentions_per_article:,.0f} mention rows/s); "
              f"one sink core writes {sink.get('rows_per_s', 0):,} rows/s into chDB, so "
              f"{max(1, math.ceil(rows_s / max(1, sink.get('rows_per_s', 1)) / UTILISATION))} sink worker(s) by rows "
              f"alone; the CPU line above (decode, dedup check, insert) is the binding one.",
              ""]
    rows_day = 1e8 * mentions_per_article
    L += [f"After the backfill the store holds {rows_day:.1e} mention rows: the full scans of the slowest queries",
          "above grow linearly with rows (see the table), so at that size they need the pre-aggregated",
          "paths of the notes and a ClickHouse server cluster (`deploy/clickhouse/cluster`), not chDB.", ""]
    notes = path.parent / "SCALING.notes.md"
    if notes.exists():
        L += [notes.read_text(encoding="utf-8").strip(), ""]
    path.write_text("\n".join(L), encoding="utf-8")
