"""The sharded, replicated ClickHouse schema (deploy/clickhouse/cluster/) is generated from the
migrations, parses, keeps the single-server tables' structure, and takes the sink's writes.

No ClickHouse cluster runs here. What is checked, and how:
- every statement parses: ClickHouse's own parser in chDB (``EXPLAIN AST``), ON CLUSTER included;
- the local tables equal the single-server ones (columns, codecs, defaults, keys, indexes,
  settings): both are created in chDB, with the Replicated engines swapped back for their plain
  kin, since chDB has no Keeper to replicate through;
- the Distributed tables, materialized views and views work with the unchanged Writer: a chDB
  in a process of its own, configured with a one-shard cluster on itself, runs the generated
  DDL (without ON CLUSTER, which needs a server's distributed DDL queue) and a real sink batch.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from svodka.store import connect
from svodka.store.cluster import cluster_ddl, render
from svodka.store.schema import DEDUP_WINDOW, MIGRATIONS, migrate

REPO = Path(__file__).resolve().parents[1]
CLUSTER_DIR = REPO / "deploy" / "clickhouse" / "cluster"
TEST_DB = "cluster_schema_test"

BASE_TABLES = [m.group(1) for _, _, statements in MIGRATIONS for s in statements
               if (m := re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", s))]
VIEWS = [m.group(1) for _, _, statements in MIGRATIONS for s in statements
         if (m := re.search(r"CREATE VIEW IF NOT EXISTS (\w+)", s))]
MATERIALIZED = {m.group(1): (m.group(2), m.group(3)) for _, _, statements in MIGRATIONS for s in statements
                if (m := re.search(r"CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS.*?\bFROM (\w+)", s,
                                   re.DOTALL))}


def as_single_node(statement: str) -> str:
    """A cluster statement as one node runs it, minus replication (chDB has no Keeper)."""
    statement = re.sub(r" ON CLUSTER '[^']*'", "", statement)
    statement = re.sub(r"Replicated(\w*MergeTree)\('[^']*', '[^']*'\)", r"\1", statement)
    return statement.replace("replicated_deduplication_window", "non_replicated_deduplication_window")


def statement_for(ddl: list[str], head: str) -> str:
    found = [s for s in ddl if s.startswith(head)]
    assert len(found) == 1, f"{head!r}: {len(found)} statements"
    return found[0]


@pytest.fixture(scope="module")
def client(chdb_url):
    return connect(chdb_url, database=TEST_DB, create_database=True)


def test_schema_file_is_the_generators_output():
    committed = (CLUSTER_DIR / "schema.sql").read_text()
    assert committed == render(), ("deploy/clickhouse/cluster/schema.sql is stale: run "
                                   "`python -m svodka.store.cluster > deploy/clickhouse/cluster/schema.sql`")


def test_the_command_prints_the_schema():
    proc = subprocess.run([sys.executable, "-m", "svodka.store.cluster", "--cluster", "news"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == render("news")
    assert "ON CLUSTER 'news'" in proc.stdout and "{cluster}" not in proc.stdout


def test_the_migrations_have_the_expected_shape():
    # If a migration adds objects the generator must know about, these lists say so here first.
    assert set(BASE_TABLES) == {"articles", "mentions", "figures", "duplicates", "dead_letters",
                                "mentions_daily", "figures_daily", "entity_names"}
    assert set(VIEWS) == {"mentions_per_day", "figures_per_day", "entities", "story_articles", "stories", "claims"}
    assert MATERIALIZED == {"mentions_daily_mv": ("mentions_daily", "mentions"),
                            "figures_daily_mv": ("figures_daily", "figures"),
                            "entity_names_mv": ("entity_names", "mentions")}


def test_every_base_table_is_a_replicated_local_table_under_a_distributed_one():
    ddl = cluster_ddl()
    for table in BASE_TABLES:
        local = statement_for(ddl, f"CREATE TABLE IF NOT EXISTS svodka.{table}_local ON CLUSTER '{{cluster}}' (")
        engine = re.search(r"ENGINE = (Replicated\w*MergeTree)\('([^']*)', '([^']*)'\)", local)
        assert engine, local
        assert engine.group(2) == f"/clickhouse/tables/{{shard}}/svodka/{table}_local"
        assert engine.group(3) == "{replica}"
        assert f"replicated_deduplication_window = {DEDUP_WINDOW}" in local
        assert "non_replicated" not in local
        distributed = statement_for(ddl, f"CREATE TABLE IF NOT EXISTS svodka.{table} ON CLUSTER '{{cluster}}' AS ")
        assert f" AS svodka.{table}_local\nENGINE = Distributed('{{cluster}}', 'svodka', '{table}_local'" in distributed
        assert ddl.index(local) < ddl.index(distributed)
    assert ddl[0] == "CREATE DATABASE IF NOT EXISTS svodka ON CLUSTER '{cluster}'"
    assert all(" ON CLUSTER '{cluster}'" in s for s in ddl)


def test_one_articles_rows_share_a_shard():
    """Articles, duplicates and dead letters by their id, mentions and figures by their article's:
    the same hash of the same string, so an article and everything of it live on one shard."""
    ddl = cluster_ddl()

    def key(table: str) -> str | None:
        distributed = statement_for(ddl, f"CREATE TABLE IF NOT EXISTS svodka.{table} ON CLUSTER")
        match = re.search(rf"'{table}_local'(?:, (.+))?\)$", distributed)
        assert match, distributed
        return match.group(1)

    assert {t: key(t) for t in BASE_TABLES} == {
        "articles": "cityHash64(id)", "duplicates": "cityHash64(id)", "dead_letters": "cityHash64(id)",
        "mentions": "cityHash64(article_id)", "figures": "cityHash64(article_id)",
        # Filled by their materialized views on each shard, never inserted into through Distributed.
        "mentions_daily": None, "figures_daily": None, "entity_names": None,
    }


def test_aggregates_are_computed_per_shard_and_merged_by_the_views():
    ddl = cluster_ddl()
    for view, (target, source) in MATERIALIZED.items():
        statement = statement_for(ddl, f"CREATE MATERIALIZED VIEW IF NOT EXISTS svodka.{view} ON CLUSTER")
        assert f" TO svodka.{target}_local AS" in statement
        assert re.search(rf"\bFROM svodka\.{source}_local\b", statement)
        assert ddl.index(statement) > ddl.index(statement_for(ddl, f"CREATE TABLE IF NOT EXISTS svodka.{source}_local"))
    for view in VIEWS:
        statement = statement_for(ddl, f"CREATE VIEW IF NOT EXISTS svodka.{view} ON CLUSTER")
        sources = re.findall(r"\b(?:FROM|JOIN) svodka\.(\w+)", statement)
        assert sources, statement
        for source in sources:  # a Distributed table, or another view over them
            assert source in BASE_TABLES or source in VIEWS, f"{view} must read the Distributed table, not {source}"


def test_unknown_statements_are_refused(monkeypatch):
    from svodka.store import cluster

    monkeypatch.setattr(cluster, "MIGRATIONS", [(2, "later", ["ALTER TABLE articles ADD COLUMN x String"])])
    with pytest.raises(ValueError, match="no cluster form known"):
        cluster.cluster_ddl()


def test_every_statement_parses_in_clickhouse(client):
    for statement in cluster_ddl():
        ast = "\n".join(row[0] for row in client.query(f"EXPLAIN AST {statement}").result_rows)
        assert ast.startswith(("CreateQuery", "AlterQuery")), (statement, ast)
    # The parser does reject what is not ClickHouse SQL: the check above means something.
    with pytest.raises(Exception, match="Syntax error"):
        client.query("EXPLAIN AST CREATE TABLE t ON CLUSTER '{cluster}' (x String) ENGINE = Distributed('c', 'd', 't'")


def test_local_tables_keep_the_single_server_structure(client, chdb_url):
    """Columns (types, defaults, codecs), partition and sorting keys, indexes and settings."""
    base_db = f"{TEST_DB}_base"
    migrate(connect(chdb_url, database=base_db, create_database=True))
    for statement in cluster_ddl(database=TEST_DB):
        if re.match(rf"(CREATE|ALTER) TABLE (IF NOT EXISTS )?{TEST_DB}\.\w+_local ", statement):
            client.command(as_single_node(statement))

    def describe(db: str, table: str) -> tuple:
        params = {"db": db, "t": table}
        columns = client.query(
            "SELECT name, type, default_kind, default_expression, compression_codec FROM system.columns"
            " WHERE database = %(db)s AND table = %(t)s ORDER BY position", parameters=params).result_rows
        keys = client.query(
            "SELECT engine, partition_key, sorting_key, primary_key,"
            " replaceRegexpOne(engine_full, '^\\\\w+', '') FROM system.tables WHERE database = %(db)s AND name = %(t)s",
            parameters=params).result_rows
        indexes = client.query(
            "SELECT name, type, expr, granularity FROM system.data_skipping_indices"
            " WHERE database = %(db)s AND table = %(t)s ORDER BY name", parameters=params).result_rows
        return columns, keys, indexes

    for table in BASE_TABLES:
        base, local = describe(base_db, table), describe(TEST_DB, f"{table}_local")
        assert base[0] and base[1], table
        assert local == base, table


def test_the_sink_writes_through_the_distributed_tables(tmp_path):
    """The unchanged Writer and migrate() on the cluster schema, in a chDB of its own with a
    one-shard cluster named svodka_test (a separate process: chDB hosts one engine per process)."""
    proc = subprocess.run([sys.executable, "-c", f"from tests.test_cluster_schema import sink_on_cluster; "
                                                 f"sink_on_cluster({str(tmp_path)!r})"],
                          capture_output=True, text=True, cwd=REPO, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK"), proc.stdout


def sink_on_cluster(workdir: str) -> None:
    import clickhouse_connect

    from svodka.store import rows
    from svodka.store.schema import LATEST, schema_version
    from svodka.store.writer import Batch, Writer, WriteResult
    from svodka.records import DeadLetter, Duplicate
    from tests.kit.records import enriched_article as article

    work = Path(workdir)
    config = work / "config.xml"
    config.write_text(
        "<clickhouse><tcp_port>9000</tcp_port>"  # the shard's replica below is this process
        "<macros><cluster>svodka_test</cluster><shard>01</shard><replica>r1</replica></macros>"
        "<remote_servers><svodka_test><shard><internal_replication>true</internal_replication>"
        "<replica><host>localhost</host><port>9000</port></replica></shard></svodka_test></remote_servers>"
        "</clickhouse>")

    def client(**kwargs):
        return clickhouse_connect.get_client(interface="chdb", path=str(work / "store"),
                                             chdb_options={"config-file": str(config)}, **kwargs)

    admin = client()
    for statement in cluster_ddl():
        admin.command(as_single_node(statement))
    # The sink's profile (users.xml) makes Distributed inserts synchronous.
    sink = client(database="svodka", settings={"distributed_foreground_insert": 1})
    tables = "SELECT name, engine FROM system.tables WHERE database = 'svodka' ORDER BY name"
    before = set(sink.query(tables).result_rows)
    assert ("articles", "Distributed") in before and ("mentions_daily_mv", "MaterializedView") in before

    # What the sink does at start: migrate() finds every object present and adds only its ledger.
    assert migrate(sink) == [v for v, _, _ in MIGRATIONS] and schema_version(sink) == LATEST
    assert set(sink.query(tables).result_rows) - before == {("schema_migrations", "MergeTree")}

    writer = Writer(sink)
    a, b = article("k1", mentions=2, figures=1, day="2032-02-02"), article("k2", mentions=3, figures=2, day="2032-02-02")
    batch = Batch(articles=[a, b], duplicates=[Duplicate("k3", "k1", 0.97, "near")],
                  dead_letters=[DeadLetter("k4", "producer", "empty.txt", "empty file")])
    first = writer.write(batch)
    assert first.rows == {"mentions": 5, "figures": 3, "articles": 2, "duplicates": 1, "dead_letters": 1}, first
    again = writer.write(batch)  # a redelivered batch: the read-back through Distributed sees it all
    assert again.rows == {} and again.skipped == 4, again
    # A verbatim retry of one insert: the deduplication token reaches the shard's table.
    for _ in range(2):
        writer.insert_rows("mentions", rows.mention_rows(article("k5", day="2032-02-02")), rows.MENTION_COLUMNS, ["k5"],
                       WriteResult())
    counts = sink.query(
        "SELECT (SELECT count() FROM articles), (SELECT count() FROM mentions), (SELECT count() FROM mentions_local),"
        " (SELECT count() FROM figures), (SELECT count() FROM duplicates), (SELECT count() FROM dead_letters),"
        " (SELECT sum(mentions) FROM mentions_per_day WHERE day = '2032-02-02'),"
        " (SELECT sum(figures) FROM figures_per_day WHERE day = '2032-02-02'),"
        " (SELECT sum(articles) FROM mentions_per_day WHERE day = '2032-02-02'),"
        " (SELECT count() FROM entities)").result_rows[0]
    assert counts == (2, 7, 7, 3, 1, 1, 7, 3, 3, 1), counts
    print("OK")


def test_the_sink_profile_makes_distributed_inserts_synchronous(client):
    root = ET.parse(CLUSTER_DIR / "users.xml").getroot()
    profile = root.find("profiles/svodka_sink")
    assert profile is not None
    settings = {el.tag: el.text for el in profile if el.tag != "profile"}
    assert settings["distributed_foreground_insert"] == "1"
    # Every setting is one this ClickHouse knows, with a value it accepts.
    known = {row[0] for row in client.query("SELECT name FROM system.settings").result_rows}
    assert set(settings) <= known, set(settings) - known
    assigned = ", ".join(f"{name} = {value if value.isdigit() else repr(value)}" for name, value in settings.items())
    assert client.query(f"SELECT 1 SETTINGS {assigned}").result_rows == [(1,)]

    # The user is the one the sink connects as (deploy/k8s/secret.yaml), with that profile.
    secret = yaml.safe_load((REPO / "deploy" / "k8s" / "secret.yaml").read_text())
    url = urlsplit(secret["stringData"]["SVODKA_CLICKHOUSE_URL"])
    user = root.find(f"users/{url.username}")
    assert user is not None, url.username
    assert user.findtext("profile") == "svodka_sink"
    assert user.find("password").get("from_env"), "the password must not be written in the file"
    assert [d.text for d in user.findall("allow_databases/database")] == [url.path.strip("/")]
