"""Where user SQL goes, and how results are printed.

- Server mode (``http://…``): straight to the ClickHouse server, read-only per request.
- Embedded mode (``chdb://…``) with the stack up: the sink owns the store, so the
  query goes to the sink's read-only endpoint (``POST /sql/``) with the stack's
  credentials (``SVODKA_HOME/run/credentials.json``).
- Embedded mode with the stack down: this process opens the store itself, on a
  read-only handle, for that one query only and closes it: a sink started meanwhile
  (``svodka up`` while ``ingest --wait`` polls) must be able to take the store back.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata

from svodka.runtime import credentials
from svodka.store.client import ClickHouseError, chdb_path, is_embedded
from svodka.store.query import QueryLimits, QueryRefused, QueryResult, readonly_client, run_query
from svodka.settings import Settings

from svodka_services.cli.stack import StackState, http_json


class QueryError(RuntimeError):
    """The query failed; the message is for the user."""


class Queries:
    """Runs read-only SQL against the configured ClickHouse, wherever it lives."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None

    def run(self, sql: str, timeout: float | None = None) -> QueryResult:
        timeout = timeout or self.settings.query.timeout_s
        url = self.settings.clickhouse_url
        if is_embedded(url):
            sinks = StackState.load(self.settings).live("sink")
            if sinks:
                creds = credentials.load(self.settings.home)
                answer = http_json(f"{sinks[0].url}/sql/", {"sql": sql, "timeout": timeout}, timeout=timeout + 10,
                                   headers=creds.bearer() if creds else None)
                if answer is None:
                    raise QueryError(f"the sink ({sinks[0].url}) did not answer")
                if "error" in answer:
                    raise QueryError(answer["error"])
                return QueryResult.from_json(answer)
        limits = QueryLimits(timeout_s=self.settings.query.timeout_s, memory_bytes=self.settings.query.memory_bytes)
        try:
            if self._client is None:
                if is_embedded(url) and not (chdb_path(url) / "metadata").exists():
                    raise QueryError(f"no data yet at {chdb_path(url)}: run `svodka up` and `svodka ingest` first")
                self._client = readonly_client(url)
            return run_query(self._client, sql, timeout_s=timeout, embedded=is_embedded(url), limits=limits)
        except QueryRefused as exc:
            raise QueryError(str(exc)) from None
        except ClickHouseError as exc:
            raise QueryError(str(exc)) from None
        except QueryError:
            raise
        except Exception as exc:  # noqa: BLE001 - ClickHouse's message is what the user needs
            raise QueryError(str(exc).strip().splitlines()[0][:1000]) from None
        finally:
            if is_embedded(url):
                self.close()  # never hold the embedded store past one query

    def close(self) -> None:
        """Let go of the store (embedded: another process may open it now)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

    def scalar(self, sql: str):
        rows = self.run(sql).rows
        return rows[0][0] if rows and rows[0] else None


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def format_table(result: QueryResult, max_width: int = 60) -> str:
    cells = [[_cell(v) for v in row] for row in result.rows]
    cells = [[c if _width(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(result.columns)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(result.columns), line(["─" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out)


def format_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_cell(v) if isinstance(v, (list, dict)) else ("" if v is None else v) for v in row])
    return buffer.getvalue().rstrip("\n")


def format_json(result: QueryResult) -> str:
    data = result.to_json()
    return "\n".join(json.dumps(dict(zip(data["columns"], row)), ensure_ascii=False) for row in data["rows"])


def print_result(result: QueryResult, fmt: str, out=None) -> None:
    text = {"table": format_table, "csv": format_csv, "json": format_json}[fmt](result)
    if text:
        print(text, file=out or sys.stdout)
