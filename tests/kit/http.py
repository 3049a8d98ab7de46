"""Plain HTTP for tests of the dashboard and the query endpoint: status, headers and body,
without raising on HTTP errors and without following redirects."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.kit.seeds import REPO

SCREENSHOTS: Path = REPO / "build" / "screenshots"

def http(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
         timeout: float = 30) -> tuple[int, dict, bytes]:
    """(status, headers, body) without raising on HTTP errors and without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read()
            status, got = response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body, status, got = exc.read(), exc.code, dict(exc.headers)
    got["_elapsed_ms"] = (time.perf_counter() - started) * 1000
    return status, got, body
