"""The whole pipeline on the seeds, through the real CLI, a real broker and a chDB store.

producer → articles.raw → dedup → articles.unique → extract → articles.enriched → sink → ClickHouse
"""

from __future__ import annotations

import json

import pytest

from svodka.runtime.localkafka import pid_alive
from tests.kit.kafka import svodka_env
from tests.kit.seeds import SEEDS_DIR as SEEDS
from tests.kit.processes import svodka, sql

pytestmark = [pytest.mark.integration, pytest.mark.slow]


COUNTS = ("SELECT (SELECT count() FROM articles) AS articles, (SELECT count() FROM mentions) AS mentions, "
          "(SELECT count() FROM figures) AS figures, (SELECT count() FROM duplicates) AS duplicates, "
          "(SELECT sum(mentions) FROM mentions_daily) AS daily_mentions")


@pytest.fixture
def env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka)
    yield env
    svodka(env, "down", "-q", check=False)


def test_seeds_end_to_end_twice(env, tmp_path):
    svodka(env, "up", "-q")
    first = json.loads(svodka(env, "ingest", str(SEEDS), "--wait", "--json").stdout.strip().splitlines()[-1])
    assert first == {"published": 5, "stored": 5, "duplicates": 0, "dead_lettered": 0}

    counts = sql(env, COUNTS)[0]
    assert counts["articles"] == 5
    assert counts["mentions"] > 50 and counts["figures"] >= 10
    assert counts["daily_mentions"] == counts["mentions"]  # the aggregate counts each mention once

    by_type = {r["type"]: r["n"] for r in sql(env, "SELECT type, count() AS n FROM mentions GROUP BY type")}
    assert set(by_type) == {"PER", "ORG", "LOC"}
    texts = {r["text"] for r in sql(env, "SELECT text FROM figures")}
    assert any("25−30 тысяч" in t for t in texts), texts
    assert any("40% вооружений" in t for t in texts), texts

    # The same files again: recognised as the same articles, nothing stored twice.
    again = json.loads(svodka(env, "ingest", str(SEEDS), "--wait", "--json").stdout.strip().splitlines()[-1])
    assert again["stored"] == 5 and again["duplicates"] == 0
    assert sql(env, COUNTS)[0] == counts

    # A copy of a seed under another name with only its date line changed is an exact duplicate.
    copy_dir = tmp_path / "copies"
    copy_dir.mkdir()
    original = (SEEDS / "000_cd478b14cef4147d.txt").read_text(encoding="utf-8")
    (copy_dir / "reprint.txt").write_text(original.replace("date 2025-07-12", "date 2025-07-14"), encoding="utf-8")
    dup = json.loads(svodka(env, "ingest", str(copy_dir), "--wait", "--json").stdout.strip().splitlines()[-1])
    assert dup == {"published": 1, "stored": 0, "duplicates": 1, "dead_lettered": 0}
    assert sql(env, COUNTS)[0]["articles"] == 5

    status = json.loads(svodka(env, "status", "--json").stdout)
    pids = [s["pid"] for s in status["services"]]
    assert sorted(s["name"] for s in status["services"]) == ["dedup-1", "extract-1", "sink-1", "stories-1", "web-1"]
    assert all(s["up"] for s in status["services"]), status["services"]
    assert next(s for s in status["services"] if s["name"] == "web-1")["ok"] is True
    assert status["dashboard"].startswith("http://127.0.0.1:") and status["query_endpoint"]["user"]
    assert sql(env, "SELECT countIf(story_id = '') AS n FROM articles")[0]["n"] == 0
    assert any(row["group"] == "svodka-sink" for row in status["lag"])

    svodka(env, "down", "-q")
    assert not any(pid_alive(p) for p in pids), "a service outlived `svodka down`"
    # With the stack down, the CLI opens the store itself.
    assert sql(env, "SELECT count() AS n FROM articles") == [{"n": 5}]


def test_user_sql_is_read_only_and_never_disables_the_sink(env):
    svodka(env, "up", "-q")
    svodka(env, "ingest", str(SEEDS / "004_65c26eebc33d0df9.txt"), "--wait")
    refused = svodka(env, "sql", "INSERT INTO articles (id) VALUES ('x')", check=False)
    assert refused.returncode == 2 and "read-only" in refused.stderr
    refused = svodka(env, "sql", "DROP TABLE articles", check=False)
    assert refused.returncode == 2
    # The sink still writes after the refused statements.
    svodka(env, "ingest", str(SEEDS / "003_7560d287a176d7fc.txt"), "--wait")
    assert sql(env, "SELECT count() AS n FROM articles") == [{"n": 2}]
