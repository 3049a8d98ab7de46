"""One stack with the seeds stored, shared by the dashboard and query-endpoint tests of this folder.

A broker of its own (topics start empty), ``svodka up`` as a user runs it, ``svodka ingest seeds/
--wait``; the tests then read ``svodka status --json`` for the dashboard's and the query
endpoint's addresses and credentials, exactly what a user or a BI tool gets.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from svodka.runtime.localkafka import scratch_broker
from tests.conftest import REPO, SEEDS, svodka_env
from tests.helpers import svodka

SCREENSHOTS = REPO / "build" / "screenshots"


@dataclass
class Stack:
    env: dict
    status: dict
    home: Path

    @property
    def dashboard(self) -> str:
        return self.status["dashboard"].rstrip("/")

    @property
    def login(self) -> str:
        return self.status["dashboard_login"]

    @property
    def query(self) -> dict:
        return self.status["query_endpoint"]


@pytest.fixture(scope="package")
def seeded(tmp_path_factory) -> Stack:
    broker = scratch_broker(tmp_path_factory.mktemp("web-kafka"))
    home = tmp_path_factory.mktemp("web-home")
    env = svodka_env(home, broker)
    try:
        svodka(env, "up", "-q")
        landed = json.loads(svodka(env, "ingest", str(SEEDS), "--wait", "--json").stdout.strip().splitlines()[-1])
        assert landed["stored"] == 5, landed
        status = json.loads(svodka(env, "status", "--json").stdout)
        yield Stack(env=env, status=status, home=home)
    finally:
        svodka(env, "down", "-q", check=False)
        broker.stop()


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
