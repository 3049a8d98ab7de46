"""ClickHouse's HTTP protocol, the subset real clients speak: reading a request, naming a response.

Pure functions, no I/O: the server that owns the embedded store (``svodka_services.sink.query_endpoint``)
feeds them what aiohttp parsed and passes the result to chDB, which renders every ClickHouse output
format itself. What clients send (seen in clickhouse-connect, clickhouse-go behind Grafana's data
source, curl, JDBC behind DBeaver/Metabase/Superset):

- the query in ``?query=``, in the POST body, or both (then the URL part comes first, a newline,
  then the body: that is how ClickHouse joins them);
- the output format as ``default_format`` or a trailing ``FORMAT <name>`` (the trailing clause wins);
  with neither, TabSeparated;
- ``database``, ``query_id``, ``session_id`` and settings as further URL parameters; only a few
  settings that shape *output* are passed on (``ALLOWED_SETTINGS``), the rest are transport hints or
  would loosen the limits and are ignored, which is what a read-only ClickHouse user sees too;
- ``param_<name>`` values for ``{name:Type}`` placeholders;
- ``enable_http_compression=1`` with ``Accept-Encoding: gzip`` / ``deflate`` to get a compressed body
  (other encodings, e.g. clickhouse-connect's lz4 and zstd, are declined by sending identity, which
  every client accepts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ALLOWED_SETTINGS", "BadRequest", "DEFAULT_FORMAT", "HttpQuery", "content_type", "parse",
           "response_encoding", "split_format"]

DEFAULT_FORMAT = "TabSeparated"

# Settings a client may pass that change only how the result is written, never what may run
# (result size limits are the server's: store.query applies them to every user query).
ALLOWED_SETTINGS = frozenset({
    "max_block_size",
    "output_format_json_quote_64bit_integers", "output_format_json_quote_64bit_floats",
    "output_format_json_quote_denormals", "output_format_json_quote_decimals",
    "output_format_json_named_tuples_as_objects", "output_format_json_array_of_rows",
    "output_format_write_statistics", "output_format_pretty_max_rows", "output_format_pretty_color",
    "output_format_csv_crlf_end_of_line", "output_format_tsv_crlf_end_of_line",
    "output_format_decimal_trailing_zeros", "output_format_native_encode_types_in_binary_format",
    "date_time_output_format", "extremes", "totals_mode", "join_use_nulls",
})

# URL parameters that are part of the protocol, not settings.
PROTOCOL_PARAMS = frozenset({"query", "database", "default_format", "query_id", "session_id", "session_timeout",
                             "session_check", "user", "password", "quota_key", "compress", "decompress",
                             "enable_http_compression", "http_zlib_compression_level", "buffer_size",
                             "wait_end_of_query", "client_protocol_version", "add_http_cors_header"})

_FORMAT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z][A-Za-z0-9]*)\s*;?\s*$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_QUERY_BYTES = 256 * 1024  # ClickHouse's own max_query_size default


class BadRequest(ValueError):
    """The request is not a query we can take; the message says why (sent back with HTTP 400)."""


@dataclass(frozen=True)
class HttpQuery:
    """One query as the client asked for it."""

    sql: str  # without the trailing FORMAT clause
    format: str
    database: str | None = None
    query_id: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # only ALLOWED_SETTINGS
    parameters: dict[str, str] = field(default_factory=dict)  # values of {name:Type} placeholders
    compress: bool = False  # the client asked for a compressed response (enable_http_compression=1)


def _outside_strings(sql: str) -> str:
    """The statement with quoted strings, quoted names and comments blanked (same length)."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and sql[j] != ch:
                j += 2 if sql[j] == "\\" else 1
            out.append(" " * (min(j, n - 1) - i + 1))
            i = j + 1
        elif sql.startswith("--", i) or sql.startswith("#", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " * (j - i))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)[:n]


def split_format(sql: str) -> tuple[str, str | None]:
    """(statement without a trailing ``FORMAT x``, x or None). A FORMAT inside a string is not one."""
    blanked = _outside_strings(sql.rstrip())
    match = _TRAILING_FORMAT.search(blanked)
    if not match:
        return sql.strip(), None
    return sql[: match.start()].strip(), match.group(1)


def parse(method: str, params: Mapping[str, str], body: bytes, headers: Mapping[str, str]) -> HttpQuery:
    """The query a ClickHouse HTTP request carries, or BadRequest."""
    if method not in ("GET", "POST", "HEAD"):
        raise BadRequest(f"HTTP method {method} is not supported (use GET or POST)")
    url_query = params.get("query", "")
    try:
        body_text = body.decode("utf-8") if body else ""
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 text") from None
    if method == "GET" and body_text:
        raise BadRequest("a GET request carries the query in ?query=, not in a body")
    sql = "\n".join(part for part in (url_query, body_text) if part)
    if not sql.strip():
        raise BadRequest("empty query: send it as ?query= or as the POST body")
    if len(sql.encode("utf-8")) > MAX_QUERY_BYTES:
        raise BadRequest(f"query too long ({len(sql.encode('utf-8'))} bytes, limit {MAX_QUERY_BYTES})")
    statement, trailing = split_format(sql)
    fmt = trailing or params.get("default_format") or _header(headers, "X-ClickHouse-Format") or DEFAULT_FORMAT
    if not _FORMAT_NAME.match(fmt):
        raise BadRequest(f"not a format name: {fmt!r}")
    database = params.get("database") or _header(headers, "X-ClickHouse-Database") or None
    if database is not None and not _IDENT.match(database):
        raise BadRequest(f"not a database name: {database!r}")
    settings = {k: v for k, v in params.items() if k in ALLOWED_SETTINGS}
    wanted = set(_PLACEHOLDER.findall(_outside_strings(statement)))
    parameters = {k[len("param_"):]: v for k, v in params.items()
                  if k.startswith("param_") and k[len("param_"):] in wanted}
    return HttpQuery(sql=statement, format=fmt, database=database, query_id=params.get("query_id", ""),
                     settings=settings, parameters=parameters,
                     compress=params.get("enable_http_compression", "0") in ("1", "true"))


def response_encoding(query: HttpQuery, accept_encoding: str) -> str | None:
    """gzip or deflate when the client asked for compression and accepts it; else None (identity)."""
    if not query.compress:
        return None
    offered = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    for encoding in ("gzip", "deflate"):
        if encoding in offered:
            return encoding
    return None


def content_type(fmt: str) -> str:
    """The Content-Type ClickHouse sends for an output format."""
    name = fmt.lower()
    if name.startswith("json") and "eachrow" not in name and "lines" not in name and "stringseachrow" not in name:
        return "application/json; charset=UTF-8"
    if name.startswith("json") or name in ("ndjson", "jsonl"):
        return "application/x-ndjson; charset=UTF-8"
    if name.startswith("csv"):
        return "text/csv; charset=UTF-8; header=present" if "names" in name else "text/csv; charset=UTF-8"
    if name.startswith(("tabseparated", "tsv", "pretty", "vertical", "markdown", "values", "template", "xml")):
        return "text/plain; charset=UTF-8" if not name.startswith("xml") else "application/xml; charset=UTF-8"
    return "application/octet-stream"


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value or ""
