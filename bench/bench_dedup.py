"""Dedup throughput for one worker: (a) the pure logic, (b) through the real stream.

    .venv/bin/python bench/bench_dedup.py [-n N] [--rounds R] [--partitions P] [--json] [--skip-stream]

(a) pure: per article, what the stream computes — decode the JSON payload, normalise,
    exact key, word-bigram hashes, MinHash and band keys, the record, then the whole
    chain (first-seen check and the 8 band buckets) on in-memory dicts — for N looped
    seed articles (copy k = 0, 1, …: distinct articles, as ``svodka ingest --loop``
    makes them). Also reports the logical state per article (key + value bytes of
    both tables) and where the time goes.
(b) stream: a scratch Kafka broker (jars from .svodka/kafka/libs), one dedup worker as
    a real subprocess; after a warm-up article has gone through, each round publishes
    N new looped seed articles to articles.raw and the clock runs until all N ids are
    on articles.unique / articles.duplicates. The best of R rounds is the figure (the
    machine is shared; like bench_extract.py keeps its best round); each round also
    reports the worker's CPU time, so articles per worker CPU-second shows the cost
    independently of what else runs. At the end: the worker's RocksDB size and the
    changelog segment bytes on the broker, per article.

The floor is > 1,000 articles/s per worker. ``--json`` prints one object with
``pure_articles_per_s``, ``stream_articles_per_s`` and ``ok`` (for bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "libs"))  # runnable without installing the package

from svodka.records import Article  # noqa: E402
from svodka.timeutil import now_iso  # noqa: E402
from svodka.text import article_id, split_seed_header  # noqa: E402


def seed_articles(n: int, seeds_dir: Path = REPO / "seeds", first_copy: int = 0) -> list[Article]:
    """n articles: the seeds, then their --loop copies k = 1, 2, … (distinct for dedup),
    starting at copy ``first_copy``."""
    bases = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        date, _ = split_seed_header(text)
        bases.append(Article(id=article_id(str(path.name), text), source=f"file://{path.name}", text=text,
                             published_at=f"{date}T00:00:00+00:00" if date else None,
                             date_source="header" if date else "ingest", ingested_at=now_iso()))
    out = []
    k = first_copy
    while len(out) < n:
        for base in bases:
            if len(out) == n:
                break
            if k == 0:
                out.append(base)
            else:
                out.append(Article(**{**base.__dict__, "id": f"{base.id}-{k}", "replay_of": base.id, "copy": k}))
        k += 1
    return out


# -- (a) pure ---------------------------------------------------------------------------------

def bench_pure(n: int) -> dict:
    import numpy as np

    from svodka import dedup
    from svodka.text import normalize

    payloads = [a.to_json() for a in seed_articles(n)]
    deduper = dedup.LocalDeduper()
    fp = deduper.fingerprinter
    t0 = time.perf_counter()
    unique = 0
    for payload in payloads:
        article = Article.from_json(payload)
        hop = dedup.Hop(dedup.Hop.encode(article.id, fp.fingerprint(article), payload))
        unique += deduper.run(hop).unique
    elapsed = time.perf_counter() - t0
    state = sum(len(k) + len(v) for table in (deduper.state.first_seen, deduper.state.buckets) for k, v in table.items())

    # where the time goes, on a sample
    sample = [Article.from_json(p) for p in payloads[:min(n, 1000)]]
    bodies = [split_seed_header(a.text)[1] for a in sample]

    def timed(fn, items) -> float:
        t = time.perf_counter()
        for item in items:
            fn(item)
        return (time.perf_counter() - t) / len(items) * 1e6

    normalized = [normalize(b) for b in bodies]
    hashes = [fp.shingle_hashes(s) for s in normalized]
    parts = {
        "json_decode_us": timed(Article.from_json, payloads[:len(sample)]),
        "normalize_us": timed(normalize, bodies),
        "shingles_us": timed(fp.shingle_hashes, normalized),
        "minhash_band_keys_us": timed(fp.band_keys, hashes),
    }
    probe = dedup.LocalDeduper()
    hops = [probe.hop(a) for a in sample]
    parts["chain_us"] = timed(probe.run, hops)
    return {
        "articles": n,
        "unique": unique,
        "pure_aps": round(n / elapsed, 1),
        "pure_us_per_article": round(elapsed / n * 1e6, 1),
        "parts_us": {k: round(v, 1) for k, v in parts.items()},
        "state_bytes_per_article": round(state / n, 1),
        "mean_shingles": round(float(np.mean([len(h) for h in hashes])), 1),
    }


# -- (b) stream -------------------------------------------------------------------------------

def start_broker(home: Path):
    from svodka.runtime.localkafka import scratch_broker

    return scratch_broker(home)


def start_worker(bootstrap: str, home: Path, data_dir: Path, partitions: int, log: Path) -> subprocess.Popen:
    from svodka.runtime.localkafka import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    env.update(SVODKA_KAFKA_BOOTSTRAP=bootstrap, SVODKA_HOME=str(home), SVODKA_DATA_DIR=str(data_dir),
               SVODKA_PARTITIONS=str(partitions), SVODKA_WEB_PORT=str(port), PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "svodka_services.dedup", "worker", "-l", "warn",
                                 "--web-port", str(port), "--web-host", "127.0.0.1"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)


async def _publish(bootstrap: str, articles: list[Article]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, compression_type="lz4",
                                max_batch_size=512 * 1024)
    await producer.start()
    try:
        futures = [await producer.send("articles.raw", key=a.id.encode(), value=a.to_json()) for a in articles]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _output_partitions(partitions: int) -> list:
    from aiokafka import TopicPartition

    return [TopicPartition(t, p) for t in ("articles.unique", "articles.duplicates") for p in range(partitions)]


async def _collect(bootstrap: str, ids: set[str], timeout: float, partitions: int,
                   start_offsets=None) -> tuple[float, dict]:
    """Wait until every id is on articles.unique or articles.duplicates; returns the time
    the last one arrived (monotonic) and {id: topic}."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = _output_partitions(partitions)
        consumer.assign(tps)
        for tp in tps:
            if start_offsets and tp in start_offsets:
                consumer.seek(tp, start_offsets[tp])
            else:
                await consumer.seek_to_beginning(tp)
        seen: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while not ids <= seen.keys():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids - seen.keys())} of {len(ids)} articles did not come out in {timeout}s")
            batch = await consumer.getmany(timeout_ms=200, max_records=10000)
            for tp, messages in batch.items():
                for m in messages:
                    ident = m.key.decode()
                    if ident in ids and ident not in seen:
                        seen[ident] = tp.topic
                        last = time.monotonic()
        return last, seen
    finally:
        await consumer.stop()


async def _end_offsets(bootstrap: str, partitions: int) -> dict:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.end_offsets(_output_partitions(partitions))
    finally:
        await consumer.stop()


def _dir_bytes(path: Path, match: str = "") -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        if match and match not in root:
            continue
        total += sum((Path(root) / f).stat().st_size for f in files if (Path(root) / f).exists())
    return total


def _cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float | None:
    """The high-water mark of a process's resident memory (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _log_bytes(path: Path, match: str) -> int:
    """Bytes in the broker's segment files (.log) of topics whose name contains ``match``."""
    return sum(f.stat().st_size for d in path.iterdir() if d.is_dir() and match in d.name
               for f in d.glob("*.log"))


def bench_stream(n: int, partitions: int, timeout: float, rounds: int = 3, keep: bool = False) -> dict:
    from svodka.settings import PIPELINE_TOPICS
    from svodka.runtime.topics import ensure_topics

    tmp = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    broker = start_broker(tmp / "home")
    worker = None
    try:
        asyncio.run(ensure_topics(broker.bootstrap, PIPELINE_TOPICS, partitions))
        data_dir = tmp / "data"
        worker = start_worker(broker.bootstrap, tmp / "home", data_dir, partitions, tmp / "dedup.log")
        # warm-up: one article through the whole chain (topics created, group joined, tables ready)
        warm = Article(id="warm-up", source="bench", text="Прогрев: одна короткая статья для разогрева.",
                       ingested_at=now_iso())
        t_start = time.monotonic()
        asyncio.run(_publish(broker.bootstrap, [warm]))
        asyncio.run(_collect(broker.bootstrap, {"warm-up"}, timeout, partitions))
        warm_s = time.monotonic() - t_start

        async def run(articles: list[Article]) -> tuple[float, float, float, dict]:
            ids = {a.id for a in articles}
            offsets = await _end_offsets(broker.bootstrap, partitions)
            collector = asyncio.create_task(_collect(broker.bootstrap, ids, timeout, partitions, offsets))
            await asyncio.sleep(0.5)  # the collector is assigned and positioned
            t0 = time.monotonic()
            await _publish(broker.bootstrap, articles)
            published = time.monotonic()
            last, seen = await collector
            return t0, published, last, seen

        per_round = []
        copies_per_round = -(-n // 5)
        for r in range(max(1, rounds)):
            articles = seed_articles(n, first_copy=r * copies_per_round)
            cpu0 = _cpu_seconds(worker.pid)
            t0, published, last, seen = asyncio.run(run(articles))
            cpu = _cpu_seconds(worker.pid) - cpu0
            per_round.append({
                "aps": round(n / (last - t0), 1), "seconds": round(last - t0, 2),
                "publish_seconds": round(published - t0, 2), "worker_cpu_seconds": round(cpu, 2),
                "aps_per_worker_cpu_second": round(n / cpu, 1) if cpu else None,
                "unique": sum(1 for t in seen.values() if t == "articles.unique"),
                "duplicates": sum(1 for t in seen.values() if t == "articles.duplicates"),
                "load_average": round(os.getloadavg()[0], 2),
            })
        time.sleep(2.0)  # let the worker commit and flush before it stops
        peak_rss = _peak_rss_mb(worker.pid)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
        total = n * len(per_round) + 1
        rocksdb = _dir_bytes(data_dir)
        changelog = _log_bytes(broker.data_dir, "changelog")
        best = max(per_round, key=lambda r: r["aps"])
        return {
            "articles_per_round": n,
            "rounds": per_round,
            "stream_aps": best["aps"],
            "stream_aps_per_worker_cpu_second": max(r["aps_per_worker_cpu_second"] or 0 for r in per_round),
            "warm_up_seconds": round(warm_s, 1),
            "worker_peak_rss_mb": peak_rss,
            "rocksdb_bytes_per_article": round(rocksdb / total, 1),
            "changelog_bytes_per_article": round(changelog / total, 1),
            "partitions": partitions,
        }
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        broker.stop()
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--articles", type=int, default=10000, help="looped seed articles per round (default 10000)")
    ap.add_argument("--rounds", type=int, default=3, help="timed stream rounds, new articles each; the best is kept")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the stream")
    ap.add_argument("--skip-stream", action="store_true", help="only the pure benchmark")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (broker data, worker log)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # metadata races of a brand-new broker

    pure = bench_pure(args.articles)
    result = {"pure_articles_per_s": pure["pure_aps"], "pure": pure}
    if not args.skip_stream:
        stream = bench_stream(args.articles, args.partitions, args.timeout, args.rounds, args.keep)
        result["stream_articles_per_s"] = stream["stream_aps"]
        result["stream_per_worker_cpu_second"] = stream["stream_aps_per_worker_cpu_second"]
        result["stream"] = stream
        result["floor"] = "> 1000 articles/s per worker"
        result["ok"] = stream["stream_aps"] > 1000
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"pure:   {pure['pure_aps']:>9.1f} articles/s  ({pure['pure_us_per_article']} µs/article; "
              + ", ".join(f"{k} {v}" for k, v in pure["parts_us"].items()) + ")")
        print(f"        state {pure['state_bytes_per_article']} bytes/article (keys + values, both tables), "
              f"{pure['mean_shingles']} shingles/article")
        if "stream" in result:
            s = result["stream"]
            for i, r in enumerate(s["rounds"], 1):
                print(f"stream round {i}: {r['aps']:>8.1f} articles/s ({s['articles_per_round']} in {r['seconds']} s, "
                      f"published in {r['publish_seconds']} s; unique {r['unique']}, duplicates {r['duplicates']}; "
                      f"worker CPU {r['worker_cpu_seconds']} s = {r['aps_per_worker_cpu_second']} articles per "
                      f"CPU-second; load {r['load_average']})")
            print(f"stream: {s['stream_aps']:>9.1f} articles/s (best round); "
                  f"{s['stream_aps_per_worker_cpu_second']} articles per worker CPU-second")
            print(f"        RocksDB {s['rocksdb_bytes_per_article']} bytes/article, "
                  f"changelog {s['changelog_bytes_per_article']} bytes/article (segment files); "
                  f"worker peak RSS {s['worker_peak_rss_mb']} MB")
            print(f"floor 1000 articles/s: {'ok' if result['ok'] else 'BELOW'}")
    return 0 if result.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
