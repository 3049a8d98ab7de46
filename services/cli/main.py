"""The ``svodka`` command: run the stack, feed it, query it.

Every verb has ``--help``. Exit codes: 0 success, 1 partial (some input
dead-lettered), 2 usage, configuration or infrastructure errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from svodka.runtime import logs
from svodka.settings import Settings, SettingsError, help_epilog
from svodka.store.client import is_embedded

from svodka_services.cli import stack
from svodka_services.cli.queries import Queries, QueryError, print_result

EPILOG = help_epilog()  # every SVODKA_* variable with its default, from Settings' fields


def _err(message: str) -> None:
    print(f"svodka: {message}", file=sys.stderr)


# -- verbs ---------------------------------------------------------------------------------

def cmd_up(args, settings: Settings) -> int:
    state = stack.up(settings, extract_workers=args.extract_workers, say=_say(args))
    if not args.quiet:
        print("stack up: " + ", ".join(f"{s.name} (pid {s.pid})" for s in state.live()))
        where = stack.analyst_endpoints(settings, state)
        if where["dashboard_login"]:
            print(f"dashboard: {where['dashboard_login']}")
        if where["query_endpoint"] and is_embedded(settings.clickhouse_url):
            q = where["query_endpoint"]
            print(f"ClickHouse HTTP interface: {q['url']} (user {q['user']}, password in `svodka status --json`)")
    return 0


def cmd_down(args, settings: Settings) -> int:
    stack.down(settings, say=_say(args))
    if not args.quiet:
        print("stack down")
    return 0


def cmd_status(args, settings: Settings) -> int:
    info = stack.status(settings)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    kafka = info["kafka"]
    print(f"kafka      {kafka['bootstrap']:<22} {'up' if kafka['up'] else 'down'}"
          + (f" (pid {kafka['pid']})" if kafka.get("pid") else ""))
    print(f"clickhouse {info['clickhouse']}")
    if info.get("dashboard"):
        print(f"dashboard  {info['dashboard']}  (sign in: {info.get('dashboard_login') or 'svodka up'})")
    if info.get("query_endpoint"):
        print(f"query      {info['query_endpoint']['url']}  (ClickHouse HTTP; user {info['query_endpoint']['user']})")
    for s in info["services"]:
        extra = ""
        health = s.get("health")
        if s["up"]:
            extra = "  health ?" if s.get("ok") is None else "  ok" if s["ok"] else "  NOT OK"
            if s.get("stalled"):
                extra = "  STALLED " + ", ".join(f"{p['topic']}/{p['partition']} (lag {p['lag']}, {p['idle_s']:.0f} s)"
                                                 for p in s["stalled"])
        if health and "stored_batches" in health:
            extra += f"  batches={health.get('stored_batches')} rows={health.get('rows')}"
            if health.get("last_error"):
                extra += f"  last_error={health['last_error'][:80]!r}"
        print(f"{s['name']:<10} {'up' if s['up'] else 'DOWN':<5} pid {s['pid']:<7} {s['web']}{extra}")
    if not info["services"]:
        print("services   none running (svodka up)")
    if info["lag"]:
        print("\nconsumer lag (group / topic / partition: committed of end)")
        by_group: dict[tuple, list] = {}
        for row in info["lag"]:
            by_group.setdefault((row["group"], row["topic"]), []).append(row)
        for (group, topic), rows in sorted(by_group.items()):
            total = sum(r["lag"] for r in rows)
            parts = " ".join(f"{r['partition']}:{max(r['committed'], 0)}/{r['end']}" for r in rows)
            print(f"  {group} / {topic}: lag {total}  [{parts}]" + ("  (behind)" if total > 0 else ""))
    if info.get("stalled"):
        print(f"\nSTALLED: {len(info['stalled'])} partition(s) with records waiting and no progress "
              "(see the service's /health/ and log)")
    return 0


def cmd_ingest(args, settings: Settings) -> int:
    from svodka_services.producer.command import IngestOptions, ProducerError, exit_code, ingest, options_from_args

    from svodka_services.cli.wait import wait_landed

    import asyncio

    options: IngestOptions = options_from_args(args)
    try:
        summary = asyncio.run(ingest(args.paths, options, settings))
    except ProducerError as exc:
        _err(str(exc))
        return 2
    code = exit_code(summary)
    if args.wait:
        ids = list(summary.ids) + list(summary.dead_letter_ids)
        try:
            landed = wait_landed(Queries(settings), ids, timeout=args.wait_timeout, progress=not args.json)
        except QueryError as exc:
            _err(str(exc))
            return 2
        line = (f"processed: published {len(summary.ids)}, stored {landed.stored}, "
                f"duplicates {landed.duplicates}, dead-lettered {landed.dead_lettered}")
        if args.json:
            print(json.dumps({"published": len(summary.ids), "stored": landed.stored,
                              "duplicates": landed.duplicates, "dead_lettered": landed.dead_lettered}))
        else:
            print(line)
    return code


def cmd_extract(args, settings: Settings) -> int:
    from svodka.extract.pipeline import Extractor

    from svodka_services.cli.extract_output import articles_from_paths, print_extraction

    extractor = Extractor()
    code = 0
    for item in articles_from_paths(args.files):
        if isinstance(item, str):  # a reason the file could not be read
            _err(item)
            code = 1
            continue
        print_extraction(extractor.extract(item), item, args.format)
    return code


def cmd_sql(args, settings: Settings) -> int:
    sql = args.query if args.query != "-" else sys.stdin.read()
    try:
        result = Queries(settings).run(sql, timeout=args.timeout)
    except QueryError as exc:
        _err(str(exc))
        return 2
    print_result(result, args.format)
    return 0


def cmd_report(args, settings: Settings) -> int:
    from svodka_services.cli import reports

    try:
        return reports.run(args, Queries(settings))
    except QueryError as exc:
        _err(str(exc))
        return 2


def cmd_web(args, settings: Settings) -> int:
    from svodka_services.web.__main__ import main as web_main

    return web_main(["--host", args.host, "--port", str(args.port)])


# -- parser --------------------------------------------------------------------------------

def _say(args):
    return (lambda *_: None) if getattr(args, "quiet", False) else (lambda msg: print(msg, file=sys.stderr))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svodka", description="Streaming ingestion of Russian-language news into ClickHouse.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-level", default=None, choices=["debug", "info", "warn", "error"],
                        help="log level (default: warn, or SVODKA_LOG_LEVEL)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("up", help="start the local broker and the services (idempotent)",
                         description="Start the local Kafka broker (unless SVODKA_KAFKA_BOOTSTRAP points elsewhere), "
                                     "create the topics and start dedup, extract, stories and sink as background processes. "
                                     "Logs go to .svodka/logs/.")
    p.add_argument("--extract-workers", type=int, default=1, metavar="N", help="extract processes (default 1)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_up)

    p = verbs.add_parser("down", help="stop the services and the local broker",
                         description="Stop every service started by `svodka up`, then the local broker.")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_down)

    p = verbs.add_parser("status", help="broker, services and consumer lag",
                         description="Show the broker, the services with their process ids, and consumer lag "
                                     "per group and partition.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = verbs.add_parser("ingest", help="publish articles to the raw topic",
                         description="Publish the articles under PATH... (files, directories, .jsonl, '-', URLs) to "
                                     "articles.raw. With --wait, return when every article is stored, found to be a "
                                     "duplicate, or dead-lettered.")
    from svodka_services.producer.command import add_ingest_arguments

    add_ingest_arguments(p)
    p.add_argument("--wait", action="store_true", help="wait until everything published is processed")
    p.add_argument("--wait-timeout", type=float, default=600.0, metavar="S", help="give up waiting after S seconds")
    p.set_defaults(func=cmd_ingest)

    p = verbs.add_parser("extract", help="run the extraction on files (no Kafka, no ClickHouse)",
                         description="Print the entities and figures extracted from each article.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.set_defaults(func=cmd_extract)

    p = verbs.add_parser("sql", help="run read-only SQL against ClickHouse",
                         description="Run one read-only statement (SELECT, SHOW, DESCRIBE) against the configured "
                                     "ClickHouse. '-' reads the query from standard input.")
    p.add_argument("query", metavar="SQL")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--timeout", type=float, default=None, help="seconds (default 30)")
    p.set_defaults(func=cmd_sql)

    p = verbs.add_parser("web", help="serve the analysts' dashboard in the foreground",
                         description="Serve the read-only dashboard (overview, entities, figures, articles, SQL). "
                                     "`svodka up` already runs it in the background and prints its sign-in URL.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.set_defaults(func=cmd_web)

    from svodka_services.cli import reports

    reports.add_parser(verbs, cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        _err(f"configuration: {exc}")
        return 2
    logs.setup(args.log_level or settings.log_level)
    try:
        return args.func(args, settings)
    except stack.StackError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # `svodka … | head`: the reader left, which is fine
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
