"""The ClickHouse schema, created and migrated by the code (see docs/schema.md).

Migrations are numbered and applied in order; each is idempotent DDL
(``IF NOT EXISTS``), and ``schema_migrations`` records which ran, so ``migrate``
can be called by every process at start-up.

Every table that the sink writes keeps ``non_replicated_deduplication_window``
> 0: a block re-inserted with the same ``insert_deduplication_token`` is then
dropped by the engine, in the base table and (with
``deduplicate_blocks_in_dependent_materialized_views=1``) in the views' targets.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

DEDUP_WINDOW = 10000  # blocks remembered per table for insert deduplication
_TABLE_SETTINGS = f"SETTINGS non_replicated_deduplication_window = {DEDUP_WINDOW}"

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "base tables, daily aggregates", [
        f"""
        CREATE TABLE IF NOT EXISTS articles (
            id            String,
            source        String,
            title         String CODEC(ZSTD(3)),
            published_at  DateTime64(3, 'UTC'),
            date_source   LowCardinality(String),
            lang          LowCardinality(String),
            ingested_at   DateTime64(3, 'UTC'),
            stored_at     DateTime64(3, 'UTC') DEFAULT now64(3),
            length        UInt32,
            mentions      UInt32,
            figures       UInt32,
            replay_of     String,
            INDEX id_bloom id TYPE bloom_filter GRANULARITY 4
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(published_at)
        ORDER BY (published_at, id)
        {_TABLE_SETTINGS}
        """,
        f"""
        CREATE TABLE IF NOT EXISTS mentions (
            article_id    String,
            ordinal       UInt32,
            published_at  DateTime64(3, 'UTC'),
            canonical_id  String,
            canonical     String,
            type          LowCardinality(String),
            text          String,
            normal        String,
            start         UInt32,
            stop          UInt32,
            sentence      UInt32,
            INDEX article_bloom article_id TYPE bloom_filter GRANULARITY 4
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(published_at)
        ORDER BY (canonical_id, published_at, article_id, ordinal)
        {_TABLE_SETTINGS}
        """,
        f"""
        CREATE TABLE IF NOT EXISTS figures (
            article_id    String,
            ordinal       UInt32,
            published_at  DateTime64(3, 'UTC'),
            unit          LowCardinality(String),
            modifier      LowCardinality(String),
            low           Nullable(Float64),
            high          Nullable(Float64),
            qualifier     LowCardinality(String),
            text          String CODEC(ZSTD(3)),
            sentence      UInt32,
            entities      Array(String),
            reported_by   String,
            start         UInt32,
            stop          UInt32,
            INDEX article_bloom article_id TYPE bloom_filter GRANULARITY 4
        ) ENGINE = MergeTree
        PARTITION BY toYYYYMM(published_at)
        ORDER BY (unit, published_at, article_id, ordinal)
        {_TABLE_SETTINGS}
        """,
        f"""
        CREATE TABLE IF NOT EXISTS duplicates (
            id            String,
            dup_of        String,
            similarity    Float32,
            method        LowCardinality(String),
            source        String,
            title         String CODEC(ZSTD(3)),
            published_at  DateTime64(3, 'UTC'),
            ingested_at   DateTime64(3, 'UTC'),
            stored_at     DateTime64(3, 'UTC') DEFAULT now64(3)
        ) ENGINE = MergeTree
        ORDER BY (dup_of, id)
        {_TABLE_SETTINGS}
        """,
        f"""
        CREATE TABLE IF NOT EXISTS dead_letters (
            id            String,
            stage         LowCardinality(String),
            source        String,
            reason        String,
            payload_head  String CODEC(ZSTD(3)),
            at            DateTime64(3, 'UTC'),
            stored_at     DateTime64(3, 'UTC') DEFAULT now64(3)
        ) ENGINE = MergeTree
        ORDER BY (stage, id)
        {_TABLE_SETTINGS}
        """,
        f"""
        CREATE TABLE IF NOT EXISTS mentions_daily (
            day           Date,
            canonical_id  String,
            canonical     SimpleAggregateFunction(any, String),
            type          SimpleAggregateFunction(any, LowCardinality(String)),
            mentions      SimpleAggregateFunction(sum, UInt64),
            articles      AggregateFunction(uniqExact, String)
        ) ENGINE = AggregatingMergeTree
        ORDER BY (canonical_id, day)
        {_TABLE_SETTINGS}
        """,
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS mentions_daily_mv TO mentions_daily AS
        SELECT toDate(published_at) AS day, canonical_id,
               any(canonical) AS canonical, any(type) AS type,
               count() AS mentions, uniqExactState(article_id) AS articles
        FROM mentions GROUP BY day, canonical_id
        """,
        f"""
        CREATE TABLE IF NOT EXISTS figures_daily (
            day           Date,
            unit          LowCardinality(String),
            figures       SimpleAggregateFunction(sum, UInt64),
            articles      AggregateFunction(uniqExact, String),
            min_value     SimpleAggregateFunction(min, Float64),
            max_value     SimpleAggregateFunction(max, Float64),
            median_value  AggregateFunction(quantileExact(0.5), Float64)
        ) ENGINE = AggregatingMergeTree
        ORDER BY (unit, day)
        {_TABLE_SETTINGS}
        """,
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS figures_daily_mv TO figures_daily AS
        SELECT toDate(published_at) AS day, unit,
               count() AS figures, uniqExactState(article_id) AS articles,
               min(assumeNotNull(coalesce(low, high))) AS min_value,
               max(assumeNotNull(coalesce(high, low))) AS max_value,
               -- the value of a range is its midpoint
               quantileExactState(0.5)(assumeNotNull((coalesce(low, high) + coalesce(high, low)) / 2)) AS median_value
        FROM figures WHERE low IS NOT NULL OR high IS NOT NULL
        GROUP BY day, unit
        """,
        # The aggregates merged, so analysts need no -Merge combinators.
        """
        CREATE VIEW IF NOT EXISTS mentions_per_day AS
        SELECT day, canonical_id, any(canonical) AS canonical, any(type) AS type,
               sum(mentions) AS mentions, uniqExactMerge(articles) AS articles
        FROM mentions_daily GROUP BY day, canonical_id
        """,
        """
        CREATE VIEW IF NOT EXISTS figures_per_day AS
        SELECT day, unit, sum(figures) AS figures, uniqExactMerge(articles) AS articles,
               min(min_value) AS min_value, max(max_value) AS max_value,
               quantileExactMerge(0.5)(median_value) AS median_value
        FROM figures_daily GROUP BY day, unit
        """,
        # A canonical-name lookup so reports can accept any alias («КНДР», «Северная Корея»).
        """
        CREATE VIEW IF NOT EXISTS entities AS
        SELECT canonical_id, any(canonical) AS canonical, any(type) AS type,
               groupUniqArray(50)(normal) AS names, count() AS mentions,
               uniqExact(article_id) AS articles
        FROM mentions GROUP BY canonical_id
        """,
    ]),
    # Issue 16: `svodka report` resolved a typed name («Лаврова») by scanning every
    # mention's text, normal form and canonical name in lower case: 3 s at 10^6
    # mention rows, growing linearly. entity_names keeps each distinct name once per
    # entity, filled at insert; the lookup reads a table of distinct names. Mentions
    # stored before this migration are not in it: the lookup falls back to the scan.
    (2, "entity_names: every name of an entity, for name lookups", [
        f"""
        CREATE TABLE IF NOT EXISTS entity_names (
            name          String,
            canonical_id  String,
            canonical     SimpleAggregateFunction(any, String),
            mentions      SimpleAggregateFunction(sum, UInt64)
        ) ENGINE = AggregatingMergeTree
        ORDER BY (name, canonical_id)
        {_TABLE_SETTINGS}
        """,
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS entity_names_mv TO entity_names AS
        SELECT name, canonical_id, any(canonical_name) AS canonical, count() AS mentions
        FROM (SELECT arrayJoin(arrayDistinct([replaceAll(lowerUTF8(canonical), 'ё', 'е'),
                                              replaceAll(lowerUTF8(normal), 'ё', 'е'),
                                              replaceAll(lowerUTF8(text), 'ё', 'е')])) AS name,
                     canonical_id, canonical AS canonical_name
              FROM mentions)
        GROUP BY name, canonical_id
        """,
    ]),
]

LATEST = MIGRATIONS[-1][0]


def migrate(client: Client) -> list[int]:
    """Bring the schema to the latest version; return the versions applied now."""
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version"
    )
    done = {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
            continue
        for statement in statements:
            client.command(statement)
        client.insert("schema_migrations", [[version, name]], column_names=["version", "name"])
        applied.append(version)
    return applied


def schema_version(client: Client) -> int:
    try:
        rows = client.query("SELECT max(version) FROM schema_migrations").result_rows
    except Exception:
        return 0
    return int(rows[0][0] or 0) if rows else 0
