"""The pure parts of the security work: the SQL allow-list over EXPLAIN AST text, the HTTP gate of
SQL endpoints, typed record decoding and dead-letter ids. (The same rules against the real
engine and sink: tests/integration/test_sql_attacks.py and test_poison.py.)"""

from __future__ import annotations

import base64
import json

import pytest

from svodka.records import EnrichedArticle, Figure, Mention, RecordError, decode, letter_id
from svodka.runtime.credentials import Credentials
from svodka.runtime.sqlgate import Admitted, Refused, admit
from svodka.store.intake import Message, decode_batch
from svodka.store.query import QueryLimits, capped_timeout
from svodka.store.sqlpolicy import QueryRefused, check_ast, refusal

# What ClickHouse 26.x prints for EXPLAIN AST (copied from the engine's output).
SELECT_FROM_ARTICLES = """SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Asterisk
   TablesInSelectQuery (children 1)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      TableIdentifier svodka.articles (alias a)
"""
OUTFILE = """SelectWithUnionQuery (children 2)
 ExpressionList (children 1)
  SelectQuery (children 1)
   ExpressionList (children 1)
    Literal UInt64_1
 Literal '/tmp/x'
"""
FILE_IN_SUBQUERY = """SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Literal UInt64_1
   Function in (children 1)
    ExpressionList (children 2)
     Literal UInt64_1
     Subquery (children 1)
      SelectWithUnionQuery (children 1)
       ExpressionList (children 1)
        SelectQuery (children 2)
         ExpressionList (children 1)
          Asterisk
         TablesInSelectQuery (children 1)
          TablesInSelectQueryElement (children 1)
           TableExpression (children 1)
            Function file (children 1)
             ExpressionList (children 1)
              Literal '/etc/passwd'
"""
IN_SYSTEM_USERS = """SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 1)
   ExpressionList (children 1)
    Function in (children 1)
     ExpressionList (children 2)
      Literal UInt64_1
      Identifier system.users
"""
SETTINGS = """SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Literal UInt64_1
   Set
"""


def test_a_plain_select_of_svodka_tables_is_allowed():
    assert refusal(SELECT_FROM_ARTICLES, "svodka") is None


@pytest.mark.parametrize("ast, named", [
    (OUTFILE, "INTO OUTFILE"),
    (FILE_IN_SUBQUERY, "table function file()"),
    (IN_SYSTEM_USERS, "system.users"),
    (SETTINGS, "SETTINGS"),
    ("InsertQuery (children 1)\n Identifier articles\n", "INSERT"),
    ("SetQuery\n", "SET"),
    ("ShowProcesslistQuery\n", "SHOW PROCESSLIST"),
    ("SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  SelectQuery (children 1)\n"
     "   ExpressionList (children 1)\n    SomethingNewInClickHouse\n", "SomethingNewInClickHouse"),
])
def test_each_refusal_names_the_construct(ast, named):
    with pytest.raises(QueryRefused, match=named):
        check_ast(ast, "svodka")


def test_tables_of_another_database_are_refused_even_with_svodka_in_the_name():
    ast = SELECT_FROM_ARTICLES.replace("svodka.articles", "svodka_other.articles")
    assert "svodka_other.articles" in refusal(ast, "svodka")
    assert refusal(SELECT_FROM_ARTICLES.replace("svodka.articles", "system.tables"), "svodka") is None


def test_requested_timeouts_are_capped_by_the_server():
    assert capped_timeout(1e9, 30) == 30 and capped_timeout(None, 30) == 30 and capped_timeout(5, 30) == 5
    assert capped_timeout(0.2, 30) == 1 and capped_timeout(-3, 30) == 30
    settings = QueryLimits(timeout_s=10, memory_bytes=1 << 20).settings(99)
    assert settings["max_execution_time"] == 10 and settings["max_memory_usage"] == 1 << 20
    assert settings["result_overflow_mode"] == "throw"


CREDS = Credentials(user="svodka", password="s3cret")
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("headers, body, status", [
    ({**JSON}, b'{"sql": "SELECT 1"}', 401),
    ({**JSON, "Authorization": "Bearer nope"}, b'{"sql": "SELECT 1"}', 401),
    ({**JSON, **CREDS.bearer(), "Origin": "http://evil.example", "Host": "127.0.0.1:6066"}, b'{"sql": "1"}', 403),
    ({"Content-Type": "text/plain", **CREDS.bearer()}, b'{"sql": "SELECT 1"}', 415),
    ({**JSON, **CREDS.bearer()}, b'{"sql": 123}', 400),
    ({**JSON, **CREDS.bearer()}, b'{"sql": "SELECT 1", "timeout": "abc"}', 400),
    ({**JSON, **CREDS.bearer()}, b"[" * 50_000, 400),
])
def test_the_gate_refuses_with_the_right_status(headers, body, status):
    answer = admit(headers, body, CREDS, 30)
    assert isinstance(answer, Refused) and answer.status == status, answer


def test_the_gate_admits_the_cli_basic_auth_and_same_origin_and_caps_the_timeout():
    basic = base64.b64encode(b"svodka:s3cret").decode()
    for headers in (CREDS.bearer(), {"Authorization": f"Basic {basic}"},
                    {**CREDS.bearer(), "Origin": "http://127.0.0.1:6066", "Host": "127.0.0.1:6066"}):
        answer = admit({**JSON, **headers}, b'{"sql": "SELECT 1", "timeout": 1e9}', CREDS, 30)
        assert answer == Admitted(sql="SELECT 1", timeout_s=30)
    assert isinstance(admit({**JSON, **CREDS.bearer()}, b'{"sql": "SELECT 1"}', None, 30), Refused)


def enriched_dict() -> dict:
    return EnrichedArticle(
        id="a1", source="x.txt", title="Заголовок", published_at="2025-07-12T00:00:00+00:00", date_source="header",
        ingested_at="2025-07-12T01:00:00Z", lang="ru", length=10,
        mentions=[Mention("Лавров", "Лавров", "Сергей Лавров", "per:сергей-лавров", "PER", 0, 6, 0)],
        figures=[Figure("100 ракет", 100.0, None, "ракет", "", "exact", 0, 9, 0, ["Сергей Лавров"])]).to_dict()


@pytest.mark.parametrize("change, reason", [
    (lambda d: d.update(title=5), "title: expected a string, got 5"),
    (lambda d: d.update(published_at=12345), "published_at: expected a string or null, got 12345"),
    (lambda d: d.update(ingested_at="вчера"), "ingested_at: not an ISO 8601 time"),
    (lambda d: d.update(length=True), "length: expected an integer, got True"),
    (lambda d: d["figures"][0].update(low="много"), "figures[0].low: expected a number or null"),
    (lambda d: d["mentions"][0].update(stop=-1), "mentions[0].stop: -1 is out of range"),
    (lambda d: d["mentions"][0].pop("type"), "mentions[0].type: missing"),
    (lambda d: d.update(title="Ж" * 5000), "title: 5000 characters, over the limit of 4096"),
])
def test_decoding_checks_every_field_and_names_it(change, reason):
    data = enriched_dict()
    change(data)
    with pytest.raises(RecordError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        decode(json.dumps(data))
    assert decode(json.dumps(enriched_dict())).title == "Заголовок"


def test_the_sink_dead_letters_each_bad_message_with_an_id_per_message():
    good = json.dumps(enriched_dict()).encode()
    batch = decode_batch([Message(b"", "articles.enriched", 0, 7), Message(b"", "articles.enriched", 0, 8),
                          Message(good, "articles.enriched", 0, 9), Message(b"null", "articles.dlq", 1, 0)])
    assert [a.id for a in batch.articles] == ["a1"]
    ids = [d.id for d in batch.dead_letters]
    assert len(ids) == len(set(ids)) == 3
    assert ids[0] == letter_id("sink", "articles.enriched[0]@7")
    assert batch.dead_letters[0].source == "articles.enriched[0]@7"
    assert "unknown record kind" in batch.dead_letters[2].reason


def test_only_errors_about_the_store_are_transient():
    from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

    from svodka.store.client import ClickHouseError
    from svodka.store.intake import is_transient
    from svodka.store.writer import TransientError

    for exc in (TransientError("x"), OperationalError("connection refused"), ClickHouseError("cannot open"),
                DatabaseError("Code: 241. DB::Exception: Memory limit exceeded (MEMORY_LIMIT_EXCEEDED)")):
        assert is_transient(exc), exc
    for exc in (DatabaseError("Code: 27. Cannot parse input (CANNOT_PARSE_INPUT_ASSERTION_FAILED)"),
                ValueError("bad"), TypeError("int"), KeyError("x")):
        assert not is_transient(exc), exc
