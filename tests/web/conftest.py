"""One stack with the seeds stored, shared by the dashboard and query-endpoint tests of this folder.

A broker of its own (topics start empty), ``svodka up`` as a user runs it, ``svodka ingest seeds/
--wait``; the tests then read ``svodka status --json`` for the dashboard's and the query
endpoint's addresses and credentials, exactly what a user or a BI tool gets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from svodka.runtime.localkafka import scratch_broker

from tests.kit.kafka import svodka_env
from tests.kit.processes import svodka
from tests.kit.seeds import SEEDS_DIR as SEEDS


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
