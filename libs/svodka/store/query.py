"""Read-only, time- and memory-limited SQL for users (``svodka sql``, reports, the sink's
``/sql/``, and any later SQL endpoint: the dashboard, the ClickHouse HTTP interface).

Every statement passes three gates:

1. **An allow-list** (``svodka.store.sqlpolicy``) over ClickHouse's own parse of the
   statement (``EXPLAIN AST``), walked node by node: only SELECT / SHOW / DESCRIBE /
   EXISTS / EXPLAIN of those, only svodka's tables and a few named ``system`` ones, only
   pure table functions, no INTO OUTFILE, FORMAT or SETTINGS.
2. **Limits the statement cannot lift** (``limits``): ``max_execution_time`` (the caller's
   timeout, capped by the server's ``SVODKA_QUERY_TIMEOUT``), ``max_memory_usage``,
   ``max_result_rows`` / ``max_result_bytes`` with ``result_overflow_mode='throw'``. They go
   with every query; the allow-list refuses SETTINGS and SET, so nothing in the statement
   overrides them.
3. **A read-only handle**: in embedded mode user queries run on their *own* chDB
   connection handle, made ``readonly=2`` once; chDB keeps session settings per handle,
   so the sink's writing handle is never touched (a per-call ``readonly`` would leave the
   handle's session read-only after a failure, hence none). In server mode each query
   carries ``readonly=2`` as an HTTP-request setting, and docker-compose gives queries a
   ClickHouse user that can only SELECT from svodka's database.

chDB does not confine ``file()`` to ``user_files_path`` (measured: ``file('/etc/hostname')``
reads with it set), so in embedded mode gate 1 is what keeps a statement inside the store;
``tests/integration/test_sql_attacks.py`` probes every table function the engine lists.
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import uuid
from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from svodka.store.client import connect, is_embedded
from svodka.store.sqlpolicy import QueryRefused, check_ast

__all__ = ["QueryLimits", "QueryRefused", "QueryResult", "capped_timeout", "check_read_only", "readonly_client",
           "run_query"]


@dataclass(frozen=True)
class QueryLimits:
    """What one user query may use. The defaults suit a laptop with a few GiB to spare."""

    timeout_s: float = 30.0  # the most a caller may ask for (SVODKA_QUERY_TIMEOUT)
    memory_bytes: int = 2 << 30  # SVODKA_QUERY_MEMORY
    result_rows: int = 1_000_000
    result_bytes: int = 256 << 20

    def settings(self, requested_timeout_s: float | None = None) -> dict:
        """ClickHouse settings for one query; the requested timeout is capped by ``timeout_s``."""
        return {"max_execution_time": capped_timeout(requested_timeout_s, self.timeout_s),
                "max_memory_usage": int(self.memory_bytes),
                "max_result_rows": int(self.result_rows), "max_result_bytes": int(self.result_bytes),
                "result_overflow_mode": "throw"}


def capped_timeout(requested: float | None, cap: float) -> int:
    """Whole seconds, at least 1, never above ``cap`` (a caller asking for 1e9 gets ``cap``)."""
    value = cap if requested is None or not requested > 0 else min(float(requested), cap)
    return max(1, int(value))


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[list]

    def to_json(self) -> dict:
        return {"columns": self.columns, "types": self.types, "rows": [[_jsonable(v) for v in r] for r in self.rows]}

    @classmethod
    def from_json(cls, data: dict) -> "QueryResult":
        return cls(columns=data["columns"], types=data["types"], rows=data["rows"])


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def readonly_client(url: str, database: str | None = None) -> Client:
    """A client for user queries. Embedded: a separate chDB handle, read-only for good."""
    client = connect(url, database=database)
    if is_embedded(url):
        client.command("SET readonly = 2")
    return client


def _single_statement(sql: str) -> str:
    """The statement without a trailing ';'. Any other ';' is refused before the text reaches
    ClickHouse: chDB runs several statements in one call (measured: ``EXPLAIN AST SELECT 1;
    SELECT 2`` runs both), and a ';' hidden from a hand-written lexer (in a comment, say)
    would let the check itself run a second statement. Strings can use ``char(59)``."""
    statement = sql.strip()
    while statement.endswith(";"):
        statement = statement[:-1].rstrip()
    if ";" in statement:
        raise QueryRefused("one statement at a time, please: ';' is allowed only at the end "
                           "(write char(59) for a ';' inside a string)")
    return statement


def check_read_only(client: Client, sql: str) -> str:
    """Return the statement stripped of a trailing ';' or raise QueryRefused naming what is refused."""
    if not isinstance(sql, str):
        raise QueryRefused(f"the query must be a string, got {type(sql).__name__}")
    statement = _single_statement(sql)
    if not statement:
        raise QueryRefused("empty query")
    try:
        # command(), not query(): query() appends its own FORMAT clause, which the parser
        # would attach to the user's statement and the AST would show as theirs.
        ast = client.command(f"EXPLAIN AST {statement}")
    except Exception as exc:
        raise QueryRefused(f"cannot parse the query: {str(exc).strip().splitlines()[0][:300]}") from None
    lines = [str(part) for part in ast] if isinstance(ast, (list, tuple)) else [str(ast)]
    check_ast(lines, client.database or "svodka")
    return statement


def run_query(client: Client, sql: str, *, timeout_s: float | None = None, embedded: bool,
              limits: QueryLimits | None = None) -> QueryResult:
    """Run one allowed statement under ``limits`` (the requested ``timeout_s`` is capped by them)."""
    statement = check_read_only(client, sql)
    settings = (limits or QueryLimits()).settings(timeout_s)
    if not embedded:
        settings["readonly"] = 2  # an HTTP request setting: scoped to this request only
    result = client.query(statement, settings=settings)
    return QueryResult(columns=list(result.column_names), types=[t.name for t in result.column_types],
                       rows=[list(r) for r in result.result_rows])
