"""Shared fixtures: the real local Kafka broker on a free port, and chDB stores in temp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svodka.runtime.localkafka import LocalKafka, scratch_broker

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> LocalKafka:
    """A real broker for the whole test session. Jars are shared with the dev cache
    (``.svodka/kafka/libs``) so they are resolved once per machine."""
    broker = scratch_broker(tmp_path_factory.mktemp("kafka-home"))
    yield broker
    broker.stop()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def chdb_url(tmp_path_factory) -> str:
    """The one chDB store this test process may open (chDB hosts one engine path per
    process); test modules keep apart by using databases of their own in it."""
    return f"chdb://{tmp_path_factory.mktemp('chdb')}/store"


@pytest.fixture
def private_kafka(tmp_path_factory) -> LocalKafka:
    """A broker of the test's own (≈4 s to start), for tests whose topics must start empty."""
    broker = scratch_broker(tmp_path_factory.mktemp("private-kafka"))
    yield broker
    broker.stop()


def svodka_env(home: Path, kafka: LocalKafka, **extra: str) -> dict[str, str]:
    """Environment for running the svodka CLI and services against a test broker and store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    env.update(SVODKA_HOME=str(home), SVODKA_KAFKA_BOOTSTRAP=kafka.bootstrap,
               SVODKA_CLICKHOUSE_URL=f"chdb://{home / 'clickhouse'}", SVODKA_SINK_BATCH_SECONDS="0.3")
    env.update(extra)
    return env
