"""Fixtures of the integration tests (the broker fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.kit.kafka import Topics, fresh_topics


@pytest.fixture
def topics() -> Topics:
    """A raw and a dead-letter topic no other test uses."""
    return fresh_topics()
