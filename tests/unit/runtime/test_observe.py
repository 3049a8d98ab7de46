"""svodka.runtime.observe without faust: the stall rule on a fake clock, the health body, the Prometheus text."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from svodka.runtime.observe import Observer, StallTracker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def by_key(parts):
    return {(p.topic, p.partition): p for p in parts}


def test_a_partition_with_records_waiting_stalls_after_the_period_without_progress(clock):
    tracker = StallTracker(60, clock)
    tracker.progress("t", 0, 9)
    clock.now += 59
    [p] = tracker.check([("t", 0, 15, None)])
    assert (p.processed, p.lag, p.stalled) == (9, 5, False)
    clock.now += 1
    [p] = tracker.check([("t", 0, 15, None)])
    assert p.stalled and p.idle_s == 60


def test_progress_restarts_the_clock(clock):
    tracker = StallTracker(60, clock)
    tracker.progress("t", 0, 9)
    clock.now += 50
    tracker.progress("t", 0, 10)
    clock.now += 50
    [p] = tracker.check([("t", 0, 15, None)])
    assert not p.stalled and p.idle_s == 50
    tracker.progress("t", 0, 3)  # an older offset (a redelivery) is not progress
    clock.now += 10
    assert tracker.check([("t", 0, 15, None)])[0].stalled


def test_a_caught_up_partition_never_stalls(clock):
    tracker = StallTracker(60, clock)
    tracker.progress("t", 1, 41)
    clock.now += 3600
    [p] = tracker.check([("t", 1, 42, None)])  # highwater = last processed + 1: nothing waits
    assert (p.lag, p.stalled) == (0, False)


def test_unknown_highwater_is_not_a_stall(clock):
    tracker = StallTracker(60, clock)
    tracker.check([("t", 0, None, None)])
    clock.now += 3600
    [p] = tracker.check([("t", 0, None, None)])
    assert p.lag is None and not p.stalled


def test_nothing_processed_yet_counts_from_the_committed_offset_or_the_start(clock):
    tracker = StallTracker(10, clock)
    parts = [("t", 0, 30, 30), ("t", 1, 30, 12), ("t", 2, 4, None)]
    tracker.check(parts)  # first seen now: the idle clock starts at assignment
    clock.now += 10
    got = by_key(tracker.check(parts))
    assert (got["t", 0].processed, got["t", 0].lag, got["t", 0].stalled) == (29, 0, False)
    assert (got["t", 1].processed, got["t", 1].lag, got["t", 1].stalled) == (11, 18, True)
    assert (got["t", 2].processed, got["t", 2].lag, got["t", 2].stalled) == (None, 4, True)


def test_the_first_committed_offset_is_a_starting_point_not_progress(clock):
    tracker = StallTracker(10, clock)
    tracker.assigned([("t", 0)])
    clock.now += 20  # nobody asked for health until now
    [p] = tracker.check([("t", 0, 30, 12)])
    assert (p.processed, p.lag, p.idle_s, p.stalled) == (11, 18, 20, True)


def test_a_commit_that_moves_on_counts_as_progress(clock):
    tracker = StallTracker(10, clock)
    tracker.check([("t", 0, 30, 12)])
    clock.now += 9
    tracker.check([("t", 0, 30, 20)])
    clock.now += 9
    assert not tracker.check([("t", 0, 30, 20)])[0].stalled


def test_reassignment_restarts_the_clock_and_revoked_partitions_are_forgotten(clock):
    tracker = StallTracker(10, clock)
    tracker.progress("t", 0, 5)
    tracker.progress("t", 1, 5)
    clock.now += 20
    tracker.assigned([("t", 0)])
    got = by_key(tracker.check([("t", 0, 9, None)]))
    assert set(got) == {("t", 0)} and not got["t", 0].stalled
    clock.now += 1
    [p] = tracker.check([("t", 1, 9, None)])  # assigned again later: a fresh start
    assert (p.processed, p.idle_s) == (None, 0)


def test_health_is_503_with_the_stalled_partitions_and_keeps_the_service_fields(clock):
    view = {"parts": [("articles.enriched", 3, 20, None), ("articles.enriched", 4, 0, None)]}
    extra = {"store_open": False, "retries": 4}
    obs = Observer("sink", stall_seconds=5, clock=clock, partitions=lambda: view["parts"], extra=lambda: extra)
    status, body = obs.health()
    assert status == 200 and body["ok"] is True and body["stalled"] == []
    assert body["store_open"] is False and body["retries"] == 4 and body["service"] == "sink"
    clock.now += 5
    status, body = obs.health()
    assert status == 503 and body["ok"] is False
    assert body["stalled"] == [{"topic": "articles.enriched", "partition": 3, "lag": 20, "idle_s": 5.0}]
    assert body["lag"] == 20 and len(body["partitions"]) == 2
    for offset in range(20):
        obs.progress("articles.enriched", 3, offset)
    status, body = obs.health()
    assert status == 200 and body["ok"] and body["lag"] == 0


def test_service_fields_can_veto_health(clock):
    obs = Observer("sink", clock=clock, extra=lambda: {"ok": False, "why": "disk full"})
    status, body = obs.health()
    assert status == 503 and body["ok"] is False and body["why"] == "disk full" and body["stalled"] == []


def test_prometheus_text_has_the_metric_names(clock):
    obs = Observer("sink", stall_seconds=5, clock=clock, partitions=lambda: [("articles.enriched", 0, 7, None)])
    obs.tracker.assigned([("articles.enriched", 0)])
    obs.processed(3)
    obs.failed()
    obs.dead_lettered(2)
    obs.batch(3)
    obs.latency_since("2025-07-12T01:00:00+00:00", now=datetime(2025, 7, 12, 1, 0, 2, tzinfo=timezone.utc))
    obs.latency_since("not a date")  # ignored
    clock.now += 5
    text = obs.metrics_text().decode()
    assert 'svodka_processed_total{service="sink"} 3.0' in text
    assert 'svodka_failed_total{service="sink"} 1.0' in text
    assert 'svodka_dead_lettered_total{service="sink"} 2.0' in text
    assert 'svodka_batch_size_count{service="sink"} 1.0' in text
    assert 'svodka_end_to_end_latency_seconds_count{service="sink"} 1.0' in text
    assert 'svodka_end_to_end_latency_seconds_sum{service="sink"} 2.0' in text
    assert 'svodka_end_to_end_latency_seconds_bucket{le="2.5",service="sink"} 1.0' in text
    assert 'svodka_partition_lag{partition="0",service="sink",topic="articles.enriched"} 7.0' in text
    assert 'svodka_partition_stalled{partition="0",service="sink",topic="articles.enriched"} 1.0' in text


def test_each_observer_has_its_own_registry():
    a, b = Observer("extract"), Observer("extract")
    a.processed(5)
    assert 'svodka_processed_total{service="extract"} 0.0' in b.metrics_text().decode()
