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
    (2, "article text and url, for the dashboard's article page", [
        # The dashboard shows an article with its mentions and figures highlighted at their
        # offsets (start/stop index into this text). ZSTD: Russian news text compresses ~4x.
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS text String DEFAULT '' CODEC(ZSTD(3))",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS url String DEFAULT ''",
    ]),
    # issue 13: what a figure is about. Added with defaults, so rows written
    # before read as "" and old records (without the fields) still insert.
    (3, "figures: action, location, object", [
        "ALTER TABLE figures ADD COLUMN IF NOT EXISTS action LowCardinality(String) DEFAULT '' AFTER reported_by",
        "ALTER TABLE figures ADD COLUMN IF NOT EXISTS location LowCardinality(String) DEFAULT '' AFTER action",
        "ALTER TABLE figures ADD COLUMN IF NOT EXISTS object LowCardinality(String) DEFAULT '' AFTER location",
    ]),
    (4, "stories and claims: articles.story_id, figures.claim_id, views stories/claims/story_articles", [
        # Set by the stories stage (docs/stories.md); '' for rows stored before it existed.
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS story_id String DEFAULT ''",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS story_score Float32 DEFAULT 0",
        "ALTER TABLE figures ADD COLUMN IF NOT EXISTS claim_id String DEFAULT ''",
        "ALTER TABLE figures ADD COLUMN IF NOT EXISTS revises String DEFAULT ''",
        # The members of each story: stored articles, and reprints (dedup's duplicates) under
        # the story of the article they repeat.
        """
        CREATE VIEW IF NOT EXISTS story_articles AS
        -- an article without a headline is named by the start of its text
        SELECT story_id, id AS article_id, source,
               if(title != '', title, substringUTF8(trimBoth(text), 1, 100)) AS title,
               published_at, story_score, 'article' AS kind
        FROM articles WHERE story_id != ''
        UNION ALL
        SELECT a.story_id AS story_id, d.id AS article_id, d.source AS source, d.title AS title,
               d.published_at AS published_at, toFloat32(0) AS story_score, 'reprint' AS kind
        FROM duplicates AS d INNER JOIN articles AS a ON a.id = d.dup_of
        WHERE a.story_id != ''
        """,
        # One row per story. The title is the headline of the member that was most like the
        # story when it joined (a story's first article scores 0, so it is the title only
        # until another joins). Views over the stored rows: they inherit the sink's
        # exactly-once effect and can never disagree with articles/figures.
        """
        CREATE VIEW IF NOT EXISTS stories AS
        SELECT s.story_id AS id, s.title AS title, s.first_seen AS first_seen, s.last_seen AS last_seen,
               s.articles AS articles, s.outlets AS outlets, s.outlet_names AS outlet_names,
               ifNull(e.top_entities, []) AS top_entities
        FROM (
            SELECT story_id,
                   argMax(title, (story_score, -toUnixTimestamp64Milli(published_at))) AS title,
                   min(published_at) AS first_seen, max(published_at) AS last_seen,
                   count() AS articles, uniqExact(source) AS outlets, arraySort(groupUniqArray(source)) AS outlet_names
            FROM story_articles GROUP BY story_id
        ) AS s
        LEFT JOIN (
            SELECT story_id, arrayMap(x -> x.1, arraySlice(arraySort(x -> (-x.2, x.1),
                       groupArray((canonical, n))), 1, 5)) AS top_entities
            FROM (SELECT a.story_id AS story_id, m.canonical AS canonical, uniqExact(m.article_id) AS n
                  FROM mentions AS m INNER JOIN articles AS a ON a.id = m.article_id
                  WHERE a.story_id != '' GROUP BY story_id, canonical)
            GROUP BY story_id
        ) AS e ON e.story_id = s.story_id
        """,
        # One row per claim: its value and attributes as first reported, who first reported
        # it and where, how widely it was relayed, and the claim it revises ('' if none).
        """
        CREATE VIEW IF NOT EXISTS claims AS
        SELECT f.claim_id AS id,
               argMin(f.low, (f.published_at, f.article_id, f.ordinal)) AS low,
               argMin(f.high, (f.published_at, f.article_id, f.ordinal)) AS high,
               argMin(f.unit, (f.published_at, f.article_id, f.ordinal)) AS unit,
               argMin(f.qualifier, (f.published_at, f.article_id, f.ordinal)) AS qualifier,
               argMin(f.text, (f.published_at, f.article_id, f.ordinal)) AS text,
               argMin(f.action, (f.published_at, f.article_id, f.ordinal)) AS action,
               argMin(f.object, (f.published_at, f.article_id, f.ordinal)) AS object,
               argMin(f.location, (f.published_at, f.article_id, f.ordinal)) AS location,
               argMin(f.reported_by, (f.published_at, f.article_id, f.ordinal)) AS reported_by,
               min(f.published_at) AS first_reported_at,
               argMin(f.article_id, (f.published_at, f.article_id, f.ordinal)) AS first_article,
               argMin(a.source, (f.published_at, f.article_id, f.ordinal)) AS first_outlet,
               argMin(a.story_id, (f.published_at, f.article_id, f.ordinal)) AS story_id,
               uniqExact(f.article_id) AS articles, uniqExact(a.source) AS outlets,
               arraySort(groupUniqArray(a.source)) AS outlet_names,
               groupUniqArray(f.entities) AS entity_lists,
               max(f.revises) AS revises
        FROM figures AS f INNER JOIN articles AS a ON a.id = f.article_id
        WHERE f.claim_id != ''
        GROUP BY f.claim_id
        """,
    ]),
    # Issue 16: `svodka report` resolved a typed name («Лаврова») by scanning every
    # mention's text, normal form and canonical name in lower case: 3 s at 10^6
    # mention rows, growing linearly. entity_names keeps each distinct name once per
    # entity, filled at insert; the lookup reads a table of distinct names. Mentions
    # stored before this migration are not in it: the lookup falls back to the scan.
    (5, "entity_names: every name of an entity, for name lookups", [
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
