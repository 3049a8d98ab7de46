"""ClickHouse's HTTP interface on the embedded store, served by the process that owns it (the sink).

chDB has no server mode, so BI tools (Grafana's ClickHouse data source, Superset, Metabase,
DBeaver) and ``clickhouse-connect`` in a notebook could not reach the embedded store. This module
answers the part of ClickHouse's HTTP protocol those clients use (see ``svodka.store.chhttp``) on
its own port, bound to 127.0.0.1, and hands each query to chDB on the sink's read-only handle;
chDB renders the requested output format (Native, JSONEachRow, CSV, Parquet, ...) itself.

Rules, the same as for ``svodka sql`` and the sink's ``/sql/``:
- credentials required and cross-site browser requests refused (``svodka.runtime.sqlgate.check_access``:
  Basic auth, X-ClickHouse-User/Key, Bearer, or ``?user=&password=`` as ClickHouse also takes them);
- only single read-only statements (``svodka.store.query.check_read_only``, the one allow-list),
  under the user-query limits (``QueryLimits``: time, memory, result size); output settings only.
``/ping`` answers ``Ok.`` without credentials, as ClickHouse does, so load balancers and clients
can probe it.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import time
import uuid
import zlib
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from aiohttp import web
from multidict import CIMultiDict

from svodka.runtime import credentials, sqlgate
from svodka.store.chhttp import BadRequest, HttpQuery, content_type, parse, response_encoding
from svodka.store.client import DEFAULT_DATABASE
from svodka.store.query import QueryLimits, QueryRefused, check_read_only

__all__ = ["QueryEndpoint", "serve"]

log = logging.getLogger("svodka.sink.query_endpoint")

DISPLAY_NAME = "svodka"
# Databases a client may name: the store's own, and "default", which many clients send unasked.
_OWN_DATABASES = (DEFAULT_DATABASE, "default")
_CODE = re.compile(r"Code:\s*(\d+)")
_SELECT = re.compile(r"^\s*(\(\s*)*(SELECT|WITH)\b", re.IGNORECASE)
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")  # setting values: a number or a word, nothing to escape
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class StoreNotOpen(RuntimeError):
    """The sink has not opened the store yet."""


class QueryEndpoint:
    """The aiohttp application. ``client()`` returns the read-only chDB client (None until open)."""

    def __init__(self, *, home: Path, client: Callable[[], object], executor: Executor,
                 limits: QueryLimits) -> None:
        self.home = Path(home)
        self.client = client  # called on the executor's thread: the sink gives each thread its own handle
        self.executor = executor
        self.limits = limits
        self._creds: credentials.Credentials | None = None
        self._timezone = "UTC"
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.router.add_route("*", "/ping", self.ping)
        self.app.router.add_route("*", "/replicas_status", self.ping)
        self.app.router.add_route("*", "/", self.query)
        self.app.router.add_route("*", "/query", self.query)

    # -- handlers --------------------------------------------------------------------------

    async def ping(self, request: web.Request) -> web.Response:
        return web.Response(text="Ok.\n", headers=self._base_headers())

    async def query(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "GET" and "query" not in request.query and not body:
            return await self.ping(request)  # `GET /` is ClickHouse's liveness answer too
        headers = CIMultiDict(request.headers)  # case-insensitive: clients spell header names every way
        if "user" in request.query or "password" in request.query:  # ClickHouse also takes them in the URL
            headers.setdefault("X-ClickHouse-User", request.query.get("user", ""))
            headers.setdefault("X-ClickHouse-Key", request.query.get("password", ""))
        if headers.get("Sec-Fetch-Site", "") == "cross-site":  # a page on another site, even without Origin
            return self._error(403, 0, "cross-site requests are refused")
        refused = sqlgate.check_access(headers, self._credentials())
        if refused is not None:
            code = {401: 516, 403: 0, 503: 0}.get(refused.status, 0)
            extra = {"WWW-Authenticate": 'Basic realm="svodka"'} if refused.status == 401 else None
            message = refused.error
            if refused.status == 401:
                message = ("Authentication failed: password is incorrect, or there is no user with such name "
                           "(AUTHENTICATION_FAILED); use the query_endpoint user and password from "
                           "`svodka status --json`")
            return self._error(refused.status, code, message, extra=extra)
        try:
            query = parse(request.method, request.query, body, headers)
        except BadRequest as exc:
            return self._error(400, 62, str(exc))
        if query.database is not None and query.database not in _OWN_DATABASES:
            return self._error(404, 81, f"Database {query.database} does not exist: this endpoint serves the "
                                        f"embedded store's database {DEFAULT_DATABASE!r} (UNKNOWN_DATABASE)")
        query_id = query.query_id or str(uuid.uuid4())
        started = time.perf_counter()
        try:
            data = await asyncio.get_running_loop().run_in_executor(self.executor, self._run, query)
        except StoreNotOpen:
            return self._error(503, 0, "the store is not open yet", query_id=query_id)
        except QueryRefused as exc:
            return self._error(403, 164, f"{exc} (READONLY)", query_id=query_id)
        except Exception as exc:  # noqa: BLE001 - ClickHouse's own message goes back, as a server would send it
            message = str(exc).strip()
            found = _CODE.search(message)
            return self._error(400, int(found.group(1)) if found else 0, message[:2000], query_id=query_id)
        elapsed_ns = int((time.perf_counter() - started) * 1e9)
        headers = self._base_headers()
        headers.update({
            "Content-Type": content_type(query.format),
            "X-ClickHouse-Format": query.format,
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Summary": json.dumps({
                "read_rows": "0", "read_bytes": "0", "written_rows": "0", "written_bytes": "0",
                "total_rows_to_read": "0", "result_rows": "0", "result_bytes": str(len(data)),
                "elapsed_ns": str(elapsed_ns)}),
        })
        encoding = response_encoding(query, request.headers.get("Accept-Encoding", ""))
        if encoding == "gzip":
            data = gzip.compress(data, compresslevel=3)
        elif encoding == "deflate":
            data = zlib.compress(data, 3)
        if encoding:
            headers["Content-Encoding"] = encoding
        # aiohttp must not re-encode what is already compressed
        return web.Response(body=data, headers=headers)

    # -- helpers ---------------------------------------------------------------------------

    def _run(self, query: HttpQuery) -> bytes:
        client = self.client()
        if client is None:
            raise StoreNotOpen()
        statement = check_read_only(client, query.sql)
        settings = {k: v for k, v in query.settings.items() if _SAFE_VALUE.match(v)}
        # svodka's limits go last, so they win over anything a client sent
        settings.update({k: str(v) for k, v in self.limits.settings().items()})
        parameters = query.parameters or None
        if _SELECT.match(statement):
            # A SETTINGS clause, added after the check: per-call settings on a chDB handle cost a
            # snapshot of system.settings, a SET and a restore (measured 12.3 ms per query against
            # 1.4 ms with the clause), and a dashboard page runs eight queries.
            clause = ", ".join(f"{k} = {v if _NUMBER.match(v) else repr(v)}" for k, v in settings.items())
            result = client.raw_query(f"{statement}\nSETTINGS {clause}", parameters=parameters, fmt=query.format)
        else:  # SHOW / DESCRIBE / EXISTS take no SETTINGS clause
            result = client.raw_query(statement, parameters=parameters, settings=settings, fmt=query.format)
        return bytes(result or b"")

    def _credentials(self) -> credentials.Credentials | None:
        if self._creds is None:
            self._creds = credentials.load(self.home)
        return self._creds

    def _base_headers(self) -> dict[str, str]:
        return {"X-ClickHouse-Server-Display-Name": DISPLAY_NAME, "X-ClickHouse-Timezone": self._timezone,
                "Connection": "Keep-Alive"}

    def _error(self, status: int, code: int, message: str, *, query_id: str = "",
               extra: dict[str, str] | None = None) -> web.Response:
        headers = self._base_headers()
        headers["X-ClickHouse-Exception-Code"] = str(code)
        if query_id:
            headers["X-ClickHouse-Query-Id"] = query_id
        headers.update(extra or {})
        text = message if message.startswith("Code:") else f"Code: {code}. DB::Exception: {message}"
        return web.Response(status=status, text=text.rstrip() + "\n", headers=headers,
                            content_type="text/plain", charset="utf-8")


async def serve(endpoint: QueryEndpoint, host: str, port: int) -> None:
    """Serve until cancelled (the sink runs this as a faust task)."""
    runner = web.AppRunner(endpoint.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("ClickHouse HTTP interface up", extra={"fields": {"url": f"http://{host}:{port}"}})
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
