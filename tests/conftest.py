"""Shared fixtures: the real local Kafka broker on a free port, and chDB stores in temp dirs.

Helpers live in ``tests/kit``; ``REPO``, ``SEEDS`` and ``svodka_env`` are also importable
from here for the branches merged this session that still do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.runtime.localkafka import LocalKafka, scratch_broker
from tests.kit.kafka import svodka_env
from tests.kit.seeds import REPO, SEEDS_DIR

SEEDS = SEEDS_DIR

__all__ = ["REPO", "SEEDS", "svodka_env"]


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> LocalKafka:
    """A real broker for the whole test session. Jars are shared with the dev cache
    (``.svodka/kafka/libs``) so they are resolved once per machine."""
    broker = scratch_broker(tmp_path_factory.mktemp("kafka-home"))
    yield broker
    broker.stop()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


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
