"""``python -m svodka_services.producer``: publish articles to Kafka (the same flags as ``svodka ingest``)."""

from __future__ import annotations

import argparse
import sys

from svodka.settings import Settings, help_epilog

from svodka_services.producer.command import add_ingest_arguments, options_from_args, run

DESCRIPTION = """\
Publish news articles to Kafka (topic articles.raw) as versioned JSON records, and
inputs that cannot be read to the dead-letter topic (articles.dlq).

Inputs: files and directories (recursive; .txt .json .jsonl .html .htm and files
without extension; the seed format «date YYYY-MM-DD» header is understood), - for
stdin, http(s):// URLs of pages and RSS/Atom feeds. Text may be UTF-8 (with or
without BOM), cp1251 or KOI8-R.
"""

EPILOG = """\
exit codes: 0 everything published, 1 some inputs were dead-lettered,
            2 usage error or Kafka unreachable / did not acknowledge.
examples:
  python -m svodka_services.producer seeds/
  python -m svodka_services.producer --speedup 1e6 --max-gap 1 seeds/
  python -m svodka_services.producer --rate 50 --loop 39 seeds/
  cat articles.jsonl | python -m svodka_services.producer --json -
""" + help_epilog(("SVODKA_KAFKA_BOOTSTRAP", "SVODKA_KAFKA_PORT", "SVODKA_PARTITIONS"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m svodka_services.producer", description=DESCRIPTION,
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", metavar="HOST:PORT",
                        help="Kafka bootstrap server (default: $SVODKA_KAFKA_BOOTSTRAP or 127.0.0.1:9092)")
    add_ingest_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    if args.bootstrap:
        settings = settings.with_(kafka_bootstrap=args.bootstrap)
    return run(args.paths, options_from_args(args), settings)


if __name__ == "__main__":
    sys.exit(main())
