"""The checks every HTTP endpoint that runs SQL makes before it runs anything.

Pure: given the request's headers and body and the stack's credentials, ``admit`` returns
either the statement and timeout to run, or the HTTP status and message to answer with:

- 403 when a browser says the request comes from another site (``Origin``), whatever
  its credentials: a page open in a local browser must not reach the store;
- 401 without the stack's credentials (``svodka.runtime.credentials``), 503 when the
  stack has none yet (fail closed);
- 415 unless the body is declared JSON (``Content-Type: application/json``): a browser
  can send ``text/plain`` cross-site without a preflight, never ``application/json``;
- 400 for a body that is not a JSON object with an ``sql`` string, or a ``timeout`` that
  is not a positive number; never a 500.

The timeout a request asks for is capped by the server's (``SVODKA_QUERY_TIMEOUT``).
Used by the sink's ``/sql/``; the dashboard and the ClickHouse HTTP interface use it too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

from svodka.runtime.credentials import Credentials, authorized, same_origin

__all__ = ["Admitted", "MAX_BODY_BYTES", "Refused", "admit", "check_access"]

MAX_BODY_BYTES = 1 << 20  # a statement longer than 1 MiB is not an analyst's query


@dataclass(frozen=True)
class Admitted:
    sql: str
    timeout_s: float  # already capped


@dataclass(frozen=True)
class Refused:
    status: int
    error: str

    def to_json(self) -> dict:
        return {"error": self.error}


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value or ""


def check_access(headers: Mapping[str, str], creds: Credentials | None) -> Refused | None:
    """Origin and credentials, for any SQL endpoint (also one that takes no body)."""
    if not same_origin(headers):
        return Refused(403, "cross-origin requests are refused (the Origin header names another site)")
    if creds is None:
        return Refused(503, "the stack has no credentials yet: run `svodka up`")
    if not authorized(headers, creds):
        return Refused(401, "credentials required: send Authorization: Bearer <password> from "
                            "SVODKA_HOME/run/credentials.json (svodka's CLI does this)")
    return None


def admit(headers: Mapping[str, str], body: bytes, creds: Credentials | None,
          max_timeout_s: float) -> Admitted | Refused:
    """The statement and timeout to run, or why not (status and message)."""
    refused = check_access(headers, creds)
    if refused is not None:
        return refused
    content_type = _header(headers, "Content-Type").split(";")[0].strip().lower()
    if content_type != "application/json":
        return Refused(415, f"send the query as JSON (Content-Type: application/json), not {content_type or 'none'}")
    if len(body) > MAX_BODY_BYTES:
        return Refused(413, f"the request body is {len(body)} bytes, over the limit of {MAX_BODY_BYTES}")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Refused(400, f"the body is not valid JSON: {str(exc)[:200]}")
    if not isinstance(data, dict):
        return Refused(400, f"POST a JSON object with an 'sql' string, not a JSON {type(data).__name__}")
    sql = data.get("sql")
    if not isinstance(sql, str):
        return Refused(400, "'sql' must be a string" + ("" if "sql" in data else " (it is missing)"))
    timeout = data.get("timeout")
    if timeout is None:
        return Admitted(sql=sql, timeout_s=max_timeout_s)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or timeout <= 0:
        return Refused(400, f"'timeout' must be a positive number of seconds, got {json.dumps(timeout)[:50]}")
    return Admitted(sql=sql, timeout_s=min(float(timeout), max_timeout_s))
