"""The sink's writer against a real chDB store: idempotent under redelivery, replays and retries."""

from __future__ import annotations

import pytest

from svodka.store import connect
from svodka.store.query import QueryRefused, readonly_client, run_query
from svodka.store.schema import LATEST, migrate, schema_version
from svodka.store import rows
from svodka.store.writer import Batch, Writer, WriteResult
from svodka.records import DeadLetter, Duplicate
from tests.kit.records import enriched_article as article

# One chDB engine per process: this module uses a database of its own in the session's
# store, and every test its own article ids.


@pytest.fixture(scope="module")
def store(chdb_url):
    client = connect(chdb_url, database="writer_test", create_database=True)
    migrate(client)
    return chdb_url, client


def counts(client, ids: list[str]) -> tuple[int, int, int, int]:
    q = ",".join(f"'{i}'" for i in ids)
    row = client.query(
        f"SELECT (SELECT count() FROM articles WHERE id IN ({q})), (SELECT count() FROM mentions WHERE article_id IN ({q})),"
        f" (SELECT count() FROM figures WHERE article_id IN ({q})),"
        f" (SELECT sum(mentions) FROM mentions_per_day WHERE canonical_id = 'per:сергей-лавров' AND day = '2031-01-01')"
    ).result_rows[0]
    return tuple(int(x or 0) for x in row)


def test_migrate_is_idempotent(store):
    _, client = store
    assert migrate(client) == []
    assert schema_version(client) == LATEST


def test_same_batch_twice_stores_once(store):
    _, client = store
    writer = Writer(client)
    batch = Batch(articles=[article("w1"), article("w2", mentions=3)])
    first = writer.write(batch)
    assert first.rows == {"mentions": 5, "figures": 2, "articles": 2}
    second = writer.write(batch)
    assert second.rows == {} and second.skipped == 2
    assert counts(client, ["w1", "w2"])[:3] == (2, 5, 2)


def test_redelivery_in_other_batches_stores_once(store):
    """A crash after some inserts: the redelivered records come in a differently cut batch."""
    _, client = store
    writer = Writer(client)
    a, b, c = article("r1", day="2031-01-01"), article("r2", day="2031-01-01"), article("r3", day="2031-01-01")
    # Simulate a sink killed after inserting r1's mentions but before its figures and article rows.
    writer.insert_rows("mentions", rows.mention_rows(a), rows.MENTION_COLUMNS, ["r1"], WriteResult())
    writer.write(Batch(articles=[a, b]))
    writer.write(Batch(articles=[b, c, a]))
    assert counts(client, ["r1", "r2", "r3"]) == (3, 6, 3, 6)  # the daily aggregate too


def test_duplicates_and_dead_letters_are_idempotent(store):
    _, client = store
    writer = Writer(client)
    batch = Batch(duplicates=[Duplicate("d1", "w1", 0.93, "near")],
                  dead_letters=[DeadLetter("x1", "producer", "empty.txt", "empty file")])
    writer.write(batch)
    writer.write(batch)
    assert client.query("SELECT count() FROM duplicates WHERE id = 'd1'").result_rows[0][0] == 1
    assert client.query("SELECT count() FROM dead_letters WHERE id = 'x1'").result_rows[0][0] == 1


def test_a_record_clickhouse_refuses_is_dead_lettered_and_the_rest_stored(store):
    _, client = store
    writer = Writer(client)
    bad = article("bad1")
    bad.mentions[0].start = -5  # UInt32 cannot hold it
    result = writer.write(Batch(articles=[article("good1"), bad]))
    assert [r.id for r in result.rejected] == ["bad1"]
    assert "refused" in result.rejected[0].reason
    assert counts(client, ["good1"])[0] == 1 and counts(client, ["bad1"])[0] == 0
    assert client.query("SELECT count() FROM dead_letters WHERE id = 'bad1' AND stage = 'sink'").result_rows[0][0] == 1


def test_user_query_cannot_disable_writes(store):
    url, client = store
    reader = readonly_client(url, database="writer_test")
    for statement in ("INSERT INTO articles (id) VALUES ('evil')", "DROP TABLE articles",
                      "SELECT 1; DROP TABLE articles", "SELECT * FROM file('/etc/passwd', 'LineAsString')",
                      "SET readonly = 0", "OPTIMIZE TABLE articles FINAL"):
        with pytest.raises(QueryRefused):
            run_query(reader, statement, timeout_s=5, embedded=True)
    # An INSERT that reaches the engine on the read-only handle fails there...
    with pytest.raises(Exception):  # noqa: B017 - whichever error chDB raises for a write on a read-only handle
        reader.command("INSERT INTO articles (id) VALUES ('evil')")
    # ...and the writer's own handle is untouched.
    Writer(client).write(Batch(articles=[article("after-refusal")]))
    assert counts(client, ["after-refusal"])[0] == 1
    assert run_query(reader, "SELECT count() FROM articles WHERE id = 'evil'", timeout_s=5, embedded=True).rows == [[0]]
