"""Producer throughput: publish looped seed articles to Kafka and report articles/s and MB/s.

    .venv/bin/python bench/bench_producer.py                      # starts its own broker
    .venv/bin/python bench/bench_producer.py --bootstrap 127.0.0.1:9092 --json

By default 10,000 articles: the 5 seeds with ``--loop 1999``. The timed span is
the whole ``ingest()`` call — connecting, creating the topics, reading and
decoding the seeds, publishing and waiting for every acknowledgement (acks=all,
idempotent, lz4) — i.e. what a user of ``svodka ingest`` waits for. Each run
publishes to fresh topics (``bench.raw.<n>``), so runs do not share a log.

Without ``--bootstrap`` a throw-away broker (real Kafka, KRaft) is started on a
free port with its home in a temp dir, reusing the jar cache in
``.svodka/kafka/libs`` like the test fixture does, and stopped at the end.
Exits 1 when the median run is below ``--min-rate`` articles/s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from svodka.settings import Settings  # noqa: E402
from svodka.runtime.localkafka import LocalKafka, free_port  # noqa: E402
from svodka_services.producer.command import IngestOptions, ingest  # noqa: E402


def start_local_broker(partitions: int) -> tuple[LocalKafka, Path]:
    home = Path(tempfile.mkdtemp(prefix="svodka-bench-"))
    cache = REPO / ".svodka" / "kafka" / "libs"
    cache.parent.mkdir(parents=True, exist_ok=True)
    LocalKafka(home=REPO / ".svodka").ensure_jars()
    broker = LocalKafka(home=home, port=free_port(), partitions=partitions)
    (home / "kafka").mkdir(parents=True, exist_ok=True)
    os.symlink(cache.resolve(), broker.libs_dir)
    broker.start()
    return broker, home


async def one_run(bootstrap: str, seeds: Path, loop: int, partitions: int, n: int) -> dict:
    tag = f"{os.getpid()}.{int(time.time())}.{n}"
    options = IngestOptions(loop=loop, topic=f"bench.raw.{tag}", dlq_topic=f"bench.dlq.{tag}", progress=False,
                            report=False, stdout=io.StringIO(), stderr=io.StringIO())
    settings = Settings().with_(kafka_bootstrap=bootstrap, partitions=partitions)
    started = time.monotonic()
    summary = await ingest([str(seeds)], options, settings)
    wall = time.monotonic() - started
    return {"articles": summary.published, "dead_lettered": summary.dead_lettered, "bytes": summary.bytes,
            "seconds": round(wall, 3), "articles_per_s": round(summary.published / wall, 1),
            "mb_per_s": round(summary.bytes / 1e6 / wall, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", metavar="HOST:PORT", help="an existing broker (default: start one)")
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds", help="directory of seed articles")
    parser.add_argument("--loop", type=int, default=1999, help="copies per seed (default 1999: 10,000 articles)")
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the bench topics (default 8)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported (default 3)")
    parser.add_argument("--min-rate", type=float, default=2000.0, help="exit 1 below this many articles/s")
    parser.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    args = parser.parse_args(argv)

    broker = home = None
    bootstrap = args.bootstrap
    if not bootstrap:
        print("bench: starting a local Kafka broker ...", file=sys.stderr)
        broker, home = start_local_broker(args.partitions)
        bootstrap = broker.bootstrap
    try:
        runs = []
        for n in range(args.runs):
            result = asyncio.run(one_run(bootstrap, args.seeds, args.loop, args.partitions, n))
            runs.append(result)
            if not args.json:
                print(f"run {n + 1}: {result['articles']} articles, {result['bytes'] / 1e6:.1f} MB in "
                      f"{result['seconds']:.2f} s: {result['articles_per_s']:.0f} articles/s, "
                      f"{result['mb_per_s']:.1f} MB/s", file=sys.stderr)
    finally:
        if broker is not None:
            broker.stop()
            shutil.rmtree(home, ignore_errors=True)
    median = statistics.median(r["articles_per_s"] for r in runs)
    median_mb = statistics.median(r["mb_per_s"] for r in runs)
    report = {"bootstrap": bootstrap, "broker": "external" if args.bootstrap else "local", "cpus": os.cpu_count(),
              "articles": runs[0]["articles"], "articles_per_s": median, "mb_per_s": median_mb,
              "min_rate": args.min_rate, "ok": median >= args.min_rate, "runs": runs}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"producer: {median:.0f} articles/s, {median_mb:.1f} MB/s "
              f"(median of {len(runs)} runs of {runs[0]['articles']} articles, {os.cpu_count()} CPUs)")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
