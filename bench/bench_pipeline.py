"""End-to-end benchmark: looped seed articles through producer → dedup → extract → sink.

In one run, on the same texts:
- full extraction alone (``Extractor.extract_many`` in batches of 16, as the service
  runs it, in this process), the yardstick;
- end-to-end throughput with 1 and with 2 extract workers (a fresh broker, store and
  stack for each run; the best of ``--runs`` runs each), timed from the start of
  `ingest` until every article is in ClickHouse;
- end-to-end latency p50/p99 (ingested_at → stored_at, both recorded per row) with the
  producer pacing articles at half of the 1-worker capacity;
- peak RSS (VmHWM) of each extract worker.
Floors (issue 16): 1 worker ≥ 0.9× extraction alone; 2 workers ≥ 1.75× 1 worker;
p99 ≤ 1 s; peak RSS ≤ 400 MB per extract worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from svodka.settings import Settings
from svodka.runtime.localkafka import scratch_broker
from svodka.text import split_seed_header

from svodka_services.cli import stack
from svodka_services.cli.queries import Queries
from svodka_services.producer.command import IngestOptions, ingest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SINK_SECONDS: float | None = None  # --sink-seconds: try another sink batching window


def seed_texts() -> list[str]:
    return [split_seed_header(p.read_text(encoding="utf-8"))[1] for p in sorted(SEEDS.glob("*.txt"))]


def extraction_alone(texts: list[str], batch: int = 16) -> float:
    """Articles/s of full extraction in this process (best of two passes after a
    warm-up), batches of ``batch`` articles as the extract service takes them."""
    import os

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # as the service runs (before numpy loads)
    from svodka.extract.pipeline import Extractor
    from svodka.records import Article

    extractor = Extractor()
    articles = [Article(id=str(i), source="bench", text=t, published_at=None, date_source="ingest")
                for i, t in enumerate(texts)]

    def one_pass() -> float:
        start = time.perf_counter()
        for i in range(0, len(articles), batch):
            extractor.extract_many(articles[i:i + batch])
        return len(texts) / (time.perf_counter() - start)

    one_pass()
    return max(one_pass(), one_pass())


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its waited-for children so far."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Stack:
    """A throw-away broker, chDB store and svodka stack under a temp dir."""

    def __init__(self, root: Path, extract_workers: int) -> None:
        self.broker = scratch_broker(root / "kafka-home")
        tuned = {"sink_batch_seconds": SINK_SECONDS} if SINK_SECONDS else {}
        self.settings = Settings(home=root / "home", clickhouse_url=f"chdb://{root / 'store'}").with_(
            kafka_port=self.broker.port, kafka_bootstrap=self.broker.bootstrap, **tuned)
        try:
            self.state = stack.up(self.settings, extract_workers=extract_workers, say=lambda _: None)
            self.queries = Queries(self.settings)
            self.wait_assigned()
        except BaseException:
            self.close()  # no workers left behind to skew the next measurement
            raise

    def wait_assigned(self, timeout: float = 120) -> None:
        """Until the extract workers share all partitions of articles.unique: a worker that
        is up but not yet in the group would make the first seconds of a run a rebalance."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            owned = []
            for proc in self.state.live("extract"):
                health = stack.http_json(f"{proc.url}/health/", timeout=2) or {}
                owned.append({p["partition"] for p in health.get("partitions", [])
                              if p["topic"] == "articles.unique"})
            if all(owned) and set().union(*owned) == set(range(self.settings.partitions)):
                return
            time.sleep(0.5)
        raise RuntimeError("the extract workers did not get the partitions of articles.unique in time")

    def ingest(self, **options) -> None:
        opts = IngestOptions(report=False, progress=False, **options)
        asyncio.run(ingest([str(SEEDS)], opts, self.settings))

    def stored(self) -> int:
        return int(self.queries.scalar("SELECT count() FROM articles") or 0)

    def wait_stored(self, n: int, timeout: float = 1800) -> None:
        """Until ``n`` articles are stored. Polls every 0.5 s (a query costs the sink ~2 ms
        of CPU, taken from the run being measured), every 0.05 s for the last 5%, so the
        end of a ~25 s run is seen within 50 ms rather than 500."""
        deadline = time.monotonic() + timeout
        while (stored := self.stored()) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {stored} of {n} articles stored after {timeout:.0f} s")
            time.sleep(0.05 if stored >= 0.95 * n else 0.5)

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far per stage (all workers of a service together) and the broker."""
        out: dict[str, float] = {}
        for proc in self.state.live():
            out[proc.service] = out.get(proc.service, 0.0) + cpu_seconds(proc.pid)
        pid = self.broker.pid()
        if pid is not None:
            out["broker"] = cpu_seconds(pid)
        return out

    def extract_rss(self) -> list[float]:
        return [round(peak_rss_mb(p.pid), 1) for p in self.state.live("extract")]

    def close(self) -> None:
        stack.down(self.settings, say=lambda _: None)
        self.broker.stop()


def throughput(workers: int, articles: int, tmp: Path) -> dict:
    s = Stack(tmp / f"throughput-{workers}", workers)
    try:
        s.ingest()  # warm-up: models loaded, topics and connections live
        s.wait_stored(5, 300)
        loops = articles // 5
        cpu_before = s.cpu()
        start = time.perf_counter()
        s.ingest(loop=loops)
        s.wait_stored(5 + loops * 5)
        seconds = time.perf_counter() - start
        cpu_after = s.cpu()
        # CPU ms per article of each stage: what a core-hour buys, whatever else ran meanwhile
        # (the producer runs in this process: its share is in bench_producer)
        cpu_ms = {k: round((cpu_after[k] - cpu_before.get(k, 0.0)) * 1000 / (loops * 5), 3) for k in cpu_after}
        return {"workers": workers, "articles": loops * 5, "seconds": round(seconds, 2),
                "articles_per_s": round(loops * 5 / seconds, 2), "extract_peak_rss_mb": s.extract_rss(),
                "cpu_ms_per_article": cpu_ms}
    finally:
        s.close()


def latency(rate: float, seconds: float, tmp: Path) -> dict:
    s = Stack(tmp / "latency", 1)
    try:
        s.ingest()
        s.wait_stored(5, 300)
        loops = max(1, int(rate * seconds / 5))
        s.ingest(loop=loops, rate=rate)
        s.wait_stored(5 + loops * 5)
        time.sleep(1)
        p50, p99, worst = s.queries.run(
            "SELECT quantileExact(0.5)(ms), quantileExact(0.99)(ms), max(ms) FROM "
            "(SELECT dateDiff('millisecond', ingested_at, stored_at) AS ms FROM articles WHERE replay_of != '')"
        ).rows[0]
        return {"rate": round(rate, 2), "articles": loops * 5, "p50_ms": p50, "p99_ms": p99, "max_ms": worst,
                "extract_peak_rss_mb": s.extract_rss()}
    finally:
        s.close()


def best_throughput(workers: int, articles: int, tmp: Path, runs: int) -> dict:
    """The fastest of ``runs`` runs, each on a fresh stack, with every run's figure kept.

    Best of several, as for the bare NER yardstick, and the same for 1 and 2 workers:
    on a shared 2-core VM one run varies by ±5% with the neighbours' load and with how
    the group assignment happens to split the 8 partitions between two workers (their
    loads differ by up to 4% for the looped seeds)."""
    results = [throughput(workers, articles, tmp / f"run-{i}") for i in range(runs)]
    best = max(results, key=lambda r: r["articles_per_s"])
    return {**best, "runs_articles_per_s": [r["articles_per_s"] for r in results],
            "extract_peak_rss_mb": [mb for r in results for mb in r["extract_peak_rss_mb"]]}


def run(articles: int = 2000, latency_seconds: float = 40.0, runs: int = 2) -> dict:
    texts = seed_texts() * 40
    ner = extraction_alone(texts)
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
        one = best_throughput(1, articles, Path(tmp), runs)
        two = best_throughput(2, articles, Path(tmp), runs)
        lat = latency(one["articles_per_s"] / 2, latency_seconds, Path(tmp))
    rss = max(one["extract_peak_rss_mb"] + two["extract_peak_rss_mb"] + lat["extract_peak_rss_mb"])
    result = {
        "extract_alone_aps": round(ner, 2), "one_worker": one, "two_workers": two, "latency": lat,
        "ratio_one_worker_vs_extract": round(one["articles_per_s"] / ner, 3),
        "ratio_two_vs_one": round(two["articles_per_s"] / one["articles_per_s"], 3),
        "peak_rss_mb": rss,
    }
    result["floors"] = {
        "one_worker_vs_extract_0.9": result["ratio_one_worker_vs_extract"] >= 0.9,
        "two_vs_one_1.75": result["ratio_two_vs_one"] >= 1.75,
        "p99_1s": (lat["p99_ms"] or 0) <= 1000,
        "rss_400mb": rss <= 400,
    }
    result["ok"] = all(result["floors"].values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency-seconds", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=2, help="throughput runs per worker count; the best counts")
    parser.add_argument("--sink-seconds", type=float, help="sink batching window (default: the setting's)")
    parser.add_argument("--skip-throughput", action="store_true", help="latency only, at --rate")
    parser.add_argument("--rate", type=float, default=40.0, help="articles/s for --skip-throughput")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    global SINK_SECONDS
    SINK_SECONDS = args.sink_seconds
    if args.skip_throughput:
        with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
            print(json.dumps(latency(args.rate, args.latency_seconds, Path(tmp))))
        return
    r = run(args.articles, args.latency_seconds, max(1, args.runs))
    if args.json:
        print(json.dumps(r))
    else:
        print(f"extraction alone:      {r['extract_alone_aps']:.1f} articles/s")
        print(f"pipeline, 1 extract:   {r['one_worker']['articles_per_s']:.1f} articles/s "
              f"= {r['ratio_one_worker_vs_extract']:.2f}× extraction alone (floor 0.9); "
              f"runs {r['one_worker']['runs_articles_per_s']}")
        print(f"pipeline, 2 extract:   {r['two_workers']['articles_per_s']:.1f} articles/s "
              f"= {r['ratio_two_vs_one']:.2f}× 1 worker (floor 1.75); runs {r['two_workers']['runs_articles_per_s']}")
        lat = r["latency"]
        print(f"latency at {lat['rate']} articles/s: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms (floor 1000)")
        print(f"peak RSS per extract worker: {r['peak_rss_mb']} MB (floor 400)")
    sys.exit(0 if r["ok"] else 1)


if __name__ == "__main__":
    main()
