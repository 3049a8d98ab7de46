"""`make bench`: every benchmark in one run, the ratios against their floors, and
docs/BENCHMARKS.md rewritten with the figures, the machine and the date.

Each benchmark is its own script (run one alone with `--help`); this runs them in
sequence — never side by side, since they would share the two cores — and reads
their `--json` output.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

# name, script, extra arguments, function(result) -> (measured, floor text, ok)
CHECKS = [
    ("extraction vs natasha segment + batched map NER", "bench_extract.py", [],
     lambda r: (f"natasha {r['natasha_aps']:.1f} art/s; extraction {r['extract_aps']:.1f} art/s cold cache "
                f"(ratio {r['ratio']:.2f}), {r['extract_warm_aps']:.1f} warm (ratio {r['ratio_warm']:.2f}); "
                f"NER alone: natasha map {r['natasha_ner_map_aps']:.1f}, ner.py numpy {r['ner_numpy_aps']:.1f}, "
                f"onnx {r['ner_onnx_aps']:.1f} art/s (backend {r['ner_backend']})",
                "ratio ≥ 1.25 (goal 2)", r["ok"])),
    ("extraction quality on the news gold and the seeds' gold", "bench_quality.py", [],
     lambda r: (f"news: P {r['news']['precision']:.3f}, R {r['news']['recall']:.3f}, unit {r['news']['unit']:.3f}, "
                f"qualifier {r['news']['qualifier']:.3f}, action {r['news']['action']:.3f}, "
                f"entity recall {r['news']['entity_recall']:.3f}, date {r['news']['date']:.3f}; "
                f"seeds: P {r['seeds']['precision']:.3f}, R {r['seeds']['recall']:.3f}, unit {r['seeds']['unit']:.3f}, "
                f"entity recall {r['seeds']['entity_recall']:.3f}",
                "news P, R ≥ 0.95, unit ≥ 0.92, action ≥ 0.85, entity recall ≥ 0.95", r["ok"])),
    ("producer, 10,000 looped seed articles", "bench_producer.py", [],
     lambda r: (f"{r['articles_per_s']:,.0f} articles/s, {r['mb_per_s']:.1f} MB/s", "> 2,000 articles/s", r["ok"])),
    ("dedup, one worker", "bench_dedup.py", [],
     lambda r: (", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in r.items()
                          if k.endswith("articles_per_s") and isinstance(v, (int, float))),
                "> 1,000 articles/s per worker", r.get("ok", True))),
    ("sink, 100,000 mention rows on chDB", "bench_sink.py", [],
     lambda r: (f"{r['mention_rows_per_s']:,} mention rows/s ({r['rows_per_s']:,} rows/s in all)",
                "> 50,000 rows/s", r["mention_rows_per_s"] > 50_000)),
    ("stories and claims: gold feed, stage vs one extract worker", "bench_stories.py", [],
     lambda r: (f"stories pairwise P/R/F1 {r['quality']['published_order']['stories']['precision']:.2f}/"
                f"{r['quality']['published_order']['stories']['recall']:.2f}/"
                f"{r['quality']['published_order']['stories']['f1']:.3f}, B-cubed F1 "
                f"{r['quality']['published_order']['stories_bcubed_f1']:.3f}, claims pairwise F1 "
                f"{r['quality']['published_order']['claims']['f1']:.3f} (20 shuffled orders: stories "
                f"{r['quality']['shuffled']['stories_f1_mean']:.3f}, claims {r['quality']['shuffled']['claims_f1_mean']:.3f}); "
                f"stage {r['stream']['articles_per_s']:,.0f} art/s = {r['stream_vs_extract']}× one extract worker "
                f"({r['stream_vs_extract_cpu']}× by CPU per article); state "
                f"{r['pure']['state_bytes_per_article']:,.0f} B per article in the window",
                "stories F1 ≥ 0.90, claims F1 ≥ 0.85, stage ≥ 20× extract", r["ok"])),
    ("pipeline, 2,000 looped articles end to end", "bench_pipeline.py", [],
     lambda r: (f"extraction alone {r['extract_alone_aps']:.1f} art/s; 1 extract worker "
                f"{r['one_worker']['articles_per_s']:.1f} art/s ({r['ratio_one_worker_vs_extract']:.2f}× extraction); "
                f"2 workers {r['two_workers']['articles_per_s']:.1f} art/s ({r['ratio_two_vs_one']:.2f}× 1 worker; "
                f"best of runs at {r['one_worker']['runs_articles_per_s']} and "
                f"{r['two_workers']['runs_articles_per_s']} art/s); latency at {r['latency']['rate']} art/s p50 "
                f"{r['latency']['p50_ms']} ms, p99 {r['latency']['p99_ms']} ms; extract peak RSS {r['peak_rss_mb']} MB"
                + "".join(f"; {k} {'met' if v else 'MISSED'}" for k, v in r.get("floors", {}).items()),
                "1 worker ≥ 0.9× extraction; 2 ≥ 1.75× 1; p99 ≤ 1 s; RSS ≤ 400 MB", r["ok"])),
    ("queries: every report and cookbook query at 10^5, 10^6, 10^7 mention rows (chDB)", "bench_queries.py", [],
     lambda r: _queries(r)),
    ("dashboard pages, 100,000 articles stored", "bench_web.py", [],
     lambda r: ("; ".join(f"{name} {t['median_ms']} ms" for name, t in r["pages"].items())
                + f" (median of 5; {r['stored']['articles']:,} articles, {r['stored']['mentions']:,} mentions)",
                "every page < 1 s", r["ok"])),
]


def _queries(r) -> tuple[str, str, bool]:
    scales = r["scales"]
    top = scales[max(scales, key=int)]
    parts = [f"{int(k):,} mention rows: slowest {v['slowest_ms']:,.0f} ms" for k, v in
             sorted(scales.items(), key=lambda kv: int(kv[0]))]
    over = r["over_floor"]
    text = "; ".join(parts) + f" (generated in {top['generate_s']} s); over 1 s at the largest: " + (
        ", ".join(f"{q} {top['queries'][q]['ms']:,.0f} ms" for q in over) or "none")
    return text, "every report and cookbook query ≤ 1 s at 10^7 rows", r["ok"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    return (f"{os.cpu_count()} cores ({cpu}), {mem} RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> int:
    only = sys.argv[1:]
    rows = []
    results: dict[str, dict] = {}
    for name, script, args, describe in CHECKS:
        if only and not any(o in script for o in only):
            continue
        print(f"== {name} ({script}) ...", file=sys.stderr, flush=True)
        start = time.monotonic()
        proc = subprocess.run([sys.executable, str(BENCH / script), "--json", *args], capture_output=True, text=True,
                              cwd=REPO)
        seconds = time.monotonic() - start
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            measured, floor, ok = describe(result)
            results[script] = result
        except (IndexError, ValueError, KeyError) as exc:
            measured, floor, ok = f"failed ({exc!r}); stderr: {proc.stderr.strip()[-300:]}", "", False
        rows.append((name, measured, floor, ok, seconds))
        print(f"   {'ok ' if ok else 'LOW'} {measured}  [{floor}]  ({seconds:.0f} s)", file=sys.stderr, flush=True)

    print()
    for name, measured, floor, ok, _ in rows:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {measured}  (floor: {floor})")
    if not only:
        write_doc(rows)
    if "bench_queries.py" in results:
        from scaling import write_scaling

        write_scaling(results, REPO / "docs" / "SCALING.md", machine())
    return 0 if all(r[3] for r in rows) else 1


def write_doc(rows) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`), which runs every benchmark in sequence and",
        "compares each figure with its floor. Each script also runs alone (`--help`).",
        "",
        f"- Date: {now}",
        f"- Machine: {machine()}",
        "",
        "| benchmark | measured | floor | |",
        "|---|---|---|---|",
    ]
    for name, measured, floor, ok, seconds in rows:
        lines.append(f"| {name} | {measured} | {floor} | {'pass' if ok else '**below floor**'} ({seconds:.0f} s) |")
    notes = REPO / "docs" / "BENCHMARKS.notes.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    (REPO / "docs" / "BENCHMARKS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
