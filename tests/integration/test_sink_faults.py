"""The sink as a real process against a real broker: kill -9 between insert and offset commit,
and a store it cannot open for a while. Each test asserts what is in ClickHouse afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from svodka.settings import TOPIC_STORIED, Settings
from svodka_services.cli import stack
from tests.kit.kafka import create_topics, publish, svodka_env
from tests.kit.processes import kill_all, query, settings_for, spawn, wait_ready, wait_rows
from tests.kit.records import enriched
from tests.kit.waiting import wait_until

pytestmark = pytest.mark.integration


COUNTS = ("SELECT (SELECT count() FROM articles), (SELECT count() FROM mentions), (SELECT count() FROM figures), "
          "(SELECT sum(mentions) FROM mentions_per_day), (SELECT sum(figures) FROM figures_per_day)")


@pytest.fixture
def sink_env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka, SVODKA_SINK_BATCH_SIZE="50",
                     SVODKA_COMMIT_INTERVAL="600")  # offsets are committed only at shutdown
    settings = settings_for(env)
    create_topics(settings.kafka.bootstrap, settings.kafka.partitions)
    spawned.clear()
    yield env, settings
    kill_all(spawned)


spawned: list[stack.ServiceProc] = []  # every sink a test starts, killed at teardown


def start_sink(env: dict, settings: Settings) -> stack.ServiceProc:
    """A sink recorded where ``svodka sql`` looks, once it is ready."""
    proc = spawn(env, "sink", spawned)
    state = stack.StackState.load(settings)
    state.services = [proc]
    state.save(settings)
    wait_ready([proc], 90)
    return proc


def test_kill_9_between_insert_and_commit_stores_everything_once(sink_env):
    env, settings = sink_env
    sink = start_sink(env, settings)
    publish(settings.kafka.bootstrap, TOPIC_STORIED, [enriched(i) for i in range(300)])
    assert wait_rows(sink, 300) == 300
    before = query(sink, COUNTS)
    assert before == [[300, 600, 300, 600, 300]]
    os.killpg(sink.pid, signal.SIGKILL)  # nothing was committed: everything is redelivered
    sink = start_sink(env, settings)
    publish(settings.kafka.bootstrap, TOPIC_STORIED, [enriched(i) for i in range(300, 350)])
    assert wait_rows(sink, 350) == 350
    time.sleep(2)  # let any redelivered batch finish
    assert query(sink, COUNTS) == [[350, 700, 350, 700, 350]]


def test_store_locked_for_a_while_then_everything_arrives(sink_env, tmp_path):
    env, settings = sink_env
    url = env["SVODKA_CLICKHOUSE_URL"]
    # Another process owns the chDB store for 20 s: the sink cannot open it.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from svodka.store import connect; "
         f"c = connect({url!r}, create_database=True); print('locked', flush=True); time.sleep(20)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    sink = spawn(env, "sink", spawned)
    publish(settings.kafka.bootstrap, TOPIC_STORIED, [enriched(i) for i in range(200)])
    # While the store is locked the sink keeps the batch and retries it; health says so.
    seen: list[dict] = []

    def retrying() -> bool:
        seen[:] = [stack.http_json(f"{sink.url}/health/", timeout=2) or (seen[0] if seen else {})]
        return bool(seen[0].get("retries", 0) >= 1) or holder.poll() is not None

    wait_until(retrying, 30)
    health = seen[0] or None
    assert health is not None and not health["store_open"] and health["retries"] >= 1, health
    holder.wait(timeout=30)
    wait_ready([sink], 60)
    assert wait_rows(sink, 200) == 200
    time.sleep(1.5)
    assert query(sink, COUNTS) == [[200, 400, 200, 400, 200]]


def test_sigterm_while_a_batch_is_unstored_loses_nothing(sink_env):
    """A graceful stop must not commit the offsets of a batch that never reached ClickHouse."""
    env, settings = sink_env
    env = dict(env, SVODKA_COMMIT_INTERVAL="0.5")  # commit eagerly: a wrong ack would be committed
    url = env["SVODKA_CLICKHOUSE_URL"]
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from svodka.store import connect; "
         f"c = connect({url!r}, create_database=True); print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    sink = spawn(env, "sink", spawned)
    publish(settings.kafka.bootstrap, TOPIC_STORIED, [enriched(i) for i in range(100)])
    retries = lambda: (stack.http_json(f"{sink.url}/health/", timeout=2) or {}).get("retries", 0)  # noqa: E731
    assert wait_until(lambda: retries() >= 2, 60), "the sink never tried to store the batch"
    os.killpg(sink.pid, signal.SIGTERM)
    wait_until(lambda: not sink.alive, 15, step=0.1)
    assert not sink.alive, "the sink ignored SIGTERM while retrying"
    holder.stdin.close()
    holder.wait(timeout=30)
    sink = start_sink(env, settings)
    assert wait_rows(sink, 100) == 100
    time.sleep(1)
    assert query(sink, COUNTS) == [[100, 200, 100, 200, 100]]
