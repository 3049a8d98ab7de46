"""The ClickHouse HTTP interface on the embedded store, driven by the real clients available here.

- clickhouse-connect's HTTP client (what notebooks and Superset use): query, query_df, streaming,
  Arrow, and with compression requested;
- curl with ``FORMAT JSONEachRow`` and with ``?query=``;
- the requests Grafana's ClickHouse data source sends through clickhouse-go's HTTP transport,
  written down here as recorded requests (from clickhouse-go's conn_http.go and the plugin's
  macros): every request is a POST of the SQL as the body to
  ``/?database=<db>&default_format=Native`` plus the data source's settings as URL parameters,
  with Basic auth; on connect ``SELECT timeZone()``, the health check ``SELECT 1`` (it checks the
  column is named "1") and ``SELECT version()``; a time-series panel sends its SQL with
  ``$__timeInterval``/``$__timeFilter`` already expanded to ``toStartOfInterval(toDateTime(col),
  INTERVAL n second)`` and ``col >= toDateTime(from) AND col <= toDateTime(to)``; the query builder
  lists databases, tables and columns from ``system.*``.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from urllib.parse import urlencode

import clickhouse_connect
import pytest

from tests.kit.http import http

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def endpoint(seeded) -> dict:
    q = seeded.query
    assert q["url"].startswith("http://127.0.0.1:"), q
    return q


def basic(q: dict) -> dict:
    token = base64.b64encode(f"{q['user']}:{q['password']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def client_for(q: dict, **kw):
    host, port = q["url"].split("://")[1].split(":")
    return clickhouse_connect.get_client(host=host, port=int(port), username=q["user"], password=q["password"],
                                         database="svodka", **kw)


# -- clickhouse-connect ---------------------------------------------------------------------

def test_clickhouse_connect_queries_the_embedded_store(endpoint):
    client = client_for(endpoint)
    assert client.server_version  # from its `SELECT version(), timezone()` at connect
    result = client.query("SELECT canonical, count() AS n FROM mentions GROUP BY canonical ORDER BY n DESC LIMIT 5")
    names = [row[0] for row in result.result_rows]
    assert "Северная Корея" in names
    assert result.column_names == ("canonical", "n")
    # typed values survive the Native format: DateTime64 becomes datetime, arrays become lists
    row = client.query("SELECT published_at, entities FROM figures WHERE text LIKE '%тысяч солдат%' LIMIT 1").first_row
    assert row[0].year == 2025 and isinstance(row[1], list)
    # client-side parameter binding, as notebooks write it
    n = client.query("SELECT count() FROM articles WHERE id = %(id)s",
                     parameters={"id": "163bedc628a4e0f83010"}).first_row[0]
    assert n == 1


def test_clickhouse_connect_dataframes_and_streams(endpoint):
    client = client_for(endpoint)
    df = client.query_df("SELECT unit, count() AS n FROM figures GROUP BY unit ORDER BY n DESC")
    assert list(df.columns) == ["unit", "n"] and df["n"].sum() >= 10
    rows = 0
    with client.query_row_block_stream("SELECT article_id, canonical FROM mentions") as stream:
        for block in stream:
            rows += len(block)
    assert rows == client.query("SELECT count() FROM mentions").first_row[0] > 50
    table = client.query_arrow("SELECT id, title FROM articles")
    assert table.num_rows == 5


@pytest.mark.parametrize("compress", [True, "gzip", "lz4", "zstd"])
def test_clickhouse_connect_with_compression_requested(endpoint, compress):
    # gzip is honoured; lz4/zstd are declined by answering uncompressed, which the client accepts
    client = client_for(endpoint, compress=compress)
    assert client.query("SELECT count() FROM articles").first_row[0] == 5


# -- curl -------------------------------------------------------------------------------------

def test_curl_json_each_row(endpoint):
    out = subprocess.run(
        ["curl", "-sS", "--fail-with-body", "-u", f"{endpoint['user']}:{endpoint['password']}", "--data-binary",
         "SELECT id, published_at, mentions FROM articles ORDER BY published_at FORMAT JSONEachRow", endpoint["url"]],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 5 and set(rows[0]) == {"id", "published_at", "mentions"}


def test_curl_query_in_url_and_gzip(endpoint):
    url = f"{endpoint['url']}/?" + urlencode({"query": "SELECT 1", "user": endpoint["user"],
                                             "password": endpoint["password"]})
    out = subprocess.run(["curl", "-sS", "--fail", url], capture_output=True, text=True, timeout=30)
    assert out.stdout == "1\n"
    out = subprocess.run(["curl", "-sS", "--fail", "--compressed", "-D", "-", "-o", "/dev/null",
                          "-u", f"{endpoint['user']}:{endpoint['password']}",
                          f"{endpoint['url']}/?enable_http_compression=1&default_format=CSVWithNames",
                          "--data-binary", "SELECT id, title FROM articles"], capture_output=True, text=True)
    assert "content-encoding: gzip" in out.stdout.lower()


def test_ping_and_headers_clients_read(endpoint):
    status, _, body = http(endpoint["url"] + "/ping")
    assert (status, body) == (200, b"Ok.\n")
    status, headers, body = http(endpoint["url"] + "/?query=SELECT%20count()%20FROM%20articles&default_format=JSON",
                                 headers={"X-ClickHouse-User": endpoint["user"], "X-ClickHouse-Key": endpoint["password"],
                                          "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["X-ClickHouse-Format"] == "JSON"
    assert headers["X-ClickHouse-Query-Id"] and headers["X-ClickHouse-Timezone"]
    assert headers["X-ClickHouse-Server-Display-Name"] == "svodka"
    assert "elapsed_ns" in json.loads(headers["X-ClickHouse-Summary"])
    assert json.loads(body)["data"][0]["count()"] == 5


# -- Grafana's ClickHouse data source (clickhouse-go over HTTP), recorded requests ------------

def grafana(endpoint, sql: str, **settings) -> tuple[int, dict, bytes]:
    params = {"database": "svodka", "default_format": "Native", "max_execution_time": "60", **settings}
    headers = {**basic(endpoint), "Content-Type": "text/plain; charset=utf-8",
               "User-Agent": "clickhouse-go/2.30.0 (lv:go/1.22.5; os:linux) grafana-datasource/4.4.0"}
    return http(f"{endpoint['url']}/?{urlencode(params)}", data=sql.encode(), headers=headers, method="POST")


def test_grafana_connect_and_health_check(endpoint):
    status, headers, body = grafana(endpoint, "SELECT timeZone()")
    assert status == 200 and headers["X-ClickHouse-Format"] == "Native"
    assert b"timeZone()" in body and b"String" in body  # a Native block: column name, type, value
    status, _, body = grafana(endpoint, "SELECT 1")
    assert status == 200 and body.startswith(b"\x01\x01\x011\x05UInt8\x01")  # 1 column "1", 1 row, value 1
    status, _, body = grafana(endpoint, "SELECT version()")
    assert status == 200 and b"version()" in body


def test_grafana_time_series_query(endpoint):
    sql = ("SELECT toStartOfInterval(toDateTime(published_at), INTERVAL 86400 second) AS time, count() AS articles "
           "FROM svodka.articles WHERE published_at >= toDateTime(1672531200) AND published_at <= toDateTime(1830297600) "
           "GROUP BY time ORDER BY time")
    status, headers, body = grafana(endpoint, sql)
    assert status == 200 and b"time" in body and b"DateTime" in body
    # the same series as JSON, to check what the Native block carries
    status, _, body = grafana(endpoint, sql + " FORMAT JSON")
    data = json.loads(body)["data"]
    assert sum(int(r["articles"]) for r in data) == 5 and len(data) >= 3


def test_grafana_query_builder_schema_browsing(endpoint):
    for sql in ("SELECT name FROM system.databases", "SHOW TABLES FROM svodka",
                "SELECT name, type FROM system.columns WHERE database = 'svodka' AND table = 'articles'"):
        status, _, body = grafana(endpoint, sql + " FORMAT JSONEachRow")
        assert status == 200, (sql, body)
    assert b"published_at" in body


# -- security ---------------------------------------------------------------------------------

def test_no_or_wrong_credentials_are_refused(endpoint):
    url = endpoint["url"] + "/?query=SELECT%20count()%20FROM%20articles"
    assert http(url)[0] == 401
    assert http(url, headers={"X-ClickHouse-User": endpoint["user"], "X-ClickHouse-Key": "guess"})[0] == 401
    wrong = base64.b64encode(f"default:{endpoint['password']}x".encode()).decode()
    assert http(url, headers={"Authorization": f"Basic {wrong}"})[0] == 401
    assert http(url + "&user=svodka&password=nope")[0] == 401


@pytest.mark.parametrize("sql", [
    "INSERT INTO articles (id) VALUES ('x')",
    "DROP TABLE articles",
    "ALTER TABLE articles DELETE WHERE 1",
    "CREATE TABLE t (x UInt8) ENGINE = Memory",
    "TRUNCATE TABLE mentions",
    "SYSTEM FLUSH LOGS",
    "SET readonly = 0",
    "SELECT 1; DROP TABLE articles",
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
    "SELECT * FROM s3('http://127.0.0.1:9/x.csv')",
    "SELECT * FROM remote('127.0.0.1:9000', system.one)",
    "SELECT * FROM executable('id', 'LineAsString', 'x String')",
    "SELECT 1 INTO OUTFILE '/tmp/svodka-outfile-test.txt'",
])
def test_writes_files_and_network_are_refused(endpoint, sql, tmp_path):
    status, _, body = http(endpoint["url"] + "/?readonly=0&allow_ddl=1", data=sql.encode(), headers=basic(endpoint),
                           method="POST")
    assert status in (400, 403), (sql, status, body)
    status, _, body = http(endpoint["url"] + "/", data=b"SELECT count() FROM articles", headers=basic(endpoint),
                           method="POST")
    assert body == b"5\n"


def test_outfile_is_not_written(endpoint):
    from pathlib import Path

    target = Path("/tmp/svodka-outfile-test.txt")
    target.unlink(missing_ok=True)
    http(endpoint["url"] + "/", data=f"SELECT 1 INTO OUTFILE '{target}'".encode(), headers=basic(endpoint),
         method="POST")
    assert not target.exists()


def test_cross_origin_browser_requests_are_refused(endpoint):
    status, _, _ = http(endpoint["url"] + "/?query=SELECT%201",
                        headers={**basic(endpoint), "Origin": "http://evil.example"})
    assert status == 403


def test_only_the_stores_database(endpoint):
    status, headers, _ = http(endpoint["url"] + "/?database=other&query=SELECT%201", headers=basic(endpoint))
    assert status == 404 and headers["X-ClickHouse-Exception-Code"] == "81"


def test_every_attack_on_sql_is_refused_here_too(endpoint, tmp_path):
    """The security engineer's list of attacks (tests/integration/test_sql_attacks.py), through this
    endpoint: files, network, other tables, introspection; nothing written, nothing connected to."""
    from tests.kit.attacks import ATTACKS, Listener

    listener = Listener()
    out = tmp_path / "written-by-the-sink"
    try:
        for what, template, named in ATTACKS:
            if named == "FORMAT":  # choosing the format is this protocol's business: it is taken off first
                continue
            statement = template.format(out=out, port=listener.port)
            status, _, body = http(endpoint["url"] + "/", data=statement.encode(), headers=basic(endpoint),
                                   method="POST")
            assert status in (400, 403), f"{what}: {statement!r} was not refused: {status} {body[:300]!r}"
            assert named.lower().encode() in body.lower(), f"{what}: the refusal does not name {named!r}: {body!r}"
        assert not out.exists() and not list(tmp_path.iterdir()), "a statement wrote a file"
        import time

        time.sleep(0.5)
        assert listener.connections == 0, "a statement reached the network"
    finally:
        listener.close()
    status, _, body = http(endpoint["url"] + "/", data=b"SELECT count() FROM articles", headers=basic(endpoint),
                           method="POST")
    assert (status, body) == (200, b"5\n")
