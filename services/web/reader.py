"""Where the dashboard's SQL goes: the same read path BI clients use, never the chDB store itself.

- Embedded store (``chdb://``): the sink owns it, so the dashboard is a client of the sink's
  ClickHouse HTTP interface (``svodka status --json`` → ``query_endpoint``), with the stack's
  credentials, through clickhouse-connect's HTTP client; the endpoint applies the read-only
  allow-list and the time limit to every statement.
- ClickHouse server (``http://``): straight to the server through the same client; user SQL is
  checked here (``run_query``) and every statement carries ``readonly=2``.
Found again after a failure, so the dashboard follows a restarted sink.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import clickhouse_connect

from svodka.settings import Settings
from svodka.store.client import connect, is_embedded
from svodka.store.query import QueryRefused, check_read_only

__all__ = ["QueryFailed", "Reader", "ReadError", "Rows"]


class ReadError(RuntimeError):
    """The store could not answer; the message is for the page."""


class QueryFailed(ReadError):
    """The store answered with an error for this statement (the page's SQL or the user's)."""


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


class Reader:
    def __init__(self, settings: Settings, endpoint: dict | None = None) -> None:
        self.settings = settings
        self.endpoint = endpoint  # {url, user, password}: a query endpoint to use instead of looking it up
        self._client = None
        self._lock = threading.Lock()
        self._columns: dict[str, tuple[float, set[str]]] = {}

    def _connect(self):
        if is_embedded(self.settings.clickhouse_url):
            from svodka_services.cli.stack import analyst_endpoints

            endpoint = self.endpoint or analyst_endpoints(self.settings)["query_endpoint"]
            if endpoint is None:
                raise ReadError("хранилище недоступно: стек не запущен (svodka up)")
            host_port = endpoint["url"].split("://", 1)[1]
            host, _, port = host_port.partition(":")
            return clickhouse_connect.get_client(
                host=host, port=int(port), username=endpoint["user"], password=endpoint["password"],
                database="svodka", autogenerate_session_id=False, compress=False, connect_timeout=3,
                send_receive_timeout=self.settings.query_timeout_s + 5)
        return connect(self.settings.clickhouse_url)

    def client(self):
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._connect()
                except ReadError:
                    raise
                except Exception as exc:  # noqa: BLE001 - any connection failure is one message for the page
                    raise ReadError(f"хранилище недоступно: {str(exc).splitlines()[0][:300]}") from None
            return self._client

    def query(self, sql: str, parameters: dict | None = None, *, user_sql: bool = False) -> Rows:
        """Run one read-only statement. ``user_sql``: typed by a person (the SQL box)."""
        client = self.client()
        settings: dict = {"max_execution_time": int(self.settings.query_timeout_s)}
        embedded = is_embedded(self.settings.clickhouse_url)
        try:
            if not embedded:
                settings["readonly"] = 2
                if user_sql:
                    sql = check_read_only(client, sql)
            result = client.query(sql, parameters=parameters, settings=settings)
        except QueryRefused:
            raise
        except Exception as exc:  # noqa: BLE001
            message = str(exc).strip()
            if "Connection refused" in message or "Max retries" in message:
                with self._lock:
                    self._client = None  # the sink may have moved: look it up again next time
            if "READONLY" in message or "(164)" in message:
                raise QueryRefused(_first_line(message)) from None
            if "Connection refused" in message or "Max retries" in message or "timed out" in message:
                raise ReadError(f"хранилище недоступно: {_first_line(message)}") from None
            raise QueryFailed(_first_line(message)) from None
        return Rows(list(result.column_names), [tuple(r) for r in result.result_rows])

    def columns(self, table: str) -> set[str]:
        """Column names of a table (cached for a minute); empty when the table does not exist.

        Lets pages use columns other engineers add (figures.action, the stories tables) as soon
        as they exist, without failing before."""
        cached = self._columns.get(table)
        if cached and time.monotonic() - cached[0] < 60:
            return cached[1]
        try:
            exists = self.query(f"EXISTS TABLE {table}").rows
            names = {r[0] for r in self.query(f"DESCRIBE TABLE {table}").rows} if exists and exists[0][0] else set()
        except ReadError:
            names = set()
        self._columns[table] = (time.monotonic(), names)
        return names


def _first_line(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        if line and not line.startswith("HTTPDriver"):
            return line[:500]
    return message[:500]
