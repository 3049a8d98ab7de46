"""Stories and claims: quality on the gold feed, and the stage's speed and state.

(a) quality: story pairwise P/R/F1 and B-cubed F1, claim pairwise F1 (figures in
    different articles) on tests/gold/stories, in published order and averaged over
    shuffled arrival orders (a stream interleaves partitions);
(b) the pure Assigner's articles per second, and the state it keeps: bytes of JSON per
    article in the window after sweeping (looped copies of the seed articles, real news of
    3-4 KB, each copy shifted by COPY_SHIFT_DAYS so that it makes stories of its own);
(c) the stream stage (services/stories, one worker, real broker): articles per second
    from articles.enriched to articles.storied;
(d) one extract worker's ceiling on the same articles (Extractor.extract in process: a
    worker is slower still), and the ratio (c) / (d); the floor is 20×.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from bench_dedup import _cpu_seconds, _dir_bytes, _log_bytes, _peak_rss_mb, start_broker

COPY_SHIFT_DAYS = 6  # > the story window: each copy of the seeds' story is a story of its own


def enriched_corpus():
    """(gold articles as (url, enriched), labels, extract seconds per article, base articles)."""
    from svodka.extract.pipeline import Extractor
    from svodka.records import Article
    from svodka.stories import gold
    from svodka.text import split_seed_header

    articles, labels = gold.load()
    seeds = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        date, text = split_seed_header(path.read_text(encoding="utf-8"))
        seeds.append(Article(id=path.stem, source="seed", text=text, title=text[:80],
                             published_at=f"{date}T12:00:00+00:00" if date else None))
    extractor = Extractor()
    gold_enriched = [(a.url, extractor.extract(a)) for a in articles]
    # Speed is measured on the seeds: real news articles of 3-4 KB, the size the extract
    # benchmarks use (the gold texts are short excerpts, cheap to extract and to assign).
    extractor.extract(seeds[0])  # warm caches
    t0, cpu0 = time.perf_counter(), time.process_time()
    rounds = 3
    for _ in range(rounds):
        seed_enriched = [extractor.extract(a) for a in seeds]
    n = rounds * len(seeds)
    per_article = {"wall": (time.perf_counter() - t0) / n, "cpu": (time.process_time() - cpu0) / n}
    return gold_enriched, labels, per_article, seed_enriched


def looped(base, n: int):
    """n enriched articles: copies of ``base`` with new ids, shifted in time per copy."""
    out = []
    copy = 0
    while len(out) < n:
        shift = timedelta(days=COPY_SHIFT_DAYS * copy)
        for a in base:
            when = datetime.fromisoformat((a.published_at or "2026-01-01T00:00:00+00:00").replace("Z", "+00:00"))
            out.append(dataclasses.replace(
                a, id=f"{a.id}-{copy}", published_at=(when + shift).isoformat(),
                mentions=list(a.mentions), figures=[dataclasses.replace(f) for f in a.figures]))
            if len(out) == n:
                break
        copy += 1
    return out


def bench_quality(gold_enriched, labels, shuffles: int = 20) -> dict:
    from svodka.stories.assigner import LocalAssigner
    from svodka.stories.evaluation import score_on_gold

    ordered = score_on_gold(gold_enriched, labels, LocalAssigner().assign)
    story_f1, bcubed, claim_f1 = [], [], []
    for seed in range(shuffles):
        order = list(gold_enriched)
        random.Random(seed).shuffle(order)
        s = score_on_gold(order, labels, LocalAssigner().assign)
        story_f1.append(s.stories.f1)
        bcubed.append(s.bcubed)
        claim_f1.append(s.claims.f1)
    return {"published_order": ordered.as_dict(),
            "shuffled": {"orders": shuffles, "stories_f1_mean": round(statistics.mean(story_f1), 4),
                         "stories_f1_min": round(min(story_f1), 4),
                         "stories_bcubed_f1_mean": round(statistics.mean(bcubed), 4),
                         "claims_f1_mean": round(statistics.mean(claim_f1), 4),
                         "claims_f1_min": round(min(claim_f1), 4)}}


def bench_pure(base, n: int) -> dict:
    from svodka.stories.assigner import Assigner

    articles = looped(base, n)
    state: dict = {}
    assigner = Assigner(state)
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i, article in enumerate(articles, 1):
        assigner.assign(article)
        if i % 1000 == 0:
            assigner.sweep()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    assigner.sweep()
    memos = sum(1 for k in state if k.startswith("a:"))
    by_kind = {"s": 0, "c": 0, "a": 0}
    for k, v in state.items():
        by_kind[k[0]] += len(k) + len(json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode())

    # Per article at a steady rate: stories and memos are kept story_keep_days, relayed
    # claims keep_days, so each kind's bytes are shared by the articles of its own horizon.
    from svodka.stories.assigner import DAY_MS, article_time_ms

    times = [article_time_ms(a) for a in articles]
    newest = max(times)
    in_story_window = sum(1 for t in times if t >= newest - assigner.p.story_keep_days * DAY_MS)
    in_claim_window = sum(1 for t in times if t >= newest - assigner.p.keep_days * DAY_MS)
    per_article = (by_kind["s"] + by_kind["a"]) / max(in_story_window, 1) + by_kind["c"] / max(in_claim_window, 1)
    return {"articles": n, "articles_per_s": round(n / seconds, 1), "ms_per_article": round(1000 * seconds / n, 3),
            "cpu_ms_per_article": round(1000 * cpu / n, 3),
            "state_entries": len(state), "articles_in_state": memos,
            "state_bytes_per_article": round(per_article, 1),
            "articles_in_windows": {"stories_and_memos": in_story_window, "claims": in_claim_window},
            "state_bytes": {"stories": by_kind["s"], "claims": by_kind["c"], "memos": by_kind["a"]},
            "stories": sum(1 for k in state if k.startswith("s:")),
            "claims": sum(1 for k in state if k.startswith("c:"))}


def start_stage(bootstrap: str, home: Path, data_dir: Path, partitions: int, log: Path) -> subprocess.Popen:
    from svodka.runtime.localkafka import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    env.update(SVODKA_KAFKA_BOOTSTRAP=bootstrap, SVODKA_HOME=str(home), SVODKA_DATA_DIR=str(data_dir),
               SVODKA_PARTITIONS=str(partitions), SVODKA_WEB_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "svodka_services.stories", "worker", "-l", "warn"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)


async def _publish(bootstrap: str, payloads: list[tuple[bytes, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, compression_type="snappy",
                                max_batch_size=512 * 1024)
    await producer.start()
    try:
        futures = [await producer.send("articles.enriched", key=k, value=v) for k, v in payloads]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _collect(bootstrap: str, ids: set[bytes], timeout: float, partitions: int) -> float:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition("articles.storied", p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen: set[bytes] = set()
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while not ids <= seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids - seen)} of {len(ids)} articles did not come out in {timeout}s")
            for messages in (await consumer.getmany(timeout_ms=200, max_records=10000)).values():
                for m in messages:
                    if m.key in ids and m.key not in seen:
                        seen.add(m.key)
                        last = time.monotonic()
        return last
    finally:
        await consumer.stop()


def bench_stream(base, n: int, partitions: int, timeout: float) -> dict:
    from svodka.runtime.topics import ensure_topics
    from svodka.settings import PIPELINE_TOPICS

    tmp = Path(tempfile.mkdtemp(prefix="bench-stories-"))
    broker = start_broker(tmp / "home")
    worker = None
    try:
        asyncio.run(ensure_topics(broker.bootstrap, PIPELINE_TOPICS, partitions))
        worker = start_stage(broker.bootstrap, tmp / "home", tmp / "data", partitions, tmp / "stories.log")
        warm = looped(base[:1], 1)[0]
        warm.id = "warm-up"
        t0 = time.monotonic()
        asyncio.run(_publish(broker.bootstrap, [(b"warm-up", warm.to_json())]))
        asyncio.run(_collect(broker.bootstrap, {b"warm-up"}, timeout, partitions))
        warm_s = time.monotonic() - t0
        articles = looped(base, n)
        payloads = [(a.id.encode(), a.to_json()) for a in articles]
        cpu0 = _cpu_seconds(worker.pid)

        async def run() -> tuple[float, float]:
            collector = asyncio.create_task(_collect(broker.bootstrap, {k for k, _ in payloads}, timeout, partitions))
            await asyncio.sleep(0.5)
            start = time.monotonic()
            await _publish(broker.bootstrap, payloads)
            return start, await collector

        start, last = asyncio.run(run())
        cpu = _cpu_seconds(worker.pid) - cpu0
        time.sleep(2.0)
        rss = _peak_rss_mb(worker.pid)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
        return {"articles": n, "articles_per_s": round(n / (last - start), 1), "seconds": round(last - start, 2),
                "worker_cpu_seconds": round(cpu, 2), "warm_up_seconds": round(warm_s, 1), "worker_peak_rss_mb": rss,
                "rocksdb_bytes_per_article": round(_dir_bytes(tmp / "data") / (n + 1), 1),
                "changelog_bytes_per_article": round(_log_bytes(broker.data_dir, "changelog") / (n + 1), 1),
                "enriched_payload_bytes": round(statistics.mean(len(v) for _, v in payloads)),
                "partitions": partitions}
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--articles", type=int, default=5000, help="articles through the stream stage (default 5000)")
    ap.add_argument("--pure-articles", type=int, default=20000, help="articles through the pure Assigner (default 20000)")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-stream", action="store_true", help="skip the stream stage (no broker)")
    ap.add_argument("--json", action="store_true", help="print one JSON line (for bench/run.py)")
    args = ap.parse_args(argv)

    gold_enriched, labels, extract_s, base = enriched_corpus()
    result = {"quality": bench_quality(gold_enriched, labels), "pure": bench_pure(base, args.pure_articles),
              "extract_articles_per_s": round(1 / extract_s["wall"], 1),
              "extract_cpu_ms_per_article": round(1000 * extract_s["cpu"], 2)}
    if not args.no_stream:
        stream = result["stream"] = bench_stream(base, args.articles, args.partitions, args.timeout)
        # Two ratios: wall-clock rates (as the floor is worded), and CPU per article, which
        # a loaded shared machine distorts less (both sides measured in the same run).
        result["stream_vs_extract"] = round(stream["articles_per_s"] / result["extract_articles_per_s"], 1)
        stream_cpu_ms = 1000 * stream["worker_cpu_seconds"] / stream["articles"]
        stream["cpu_ms_per_article"] = round(stream_cpu_ms, 3)
        result["stream_vs_extract_cpu"] = round(result["extract_cpu_ms_per_article"] / stream_cpu_ms, 1)
    q = result["quality"]["published_order"]
    result["ok"] = (q["stories"]["f1"] >= 0.90 and q["claims"]["f1"] >= 0.85
                    and result.get("stream_vs_extract", 20) >= 20)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
