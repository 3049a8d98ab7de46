"""Dashboard pages with 100,000 articles stored: every page must answer in under 1 s.

The store is filled through the sink's Writer with copies of the seeds' real extraction (the
five seed articles run through the Extractor once, then copied with new ids, dates spread over
two years in time order, and one entity in three renamed per copy so there are thousands of entities, as in
real news). Then, in this process, the sink's ClickHouse HTTP interface serves the store and
the dashboard reads through it — the same path as ``svodka up`` — and each page is fetched
over HTTP: once to warm, then the best and the median of five runs are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]

from svodka.extract.pipeline import Extractor  # noqa: E402
from svodka.records import EnrichedArticle  # noqa: E402
from svodka.runtime import credentials  # noqa: E402
from svodka.runtime.localkafka import free_port  # noqa: E402
from svodka.settings import Settings  # noqa: E402
from svodka.store import connect  # noqa: E402
from svodka.store.query import QueryLimits, readonly_client  # noqa: E402
from svodka.store.schema import migrate  # noqa: E402
from svodka.store.writer import Batch, Writer  # noqa: E402

LIMIT_MS = 1000.0


def seed_extractions() -> list[EnrichedArticle]:
    extractor = Extractor()
    out = []
    from svodka_services.cli.extract_output import articles_from_paths

    for item in articles_from_paths(sorted(str(p) for p in (REPO / "seeds").iterdir())):
        if not isinstance(item, str):
            out.append(extractor.extract(item))
    return out


def copies(seeds: list[EnrichedArticle], n: int, start: datetime):
    for i in range(n):
        base = seeds[i % len(seeds)]
        when = start + timedelta(minutes=i * (730 * 24 * 60) // n)  # in time order, as news arrives
        rename = f"-{i % 3000}"
        mentions = [dataclasses.replace(m, canonical_id=m.canonical_id + rename, canonical=m.canonical + rename)
                    if j % 3 == 0 else m for j, m in enumerate(base.mentions)]
        yield dataclasses.replace(base, id=f"bench-{i:07d}", source=f"bench/{i}.txt", mentions=mentions,
                                  published_at=when.isoformat(), ingested_at=when.isoformat(), figures=list(base.figures))


def fill(url: str, n: int) -> dict:
    seeds = seed_extractions()
    client = connect(url, create_database=True)
    migrate(client)
    writer = Writer(client)
    started = time.perf_counter()
    batch: list[EnrichedArticle] = []
    for article in copies(seeds, n, datetime(2024, 1, 1, tzinfo=timezone.utc)):
        batch.append(article)
        if len(batch) == 2000:
            writer.write(Batch(articles=batch))
            batch = []
    if batch:
        writer.write(Batch(articles=batch))
    counts = client.query("SELECT (SELECT count() FROM articles), (SELECT count() FROM mentions), "
                          "(SELECT count() FROM figures)").result_rows[0]
    return {"articles": counts[0], "mentions": counts[1], "figures": counts[2],
            "fill_s": round(time.perf_counter() - started, 1), "seed_ids": [s.id for s in seeds]}


def serve(home: Path, url: str) -> tuple[str, dict]:
    """The sink's query endpoint and the dashboard, in this process, on free ports."""
    from aiohttp import web

    from svodka_services.sink.query_endpoint import QueryEndpoint
    from svodka_services.web.app import make_app
    from svodka_services.web.reader import Reader

    creds = credentials.create(home)
    query_port, web_port = free_port(), free_port()
    endpoint = {"url": f"http://127.0.0.1:{query_port}", "user": creds.user, "password": creds.password}
    settings = Settings(home=home, clickhouse_url=url)
    query_client = readonly_client(url)
    loop = asyncio.new_event_loop()

    async def start():
        qe = QueryEndpoint(home=home, client=lambda: query_client, executor=ThreadPoolExecutor(2),
                           limits=QueryLimits(timeout_s=30))
        for app, port in ((qe.app, query_port), (make_app(settings, Reader(settings, endpoint)), web_port)):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()

    loop.run_until_complete(start())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{web_port}", endpoint


def fetch(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{url}: HTTP {exc.code}: {exc.read().decode('utf-8', 'replace')[-1500:]}") from None
    return (time.perf_counter() - started) * 1000


def stored(url: str) -> dict:
    client = connect(url)
    counts = client.query("SELECT (SELECT count() FROM articles), (SELECT count() FROM mentions), "
                          "(SELECT count() FROM figures)").result_rows[0]
    return {"articles": counts[0], "mentions": counts[1], "figures": counts[2], "fill_s": None}


def run(n: int, runs: int = 5, keep: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(keep or tmp)
        home.mkdir(parents=True, exist_ok=True)
        url = f"chdb://{home}/store"
        filled = stored(url) if (home / "store" / "metadata").exists() else fill(url, n)
        base, endpoint = serve(home, url)
        from svodka_services.web.app import COOKIE, session_token

        cookie = f"{COOKIE}={session_token(credentials.load(home))}"
        pages = {"overview": "/", "entities": "/entities", "entity (day)": "/entity/" + quote("loc:северная-корея"),
                 "entity (alias «КНДР»)": "/entity/" + quote("КНДР"),
                 "entity (month)": "/entity/" + quote("loc:северная-корея") + "?by=month",
                 "figures": "/figures", "figures (солдат)": "/figures?unit=" + quote("солдат"),
                 "figures (entity+qualifier)": "/figures?entity=" + quote("КНДР") + "&qualifier=approx",
                 "article": "/article/bench-0000002", "sql": "/sql"}
        timings = {}
        for name, path in pages.items():
            fetch(base + path, cookie)  # warm: the page's queries once
            runs_ms = [fetch(base + path, cookie) for _ in range(runs)]
            timings[name] = {"best_ms": round(min(runs_ms)), "median_ms": round(statistics.median(runs_ms))}
        slow = [name for name, t in timings.items() if t["median_ms"] > LIMIT_MS]
        return {"stored": {k: v for k, v in filled.items() if k != "seed_ids"}, "pages": timings,
                "limit_ms": LIMIT_MS, "ok": not slow, "slow": slow}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON line (for bench/run.py)")
    parser.add_argument("--keep", metavar="DIR", help="keep the store in DIR, and reuse it if it is there")
    args = parser.parse_args()
    result = run(args.articles, args.runs, args.keep)
    print(json.dumps(result, ensure_ascii=False) if args.json else json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
