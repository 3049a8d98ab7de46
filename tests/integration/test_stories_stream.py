"""The stories stage with the real broker and processes: kill -9 mid-stream, then a full
replay of the feed — every record the stage ever wrote for an article carries the same
story and claim ids, and ClickHouse holds each article and figure once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time

import pytest
from aiokafka import AIOKafkaConsumer
from svodka.records import EnrichedArticle
from svodka.settings import TOPIC_STORIED
from svodka.stories.gold import GOLD_DIR

from tests.kit.kafka import svodka_env
from tests.kit.processes import SVODKA, settings_for, sql, svodka
from tests.kit.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEED = GOLD_DIR / "feed.jsonl"
LOOPS = 3  # the 59 gold articles and three copies of each: 236 distinct articles


@pytest.fixture
def env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka)
    yield env
    svodka(env, "down", "-q", check=False)


def storied_records(env) -> dict[str, set[tuple]]:
    """Every record on articles.storied: article id → the distinct (story, claim ids) seen."""
    bootstrap = settings_for(env).kafka_bootstrap

    async def read() -> dict[str, set[tuple]]:
        consumer = AIOKafkaConsumer(TOPIC_STORIED, bootstrap_servers=bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        try:
            out: dict[str, set[tuple]] = {}
            idle = 0
            while idle < 3:
                batch = await consumer.getmany(timeout_ms=1000)
                idle = 0 if batch else idle + 1
                for messages in batch.values():
                    for m in messages:
                        a = EnrichedArticle.from_json(m.value)
                        out.setdefault(a.id, set()).add((a.story_id, tuple(f.claim_id for f in a.figures)))
            return out
        finally:
            await consumer.stop()

    return asyncio.run(read())


def stage_pid(env) -> int:
    services = json.loads(svodka(env, "status", "--json").stdout)["services"]
    return next(s["pid"] for s in services if s["name"] == "stories-1")


def test_kill_9_of_the_stage_mid_stream_and_a_full_replay_keep_every_id(env):
    svodka(env, "up", "-q")
    ingest = subprocess.Popen([*SVODKA, "ingest", str(FEED), "--loop", str(LOOPS), "--rate", "25", "--wait",
                               "--wait-timeout", "400", "--json"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stored = lambda: sql(env, "SELECT count() AS n FROM articles")[0]["n"]
    assert wait_until(lambda: stored() >= 40, 180)
    os.killpg(stage_pid(env), signal.SIGKILL)
    time.sleep(1)
    svodka(env, "up", "-q")  # starts the stage again: it recovers its table from the changelog
    out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err
    first = json.loads(out.strip().splitlines()[-1])
    articles = first["stored"]
    assert first["published"] == 59 * (LOOPS + 1) and first["dead_lettered"] == 0

    # the full replay: the same articles again
    replay = json.loads(svodka(env, "ingest", str(FEED), "--loop", str(LOOPS), "--wait", "--json",
                               "--wait-timeout", "400").stdout.strip().splitlines()[-1])
    assert replay["published"] == first["published"]

    records = storied_records(env)
    assert len(records) == articles
    changed = {aid: ids for aid, ids in records.items() if len(ids) != 1}
    assert not changed, f"{len(changed)} articles got different ids on redelivery or replay: {list(changed.items())[:3]}"
    assert all(story for ids in records.values() for story, _ in ids)

    row = sql(env, "SELECT count() AS n, uniqExact(id) AS ids, countIf(story_id = '') AS unassigned, "
                   "(SELECT count() FROM figures) AS f, (SELECT sum(figures) FROM articles) AS expected_f, "
                   "(SELECT count() FROM figures WHERE claim_id != '') AS claimed FROM articles")[0]
    assert row["n"] == row["ids"] == articles and row["unassigned"] == 0
    assert row["f"] == row["expected_f"] and row["claimed"] > 0.9 * row["f"]
    # what ClickHouse holds is what the stage said
    stored_ids = {r["id"]: r["story_id"] for r in sql(env, "SELECT id, story_id FROM articles")}
    assert stored_ids == {aid: next(iter(ids))[0] for aid, ids in records.items()}
    # and the story view counts every article once
    assert sql(env, "SELECT sum(articles) AS n FROM stories WHERE id IN (SELECT story_id FROM articles)")[0]["n"] \
        >= articles
