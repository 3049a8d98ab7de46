"""Faults with real processes and the real broker; each test asserts what is in ClickHouse after.

- kill -9 one of two extract workers mid-stream: the other takes its partitions over;
- the broker stopped for 20 s mid-stream: producer, agents and sink recover by themselves;
- a poison article goes to dead_letters and does not block its partition;
- SIGTERM stops every service within 10 s, committing what it processed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from svodka.runtime.localkafka import pid_alive
from tests.kit.kafka import svodka_env
from tests.kit.seeds import SEEDS_DIR as SEEDS, seed_body, seed_paths
from tests.kit.processes import SVODKA, sql, svodka
from tests.kit.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LOOPS = 39  # 5 seeds and 39 copies of each: 200 distinct articles


def services(env) -> list[dict]:
    return json.loads(svodka(env, "status", "--json").stdout)["services"]


def stored(env) -> int:
    return sql(env, "SELECT count() AS n FROM articles")[0]["n"]


def seed_mentions_per_copy(env) -> tuple[int, int]:
    row = sql(env, "SELECT count() AS m, (SELECT count() FROM figures) AS f FROM mentions")[0]
    return row["m"], row["f"]


def assert_stored_once(env, articles: int, per_round: tuple[int, int]) -> None:
    row = sql(env, "SELECT count() AS n, uniqExact(id) AS ids, (SELECT count() FROM mentions) AS m, "
                   "(SELECT count() FROM figures) AS f, (SELECT sum(mentions) FROM mentions_per_day) AS agg "
                   "FROM articles")[0]
    rounds = articles // 5
    assert row == {"n": articles, "ids": articles, "m": per_round[0] * rounds, "f": per_round[1] * rounds,
                   "agg": per_round[0] * rounds}, row


@pytest.fixture
def env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka)
    yield env
    svodka(env, "down", "-q", check=False)


def reference_counts(env) -> tuple[int, int]:
    """Mentions and figures of one pass over the seeds (each loop copy has the same text)."""
    svodka(env, "ingest", str(SEEDS), "--wait")
    return seed_mentions_per_copy(env)


def test_kill_9_one_of_two_extract_workers(env):
    svodka(env, "up", "-q", "--extract-workers", "2")
    per_round = reference_counts(env)
    ingest = subprocess.Popen([*SVODKA, "ingest", str(SEEDS), "--loop", str(LOOPS), "--rate", "40", "--wait",
                               "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: stored(env) >= 40, 120)
    victim = next(s for s in services(env) if s["name"] == "extract-2")
    os.killpg(victim["pid"], signal.SIGKILL)
    out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["stored"] == 200 and summary["dead_lettered"] == 0
    assert_stored_once(env, 200, per_round)


def test_broker_down_for_20_seconds_mid_stream(env, private_kafka):
    svodka(env, "up", "-q")
    per_round = reference_counts(env)
    ingest = subprocess.Popen([*SVODKA, "ingest", str(SEEDS), "--loop", str(LOOPS), "--rate", "20",
                               "--broker-timeout", "90", "--json"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: stored(env) >= 15, 120)
    private_kafka.stop()
    time.sleep(20)
    private_kafka.start()
    out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err
    ids = json.loads(out.strip().splitlines()[-1])
    assert ids["published"] == 200
    assert wait_until(lambda: stored(env) >= 200, 300), stored(env)
    time.sleep(3)  # anything redelivered after the outage has been written by now
    assert_stored_once(env, 200, per_round)
    assert all(s["up"] for s in services(env)), "a service died with the broker"


def test_poison_article_is_dead_lettered_and_the_partition_moves_on(env, tmp_path):
    svodka(env, "up", "-q")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [{"text": "1234567890 " * 30_000, "title": "poison", "url": "https://example.org/poison"}]
    for seed in seed_paths()[:3]:
        lines.append({"text": seed_body(seed), "url": f"https://example.org/{seed.stem}"})
    (inbox / "batch.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    summary = json.loads(svodka(env, "ingest", str(inbox), "--wait", "--json").stdout.strip().splitlines()[-1])
    assert summary == {"published": 4, "stored": 3, "duplicates": 0, "dead_lettered": 1}
    letters = sql(env, "SELECT stage, reason FROM dead_letters")
    assert letters[0]["stage"] == "extract" and "too long" in letters[0]["reason"]


def test_sigterm_stops_each_service_within_10_s_and_commits(env):
    svodka(env, "up", "-q")
    svodka(env, "ingest", str(SEEDS), "--loop", "3", "--wait")
    time.sleep(2)  # > the 1 s commit interval
    for service in services(env):
        start = time.monotonic()
        os.killpg(service["pid"], signal.SIGTERM)
        pid = service["pid"]
        assert wait_until(lambda: not pid_alive(pid), 10, 0.1), f"{service['name']} ignored SIGTERM"  # noqa: B023
        assert time.monotonic() - start < 10
    # Everything processed was committed: no lag left in any group.
    lag = json.loads(svodka(env, "status", "--json").stdout)["lag"]
    assert lag and all(row["lag"] == 0 for row in lag), [r for r in lag if r["lag"]]
