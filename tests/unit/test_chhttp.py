"""Reading ClickHouse HTTP requests the way real clients send them (svodka.store.chhttp)."""

from __future__ import annotations

import pytest

from svodka.store.chhttp import BadRequest, content_type, parse, response_encoding, split_format


def test_a_trailing_format_clause_is_split_off():
    assert split_format("SELECT 1 FORMAT JSONEachRow") == ("SELECT 1", "JSONEachRow")
    assert split_format("select 1\nformat CSVWithNames;\n") == ("select 1", "CSVWithNames")
    assert split_format("SELECT 'FORMAT JSON'") == ("SELECT 'FORMAT JSON'", None)
    assert split_format("SELECT 1 -- FORMAT JSON") == ("SELECT 1 -- FORMAT JSON", None)
    assert split_format("SELECT formatDateTime(now(), '%F') AS format") == (
        "SELECT formatDateTime(now(), '%F') AS format", None)


def test_query_from_url_body_or_both():
    q = parse("GET", {"query": "SELECT 1"}, b"", {})
    assert (q.sql, q.format) == ("SELECT 1", "TabSeparated")
    q = parse("POST", {"database": "svodka", "default_format": "Native"}, "SELECT 'Пхеньян'".encode(), {})
    assert (q.sql, q.format, q.database) == ("SELECT 'Пхеньян'", "Native", "svodka")
    q = parse("POST", {"query": "SELECT count() FROM articles WHERE"}, b"1 FORMAT JSON", {})
    assert (q.sql, q.format) == ("SELECT count() FROM articles WHERE\n1", "JSON")


def test_the_trailing_clause_wins_over_default_format():
    assert parse("POST", {"default_format": "Native"}, b"SELECT 1 FORMAT CSV", {}).format == "CSV"
    assert parse("POST", {}, b"SELECT 1", {"X-ClickHouse-Format": "JSONCompact"}).format == "JSONCompact"


def test_only_output_settings_pass_and_placeholders_get_their_values():
    q = parse("POST", {"readonly": "0", "max_execution_time": "100000", "allow_ddl": "1",
                       "output_format_json_quote_64bit_integers": "0", "param_name": "КНДР", "param_unused": "x",
                       "session_id": "s", "query_id": "q1"}, b"SELECT {name:String}", {})
    assert q.settings == {"output_format_json_quote_64bit_integers": "0"}
    assert q.parameters == {"name": "КНДР"} and q.query_id == "q1"


@pytest.mark.parametrize("method, params, body, reason", [
    ("PUT", {"query": "SELECT 1"}, b"", "method"),
    ("POST", {}, b"   ", "empty"),
    ("GET", {"query": "SELECT 1"}, b"x", "GET"),
    ("POST", {}, b"\xff\xfe", "UTF-8"),
    ("POST", {"default_format": "JSON; DROP"}, b"SELECT 1", "format"),
    ("POST", {"database": "a b"}, b"SELECT 1", "database"),
])
def test_malformed_requests_are_named(method, params, body, reason):
    with pytest.raises(BadRequest, match=reason):
        parse(method, params, body, {})


def test_compression_only_when_asked_and_accepted():
    asked = parse("POST", {"enable_http_compression": "1"}, b"SELECT 1", {})
    assert response_encoding(asked, "gzip, deflate") == "gzip"
    assert response_encoding(asked, "deflate") == "deflate"
    assert response_encoding(asked, "lz4, zstd") is None  # declined: identity is always acceptable
    assert response_encoding(parse("POST", {}, b"SELECT 1", {}), "gzip") is None


def test_content_types_follow_the_format():
    assert content_type("JSON").startswith("application/json")
    assert content_type("JSONEachRow").startswith("application/x-ndjson")
    assert content_type("CSVWithNames").startswith("text/csv")
    assert content_type("TabSeparated").startswith("text/plain")
    assert content_type("Native") == content_type("Parquet") == "application/octet-stream"
