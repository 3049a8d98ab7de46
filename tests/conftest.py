"""Shared fixtures: the real local Kafka broker on a free port, and chDB stores in temp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svodka.localkafka import LocalKafka, free_port

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> LocalKafka:
    """A real broker for the whole test session. Jars are shared with the dev cache
    (``.svodka/kafka/libs``) so they are resolved once per machine."""
    home = tmp_path_factory.mktemp("kafka-home")
    cache = REPO / ".svodka" / "kafka" / "libs"
    broker = LocalKafka(home=home, port=free_port(), partitions=8)
    cache.parent.mkdir(parents=True, exist_ok=True)
    LocalKafka(home=REPO / ".svodka").ensure_jars()
    (home / "kafka").mkdir(parents=True, exist_ok=True)
    os.symlink(cache.resolve(), broker.libs_dir)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS
