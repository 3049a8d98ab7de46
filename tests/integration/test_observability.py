"""Metrics and stall detection with the real broker and the sink as a real process.

- after records are stored, the sink's /metrics/ counts them and has their end-to-end latency;
- a sink that cannot write (another process holds the chDB store) while records wait is
  reported stalled by /health/ (503, partitions listed) and by ``svodka status --json``;
  once the store is released it catches up and health is ok again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from svodka.runtime.localkafka import port_open
from svodka.runtime.topics import consumer_lag
from svodka.settings import TOPIC_STORIED
from svodka.timeutil import now_iso
from svodka_services.cli import stack
from tests.kit import kafka
from tests.kit.kafka import create_topics, svodka_env
from tests.kit.processes import SVODKA, kill_all, settings_for, spawn_sink, wait_rows
from tests.kit.records import enriched
from tests.kit.waiting import wait_until as wait_for

pytestmark = pytest.mark.integration

GROUP = "svodka-sink"


@pytest.fixture
def obs_env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka, SVODKA_SINK_BATCH_SIZE="50", SVODKA_STALL_SECONDS="3")
    settings = settings_for(env)
    create_topics(settings.kafka.bootstrap, settings.kafka.partitions)
    procs: list[stack.ServiceProc] = []
    yield env, settings, procs
    kill_all(procs)


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")
    except OSError:
        return 0, b"", ""


def health(sink: stack.ServiceProc) -> tuple[int, dict]:
    status, body, _ = get(f"{sink.url}/health/")
    return status, (json.loads(body) if status else {})


def metrics(sink: stack.ServiceProc) -> dict[str, float]:
    """The sink's samples as {'name{labels}': value}."""
    status, body, content_type = get(f"{sink.url}/metrics/")
    assert status == 200 and content_type.startswith("text/plain"), (status, content_type)
    samples = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def svodka_status(env) -> dict:
    proc = subprocess.run([*SVODKA, "status", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def publish(bootstrap: str, records) -> dict[int, int]:
    """Publish to articles.storied (the sink's input) with ingested_at = now; return {partition: end offset}."""
    now = now_iso()
    return kafka.publish(bootstrap, TOPIC_STORIED, [dataclasses.replace(r, ingested_at=now) for r in records])


def test_sink_metrics_count_stored_records_and_their_latency(obs_env):
    env, settings, procs = obs_env
    sink = spawn_sink(env, procs, register=True)
    ends = publish(settings.kafka.bootstrap, [enriched(i) for i in range(120)])
    assert wait_rows(sink, 120) == 120

    label = '{service="sink"}'
    samples = wait_for(lambda: (m := metrics(sink)).get(f"svodka_processed_total{label}") == 120 and m, 10)
    assert samples, metrics(sink)
    assert samples[f"svodka_end_to_end_latency_seconds_count{label}"] == 120
    assert 0 < samples[f"svodka_end_to_end_latency_seconds_sum{label}"] / 120 < 60
    assert samples[f"svodka_batch_size_sum{label}"] == 120
    assert samples[f"svodka_batch_size_count{label}"] >= 3  # batches of at most 50
    assert samples[f"svodka_failed_total{label}"] == 0 and samples[f"svodka_dead_lettered_total{label}"] == 0

    # Everything acked: no partition waits, health is ok and lists the 3 topics' partitions.
    status, body = wait_for(lambda: (h := health(sink))[1].get("lag") == 0 and h, 10)
    assert status == 200 and body["ok"] and body["stalled"] == [] and body["store_open"]
    assert len(body["partitions"]) == 3 * settings.kafka.partitions
    processed = {p["partition"]: p["processed"] for p in body["partitions"] if p["topic"] == TOPIC_STORIED}
    assert {p: o + 1 for p, o in processed.items() if o is not None} == ends


def test_a_sink_that_cannot_store_is_reported_stalled_until_it_can(obs_env):
    env, settings, procs = obs_env
    # A first run stores and commits a few records, so the group has offsets to lag behind.
    sink = spawn_sink(env, procs, register=True)
    publish(settings.kafka.bootstrap, [enriched(i) for i in range(16)])
    assert wait_rows(sink, 16) == 16
    os.killpg(sink.pid, signal.SIGTERM)  # a clean stop commits what was stored
    assert wait_for(lambda: not sink.alive, 30)

    # Another process holds the chDB store until told to let go: the next sink cannot write.
    url = env["SVODKA_CLICKHOUSE_URL"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from svodka.store import connect; "
         f"c = connect({url!r}, create_database=True); print('locked', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        sink = spawn_sink(env, procs, register=True, ready=False)
        ends = publish(settings.kafka.bootstrap, [enriched(i) for i in range(16, 116)])
        waiting = {(TOPIC_STORIED, p) for p in ends}

        def stalled():
            status, body = health(sink)
            return status == 503 and {(s["topic"], s["partition"]) for s in body["stalled"]} == waiting and body

        # Nobody looks for a while: the idle clock runs from the assignment, not from the first look.
        assert wait_for(lambda: port_open(sink.web_port), 60)
        time.sleep(8)
        first_look = time.monotonic()
        body = wait_for(stalled, 60)
        assert body, health(sink)
        assert time.monotonic() - first_look < 3, "the first look restarted the idle clock"
        assert body["ok"] is False and not body["store_open"] and body["retries"] >= 1
        assert all(s["lag"] > 0 and s["idle_s"] >= 3 for s in body["stalled"])

        info = svodka_status(env)
        [entry] = info["services"]
        assert entry["name"] == "sink-1" and entry["up"] and entry["ok"] is False
        assert {(s["topic"], s["partition"]) for s in entry["stalled"]} == waiting
        assert {(s["service"], s["topic"], s["partition"]) for s in info["stalled"]} == {
            ("sink-1", t, p) for t, p in waiting}
        assert {(g["group"], g["topic"]) for g in info["lagging"]} == {(GROUP, TOPIC_STORIED)}
        # (only partitions the group has committed in count: the ones the first run had records in)
        assert 0 < sum(g["lag"] for g in info["lagging"]) <= 100
    finally:
        holder.communicate("\n", timeout=30)  # release the store

    # The sink's next retry opens the store; it stores the held batches and health is ok again.
    assert wait_rows(sink, 116, timeout=60) == 116
    status, body = wait_for(lambda: (h := health(sink))[0] == 200 and h, 20)
    assert status == 200 and body["ok"] and body["stalled"] == [] and body["lag"] == 0
    info = svodka_status(env)
    assert info["stalled"] == [] and info["services"][0]["ok"] is True
    rows = asyncio.run(consumer_lag(settings.kafka.bootstrap))
    assert {r.group for r in rows} == {GROUP}
