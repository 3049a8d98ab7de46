"""The schema for a sharded, replicated ClickHouse, derived from ``schema.MIGRATIONS``.

``python -m svodka.store.cluster > deploy/clickhouse/cluster/schema.sql`` writes it;
a test keeps the committed file in step with the migrations.

Each statement of the single-server schema becomes, ON CLUSTER:

* ``CREATE TABLE t (...) ENGINE = XMergeTree ...`` →
  ``t_local`` with ``ReplicatedXMergeTree('/clickhouse/tables/{shard}/<db>/t_local', '{replica}')``
  and the same columns, indexes, PARTITION BY and ORDER BY (the insert deduplication
  window becomes ``replicated_deduplication_window``, its replicated counterpart), plus
  ``t`` itself as a Distributed table over ``t_local``. Tables with an ``article_id``
  column are sharded by ``cityHash64(article_id)``, the others with an ``id`` by
  ``cityHash64(id)``, so an article's row and its mentions and figures live on one shard.
  The daily aggregate targets have neither and get no sharding key: nothing inserts into
  them through the Distributed table, their materialized views fill the local tables.
* ``CREATE MATERIALIZED VIEW v TO target AS SELECT ... FROM source`` → the same view
  over ``source_local`` writing to ``target_local``: it fires on each shard for the rows
  inserted there. The view keeps its name, so ``schema.migrate()`` (which the sink runs at
  start) finds every table and view already present and creates nothing.
* ``CREATE VIEW v AS SELECT ... FROM t`` → the same view over the Distributed ``t``, so
  it merges the aggregates of all shards.

The sink then writes to the Distributed tables under the same names through the same
Writer. Its users profile (deploy/clickhouse/cluster/users.xml) makes those inserts
synchronous, so the Writer's "which ids are stored already?" check sees them.

* ``ALTER TABLE t ADD COLUMN IF NOT EXISTS ...`` → the same change to ``t_local`` and to
  the Distributed ``t``.

Only the statement shapes the migrations use are known; anything else (an ALTER in a
later migration, say) raises, so whoever adds it extends this generator too.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap

from svodka.store.client import DEFAULT_DATABASE
from svodka.store.schema import MIGRATIONS

LOCAL = "_local"
SHARD_COLUMNS = ("article_id", "id")  # the first a table has decides its rows' shard

_CREATE_TABLE = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+) \(")
_CREATE_MV = re.compile(r"^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\b")
_CREATE_VIEW = re.compile(r"^CREATE VIEW IF NOT EXISTS (\w+) AS\b")
_ENGINE = re.compile(r"\bENGINE = (\w*MergeTree)\b(\(\))?")
_FROM = re.compile(r"\bFROM (\w+)\b")
_SOURCE = re.compile(r"\b(FROM|JOIN) (\w+)\b")
_ALTER_ADD = re.compile(r"^ALTER TABLE (\w+) (ADD COLUMN IF NOT EXISTS .*)$", re.DOTALL)
_COLUMN = re.compile(r"^\s*(\w+)\s+[A-Z]", re.MULTILINE)  # "name  Type" lines of a column list


def cluster_ddl(cluster: str = "{cluster}", database: str = DEFAULT_DATABASE) -> list[str]:
    """The cluster's DDL, in order: the database, then every migration's objects."""
    ddl = [f"CREATE DATABASE IF NOT EXISTS {database} ON CLUSTER '{cluster}'"]
    for _version, _name, statements in MIGRATIONS:
        for statement in statements:
            ddl.extend(_translate(textwrap.dedent(statement).strip(), cluster, database))
    return ddl


def _translate(sql: str, cluster: str, db: str) -> list[str]:
    on_cluster = f"ON CLUSTER '{cluster}'"
    if match := _CREATE_TABLE.match(sql):
        name = match.group(1)
        local = f"{name}{LOCAL}"
        engine = _ENGINE.search(sql)
        if engine is None:
            raise ValueError(f"table {name}: no MergeTree engine to replicate")
        path = f"/clickhouse/tables/{{shard}}/{db}/{local}"
        replicated = _ENGINE.sub(lambda m: f"ENGINE = Replicated{m.group(1)}('{path}', '{{replica}}')", sql, count=1)
        replicated = replicated.replace("non_replicated_deduplication_window", "replicated_deduplication_window")
        replicated = _CREATE_TABLE.sub(lambda m: f"CREATE TABLE IF NOT EXISTS {db}.{local} {on_cluster} (",
                                       replicated, count=1)
        key = shard_key(sql)
        distributed = (f"CREATE TABLE IF NOT EXISTS {db}.{name} {on_cluster} AS {db}.{local}\n"
                       f"ENGINE = Distributed('{cluster}', '{db}', '{local}'{f', {key}' if key else ''})")
        return [replicated, distributed]
    if match := _CREATE_MV.match(sql):
        view, target = match.groups()
        sql = _CREATE_MV.sub(lambda m: f"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{view} {on_cluster} "
                                       f"TO {db}.{target}{LOCAL} AS", sql, count=1)
        return [_from(sql, lambda source: f"{db}.{source}{LOCAL}")]
    if match := _CREATE_VIEW.match(sql):
        view = match.group(1)
        sql = _CREATE_VIEW.sub(lambda m: f"CREATE VIEW IF NOT EXISTS {db}.{view} {on_cluster} AS", sql, count=1)
        # every table or view it reads (FROM and JOIN), by its database-qualified name
        return [_SOURCE.sub(lambda m: f"{m.group(1)} {db}.{m.group(2)}", sql)]
    if match := _ALTER_ADD.match(sql):
        # a column added to a table: to the local tables and to the Distributed one over them
        name, change = match.groups()
        return [f"ALTER TABLE {db}.{name}{LOCAL} {on_cluster} {change}",
                f"ALTER TABLE {db}.{name} {on_cluster} {change}"]
    raise ValueError(f"no cluster form known for this statement (extend svodka.store.cluster):\n{sql}")


def _from(sql: str, rename) -> str:
    """The statement reading from ``rename(table)`` instead of its one source table."""
    sql, count = _FROM.subn(lambda m: f"FROM {rename(m.group(1))}", sql)
    if count != 1:
        raise ValueError(f"expected one FROM, found {count}:\n{sql}")
    return sql


def columns(create_table: str) -> list[str]:
    """Column names of a ``CREATE TABLE ... (...)`` statement (not its indexes)."""
    body = create_table[create_table.index("(") + 1:create_table.index(") ENGINE")]
    return [name for name in _COLUMN.findall(body) if name != "INDEX"]


def shard_key(create_table: str) -> str | None:
    """``cityHash64(<column>)`` for the table's article id column, if it has one."""
    names = columns(create_table)
    for column in SHARD_COLUMNS:
        if column in names:
            return f"cityHash64({column})"
    return None


def render(cluster: str = "{cluster}", database: str = DEFAULT_DATABASE) -> str:
    """The schema file: a header, then the statements separated by semicolons."""
    header = (
        "-- Generated by `python -m svodka.store.cluster` from svodka.store.schema.MIGRATIONS;\n"
        "-- do not edit (a test compares it with the generator). See README.md next to this file.\n"
        "-- Apply once, on any node, before the sink starts:\n"
        "--   clickhouse-client --multiquery < schema.sql\n"
    )
    return header + "".join(f"\n{statement};\n" for statement in cluster_ddl(cluster, database))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m svodka.store.cluster",
        description="Print the DDL of svodka's schema for a sharded, replicated ClickHouse cluster.")
    parser.add_argument("--cluster", default="{cluster}",
                        help="cluster name in ON CLUSTER and Distributed (default: the {cluster} macro)")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help=f"database (default: {DEFAULT_DATABASE})")
    args = parser.parse_args(argv)
    sys.stdout.write(render(args.cluster, args.database))
    return 0


if __name__ == "__main__":
    sys.exit(main())
