"""svodka.runtime.faust_internals.fetch_in_bulk: the fetch settings reach aiokafka's fetcher, and a
faust/aiokafka that moved them leaves the worker running with a warning."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

from svodka.runtime.faust_internals import fetch_in_bulk


class _Signal:
    def __init__(self) -> None:
        self.receivers = []

    def connect(self, receiver) -> None:
        self.receivers.append(receiver)

    def send(self, *args) -> None:
        for receiver in self.receivers:
            asyncio.run(receiver(self, *args))


def _app(consumer) -> SimpleNamespace:
    return SimpleNamespace(consumer=consumer, on_partitions_assigned=_Signal())


def test_sets_min_bytes_and_max_wait_after_each_assignment():
    fetcher = SimpleNamespace(_fetch_min_bytes=1, _fetch_max_wait_ms=1500)
    app = _app(SimpleNamespace(_thread=SimpleNamespace(_consumer=SimpleNamespace(_fetcher=fetcher))))
    fetch_in_bulk(app, min_bytes=256 * 1024, max_wait_s=0.3)
    assert fetcher._fetch_min_bytes == 1  # nothing happens before the consumer has partitions
    app.on_partitions_assigned.send(set())
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (256 * 1024, 300)
    fetcher._fetch_min_bytes = 1  # a consumer rebuilt by faust gets the settings again
    app.on_partitions_assigned.send(set())
    assert fetcher._fetch_min_bytes == 256 * 1024


def test_moved_internals_only_warn(caplog):
    app = _app(SimpleNamespace(_thread=None))
    fetch_in_bulk(app, min_bytes=1024, max_wait_s=0.1)
    with caplog.at_level(logging.WARNING):
        app.on_partitions_assigned.send(set())
    assert "cannot tune fetches" in caplog.text
