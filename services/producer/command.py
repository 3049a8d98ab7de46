"""The producer command: flags, the progress line and the summary around ``svodka.ingest.publish``.

``svodka ingest`` and ``python -m svodka_services.producer`` take the same flags
(``add_ingest_arguments``), turn them into IngestOptions (``options_from_args``) and
call ``run``/``ingest``: publishing is the library's (``svodka.ingest.publish.publish``);
this module reports each bad input on stderr, shows a progress line when stderr is a
terminal, prints the summary (a line on stderr, JSON on stdout with ``--json``) and
maps the outcome to an exit code: 0 everything published, 1 some inputs were
dead-lettered, 2 usage error or Kafka unreachable / did not acknowledge.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from svodka.ingest.publish import IngestSummary, ProducerError, PublishOptions, publish
from svodka.ingest.sources import BadInput
from svodka.settings import Settings

__all__ = ["IngestOptions", "IngestSummary", "ProducerError", "add_ingest_arguments", "exit_code", "ingest",
           "options_from_args", "parse_size", "run"]

PREFIX = "svodka"


@dataclass
class IngestOptions(PublishOptions):
    """What ``svodka ingest`` / ``python -m svodka_services.producer`` take on the command line."""

    json_summary: bool = False  # print the summary as JSON on stdout
    progress: bool | None = None  # progress line on stderr; None: when stderr is a terminal
    report: bool = True  # bad inputs and the summary line on stderr
    stdout: TextIO | None = None  # default sys.stdout
    stderr: TextIO | None = None  # default sys.stderr


def exit_code(summary: IngestSummary) -> int:
    """0 when every input was published, 1 when some were dead-lettered (2 is a ProducerError)."""
    return 1 if summary.dead_lettered else 0


# -- command-line flags -----------------------------------------------------------------


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(value: str) -> int:
    """``1048576``, ``512k``, ``1M``, ``1MiB``, ``2MB`` → bytes (k/M/G are powers of 1024)."""
    match = _SIZE.match(value)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (e.g. 1048576, 512k, 1M)")
    number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[unit])
    if size <= 0:
        raise argparse.ArgumentTypeError("the size must be positive")
    return size


def _positive(kind: type):
    def convert(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
        return number
    convert.__name__ = kind.__name__
    return convert


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return number


def add_ingest_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ingest flags and the ``paths`` positional to ``parser`` (``--json`` lands in
    ``args.json``); ``options_from_args(args)`` makes the IngestOptions, ``args.paths`` the inputs."""
    d = IngestOptions()
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help="files, directories (recursive), - for stdin, http(s):// URLs of pages or RSS/Atom feeds")
    parser.add_argument("--glob", default=d.glob, metavar="PATTERN",
                        help="file names to read inside directories (default: * with the known extensions "
                             ".txt .json .jsonl .html .htm and none; a pattern with / matches the relative path)")
    pacing = parser.add_argument_group("replay pacing (default: as fast as the broker takes it)")
    pacing.add_argument("--rate", type=_positive(float), metavar="N", help="publish N articles per second")
    pacing.add_argument("--speedup", type=_positive(float), metavar="X",
                        help="publish in published_at order, waiting the gap between dates divided by X "
                             "(undated articles last)")
    pacing.add_argument("--max-gap", type=float, metavar="SECONDS", dest="max_gap",
                        help="with --speedup: wait at most this long between two articles")
    pacing.add_argument("--loop", type=_non_negative_int, default=0, metavar="N",
                        help="also publish N copies of each article (ids ID-1..ID-N, replay_of=ID)")
    parser.add_argument("--max-bytes", type=parse_size, default=d.max_bytes, metavar="SIZE", dest="max_bytes",
                        help="dead-letter inputs larger than this (default 1M)")
    parser.add_argument("--json", action="store_true", dest="json",
                        help="print a machine-readable summary on stdout")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", action="store_true", default=None, dest="progress",
                          help="show a progress line on stderr (default: when stderr is a terminal)")
    progress.add_argument("--no-progress", action="store_false", dest="progress", help="no progress line")
    parser.add_argument("--broker-timeout", type=_positive(float), default=d.broker_timeout, metavar="SECONDS",
                        dest="broker_timeout", help="give up reaching Kafka after this long (default 15)")
    web = parser.add_argument_group("URLs")
    web.add_argument("--http-timeout", type=_positive(float), default=d.http_timeout, metavar="SECONDS",
                     dest="http_timeout", help="per attempt, connect to last byte (default 10)")
    web.add_argument("--http-retries", type=_non_negative_int, default=d.http_retries, metavar="N",
                     dest="http_retries", help="retries after connection errors, timeouts, 5xx, 429 (default 2)")
    web.add_argument("--http-concurrency", type=_positive(int), default=d.http_concurrency, metavar="N",
                     dest="http_concurrency", help="requests in flight at once (default 8)")
    parser.add_argument("--topic", default=d.topic, help=f"articles topic (default {d.topic})")
    parser.add_argument("--dlq-topic", default=d.dlq_topic, dest="dlq_topic",
                        help=f"dead-letter topic (default {d.dlq_topic})")
    return parser


def options_from_args(args: argparse.Namespace) -> IngestOptions:
    """IngestOptions from a namespace parsed with ``add_ingest_arguments``' flags."""
    names = {f for f in IngestOptions.__dataclass_fields__}
    values = {k: v for k, v in vars(args).items() if k in names}
    values["json_summary"] = bool(getattr(args, "json", False))
    return IngestOptions(**values)


# -- output ----------------------------------------------------------------------------------


class _Output:
    def __init__(self, options: IngestOptions):
        self.out = options.stdout or sys.stdout
        self.err = options.stderr or sys.stderr
        self.report = options.report
        progress = options.progress
        if progress is None:
            progress = bool(getattr(self.err, "isatty", lambda: False)())
        self.progress = progress
        self._last = 0.0
        self._shown = False

    def bad(self, bad: BadInput) -> None:
        if self.report:
            self._clear()
            print(f"{PREFIX}: dead-lettered {bad.source}: {bad.message}", file=self.err, flush=True)

    def warn(self, message: str) -> None:
        if self.report:
            self._clear()
            print(f"{PREFIX}: {message}", file=self.err, flush=True)

    def tick(self, done: int, total: int, started: float, force: bool = False) -> None:
        if not self.progress:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        elapsed = max(now - started, 1e-9)
        self.err.write(f"\r{PREFIX}: {done}/{total} articles  {done / elapsed:.0f}/s ")
        self.err.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self.err.write("\r\033[K")
            self._shown = False

    def done(self, summary: IngestSummary, json_summary: bool) -> None:
        if self._shown:
            self.err.write("\n")
            self._shown = False
        if self.report:
            print(summary.line(), file=self.err, flush=True)
        if json_summary:
            print(summary.to_json(), file=self.out, flush=True)


async def ingest(paths: list[str], options: IngestOptions | None = None,
                 settings: Settings | None = None) -> IngestSummary:
    """``publish`` with the command's reporting: bad inputs and progress on stderr while it
    runs, the summary at the end. Raises ProducerError like ``publish``."""
    options = options or IngestOptions()
    settings = settings or Settings.from_env()
    output = _Output(options)
    summary = await publish(paths, options, settings, output)
    output.done(summary, options.json_summary)
    return summary


def run(paths: list[str], options: IngestOptions, settings: Settings) -> int:
    """Run ``ingest`` to completion and return the exit code; errors are printed on stderr."""
    err = options.stderr or sys.stderr
    try:
        summary = asyncio.run(ingest(paths, options, settings))
    except ProducerError as exc:
        print(f"{PREFIX}: error: {exc}", file=err, flush=True)
        return 2
    except KeyboardInterrupt:
        print(f"{PREFIX}: interrupted; records sent before the interrupt may or may not be published",
              file=err, flush=True)
        return 130
    return exit_code(summary)


