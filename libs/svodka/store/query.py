"""Read-only, time-limited SQL for users (``svodka sql``, reports, the sink's query endpoint).

Read-only is enforced twice, in ways that cannot leak into the sink's writes:
- the statement is parsed by ClickHouse itself (``EXPLAIN AST``) and only a single
  SELECT / SHOW / DESCRIBE / EXISTS statement is accepted;
- in embedded mode user queries run on their *own* chDB connection handle, made
  ``readonly=2`` once; chDB keeps session settings per handle, so the sink's handle
  is never touched (the chdb backend applies per-call settings to the handle's
  session, and a statement that fails under ``readonly=1`` leaves that session
  read-only: that is why no per-call ``readonly`` setting is ever used here).
  In server mode each query carries ``readonly=2`` as an HTTP-request setting.
The time limit is ``max_execution_time``, which ``readonly=2`` still allows.
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import uuid
from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from svodka.store.client import connect, is_embedded

ALLOWED_AST = ("SelectWithUnionQuery", "SelectQuery", "SelectIntersectExceptQuery", "ShowTables",
               "ShowColumns", "DescribeQuery", "ExistsTableQuery", "ShowCreateTableQuery",
               "ShowCreate", "ShowDatabases", "DescribeTableQuery")


class QueryRefused(ValueError):
    """The statement is not a single read-only query."""


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


# Table functions that reach outside the database (files, network, programs).
OUTSIDE_FUNCTIONS = ("file", "url", "s3", "s3cluster", "hdfs", "remote", "remotesecure", "mysql", "postgresql",
                     "executable", "jdbc", "odbc", "sqlite", "mongodb", "redis", "azureblobstorage", "gcs",
                     "cluster", "clusterallreplicas", "input", "python", "arrowstream", "deltalake", "iceberg",
                     "hudi", "fuzzjson", "urlcluster", "filecluster")


def _single_statement(sql: str) -> str:
    """The statement without a trailing ';'; refuse several statements in one string."""
    statement = sql.strip().rstrip(";").strip()
    quote = None
    for i, ch in enumerate(statement):
        if quote:
            if ch == "\\":
                continue
            if ch == quote and statement[i - 1] != "\\":
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            raise QueryRefused("one statement at a time, please (found ';' inside the query)")
    return statement


def check_read_only(client: Client, sql: str) -> str:
    """Return the statement stripped of a trailing ';' or raise QueryRefused."""
    statement = _single_statement(sql)
    if not statement:
        raise QueryRefused("empty query")
    try:
        ast = client.query(f"EXPLAIN AST {statement}").result_rows
    except Exception as exc:
        raise QueryRefused(f"cannot parse the query: {str(exc).splitlines()[0][:300]}") from None
    top = ast[0][0].strip().split(" ")[0] if ast else ""
    if top not in ALLOWED_AST:
        raise QueryRefused(f"only read-only queries (SELECT, SHOW, DESCRIBE, EXISTS) are allowed, got {top or 'nothing'}")
    if any(row[0].strip().startswith(("Insert", "Alter", "Drop", "Create", "Delete", "Rename", "Truncate", "Optimize",
                                      "System", "Kill", "Set", "Grant", "Revoke"))
           for row in ast):
        raise QueryRefused("only read-only queries are allowed")
    for row in ast:
        node = row[0].strip()
        if node.startswith("Function "):
            name = node.split(" ")[1].lower()
            if name in OUTSIDE_FUNCTIONS:
                raise QueryRefused(f"the table function {name}() reaches outside the database and is not allowed")
    return statement


def run_query(client: Client, sql: str, *, timeout_s: float, embedded: bool) -> QueryResult:
    """Run one read-only statement with a time limit."""
    statement = check_read_only(client, sql)
    settings: dict = {"max_execution_time": max(1, int(timeout_s))}
    if not embedded:
        settings["readonly"] = 2  # an HTTP request setting: scoped to this request only
    result = client.query(statement, settings=settings)
    return QueryResult(columns=list(result.column_names), types=[t.name for t in result.column_types],
                       rows=[list(r) for r in result.result_rows])
