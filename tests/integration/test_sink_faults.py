"""The sink as a real process against a real broker: kill -9 between insert and offset commit,
and a store it cannot open for a while. Each test asserts what is in ClickHouse afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
from aiokafka import AIOKafkaProducer

from svodka.settings import PIPELINE_TOPICS, Settings
from svodka.records import EnrichedArticle, Figure, Mention
from svodka.runtime.topics import ensure_topics
from svodka_services.cli import stack
from tests.conftest import svodka_env
from tests.helpers import settings_for, spawn

pytestmark = pytest.mark.integration


def enriched(i: int) -> EnrichedArticle:
    return EnrichedArticle(
        id=f"sink-{i:04d}", source=f"test/{i}.txt", title=f"Статья {i}", published_at="2025-07-12T00:00:00+00:00",
        date_source="header", ingested_at="2025-07-12T01:00:00+00:00", lang="ru", length=500,
        mentions=[Mention("КНДР", "КНДР", "Северная Корея", "loc:северная-корея", "LOC", 0, 4, 0),
                  Mention("Лавров", "Лавров", "Сергей Лавров", "per:сергей-лавров", "PER", 10, 16, 0)],
        figures=[Figure("около 4 тысяч солдат", 4000.0, 4000.0, "солдат", "", "approx", 20, 40, 1, [], "")])


async def publish(bootstrap: str, records: list[EnrichedArticle]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send("articles.storied", r.to_json(), key=r.id.encode())
                               for r in records])
    finally:
        await producer.stop()


def query(sink: stack.ServiceProc, sql: str):
    answer = stack.http_json(f"{sink.url}/sql/", {"sql": sql}, timeout=30)
    assert answer and "rows" in answer, answer
    return answer["rows"]


def wait_rows(sink: stack.ServiceProc, expected: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    n = -1
    while time.monotonic() < deadline:
        answer = stack.http_json(f"{sink.url}/sql/", {"sql": "SELECT count() FROM articles"}, timeout=10)
        if answer and "rows" in answer:
            n = answer["rows"][0][0]
            if n >= expected:
                return n
        time.sleep(0.3)
    return n


COUNTS = ("SELECT (SELECT count() FROM articles), (SELECT count() FROM mentions), (SELECT count() FROM figures), "
          "(SELECT sum(mentions) FROM mentions_per_day), (SELECT sum(figures) FROM figures_per_day)")


@pytest.fixture
def sink_env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka, SVODKA_SINK_BATCH_SIZE="50",
                     SVODKA_COMMIT_INTERVAL="600")  # offsets are committed only at shutdown
    settings = settings_for(env)
    asyncio.run(ensure_topics(settings.kafka_bootstrap, PIPELINE_TOPICS, settings.partitions))
    spawned.clear()
    yield env, settings
    for proc in spawned:
        if proc.alive:
            os.killpg(proc.pid, signal.SIGKILL)


spawned: list[stack.ServiceProc] = []  # every sink a test starts, killed at teardown


def spawn_sink(env: dict, settings: Settings) -> stack.ServiceProc:
    return spawn(env, "sink", spawned)


def start_sink(env: dict, settings: Settings) -> stack.ServiceProc:
    proc = spawn_sink(env, settings)
    state = stack.StackState.load(settings)
    state.services = [proc]
    state.save(settings)
    stack._wait_ready([proc], 90)
    return proc


def test_kill_9_between_insert_and_commit_stores_everything_once(sink_env):
    env, settings = sink_env
    sink = start_sink(env, settings)
    asyncio.run(publish(settings.kafka_bootstrap, [enriched(i) for i in range(300)]))
    assert wait_rows(sink, 300) == 300
    before = query(sink, COUNTS)
    assert before == [[300, 600, 300, 600, 300]]
    os.killpg(sink.pid, signal.SIGKILL)  # nothing was committed: everything is redelivered
    sink = start_sink(env, settings)
    asyncio.run(publish(settings.kafka_bootstrap, [enriched(i) for i in range(300, 350)]))
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
    sink = spawn_sink(env, settings)
    asyncio.run(publish(settings.kafka_bootstrap, [enriched(i) for i in range(200)]))
    # While the store is locked the sink keeps the batch and retries it; health says so.
    health = None
    while holder.poll() is None:
        health = stack.http_json(f"{sink.url}/health/", timeout=2) or health
        if health and health["retries"] >= 1:
            break
        time.sleep(0.3)
    assert health is not None and not health["store_open"] and health["retries"] >= 1, health
    holder.wait(timeout=30)
    stack._wait_ready([sink], 60)
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
    sink = spawn_sink(env, settings)
    asyncio.run(publish(settings.kafka_bootstrap, [enriched(i) for i in range(100)]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = stack.http_json(f"{sink.url}/health/", timeout=2)
        if health and health.get("retries", 0) >= 2:
            break
        time.sleep(0.3)
    else:
        pytest.fail("the sink never tried to store the batch")
    os.killpg(sink.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while sink.alive and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not sink.alive, "the sink ignored SIGTERM while retrying"
    holder.stdin.close()
    holder.wait(timeout=30)
    sink = start_sink(env, settings)
    assert wait_rows(sink, 100) == 100
    time.sleep(1)
    assert query(sink, COUNTS) == [[100, 200, 100, 200, 100]]
