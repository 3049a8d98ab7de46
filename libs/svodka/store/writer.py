"""The sink's writer: one insert per table per batch, with an exactly-once effect.

Delivery into the sink is at-least-once (faust may redeliver after a crash or a
rebalance, the producer may replay files), so every write must be idempotent:

1. Each table's rows are keyed by article id. Before inserting, the writer asks
   the table which of the batch's ids it already holds and inserts only the rest.
   An insert of one block is atomic, so after a crash between inserts (or between
   the inserts and the offset commit) a redelivered batch fills exactly the gaps.
2. Each insert carries ``insert_deduplication_token`` = hash(table, ids), and
   every table (materialized-view targets included) has
   ``non_replicated_deduplication_window`` > 0, so a batch retried verbatim after
   a ClickHouse error is dropped by the engine itself, aggregates included
   (``deduplicate_blocks_in_dependent_materialized_views=1``).
3. ``articles`` is written last: a row there means the article is fully stored,
   which is what ``svodka ingest --wait`` waits for.

One sink owns a partition at a time (the Kafka key is the article id), so the
check in (1) does not race with another writer of the same article.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

from svodka.store import rows as R
from svodka.records import DeadLetter, Duplicate, EnrichedArticle

log = logging.getLogger("svodka.sink")


class TransientError(RuntimeError):
    """ClickHouse is unreachable or overloaded: retry the same batch later."""


@dataclass
class Batch:
    articles: list[EnrichedArticle] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.articles) + len(self.duplicates) + len(self.dead_letters)


@dataclass
class WriteResult:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows inserted now
    skipped: int = 0  # records already stored (replays, redeliveries)
    rejected: list[DeadLetter] = field(default_factory=list)  # records ClickHouse refused

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _token(table: str, keys: Iterable[str]) -> str:
    digest = hashlib.sha256(table.encode())
    for key in sorted(keys):
        digest.update(b"\x00" + key.encode())
    return digest.hexdigest()[:40]


def _unique(items: Iterable, key: Callable) -> list:
    seen, out = set(), []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


class Writer:
    """Writes batches of records to ClickHouse through clickhouse-connect."""

    def __init__(self, client: Client) -> None:
        self.client = client
        # Column types per table, learned on the first insert: without them
        # clickhouse-connect describes the table before every insert, one more
        # query per table per batch (a query costs chDB several ms of planning).
        self._column_types: dict[str, list] = {}

    # -- the public entry point --------------------------------------------------------

    def write(self, batch: Batch) -> WriteResult:
        """Store a batch; raise TransientError when ClickHouse cannot be reached.

        Records ClickHouse refuses as data (a type it cannot take, say) are isolated
        and returned in ``rejected`` so the caller can dead-letter them; the rest of
        the batch is stored.
        """
        result = WriteResult()
        articles = _unique(batch.articles, lambda a: a.id)
        duplicates = _unique(batch.duplicates, lambda d: d.id)
        letters = _unique(batch.dead_letters, lambda d: (d.stage, d.id))
        try:
            self._write_articles(articles, result)
        except DatabaseError:
            # Some record is refused as data: store the others one by one, reject it.
            for article in articles:
                try:
                    self._write_articles([article], result)
                except DatabaseError as exc:
                    result.rejected.append(DeadLetter.of(
                        "sink", article.source, f"ClickHouse refused the article: {_short(exc)}",
                        article.title, id=article.id))
        self._insert_keyed("duplicates", duplicates, lambda d: d.id, R.duplicate_row, R.DUPLICATE_COLUMNS,
                           "id", result)
        self._insert_keyed("dead_letters", letters + result.rejected, lambda d: f"{d.stage}:{d.id}",
                           R.dead_letter_row, R.DEAD_LETTER_COLUMNS, "concat(stage, ':', id)", result)
        return result

    # -- internals ---------------------------------------------------------------------

    def _write_articles(self, articles: Sequence[EnrichedArticle], result: WriteResult) -> None:
        if not articles:
            return
        stored = self._stored_articles([a.id for a in articles])
        todo = [a for a in articles if a.id not in stored["articles"]]
        result.skipped += len(articles) - len(todo)
        if not todo:
            return
        todo_ids = [a.id for a in todo]
        # Children first, the article row last (it marks the article as complete).
        for table, make_rows, columns in (("mentions", R.mention_rows, R.MENTION_COLUMNS),
                                          ("figures", R.figure_rows, R.FIGURE_COLUMNS)):
            have = stored[table]
            rows = [row for a in todo if a.id not in have for row in make_rows(a)]
            keys = [a.id for a in todo if a.id not in have]
            self.insert_rows(table, rows, columns, keys, result)
        self.insert_rows("articles", [R.article_row(a) for a in todo], R.ARTICLE_COLUMNS, todo_ids, result)

    def _insert_keyed(self, table, records, key, make_row, columns, key_sql, result) -> None:
        if not records:
            return
        have = self._existing(table, key_sql, [key(r) for r in records])
        todo = [r for r in records if key(r) not in have]
        result.skipped += len(records) - len(todo)
        self.insert_rows(table, [make_row(r) for r in todo], columns, [key(r) for r in todo], result)

    def _stored_articles(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """Which of the ids each article table already holds, in one round trip
        (a query costs chDB ~10 ms of planning, more than reading the ids)."""
        try:
            rows = self.client.query(
                "SELECT 'articles', id FROM articles WHERE id IN %(ids)s "
                "UNION ALL SELECT DISTINCT 'mentions', article_id FROM mentions WHERE article_id IN %(ids)s "
                "UNION ALL SELECT DISTINCT 'figures', article_id FROM figures WHERE article_id IN %(ids)s",
                parameters={"ids": list(set(ids))},
            ).result_rows
        except OperationalError as exc:
            raise TransientError(f"ClickHouse unreachable: {_short(exc)}") from exc
        stored: dict[str, set[str]] = {"articles": set(), "mentions": set(), "figures": set()}
        for table, key in rows:
            stored[table].add(key)
        return stored

    def _existing(self, table: str, key_sql: str, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        try:
            rows = self.client.query(
                f"SELECT DISTINCT {key_sql} FROM {table} WHERE {key_sql} IN %(keys)s",
                parameters={"keys": list(set(keys))},
            ).result_rows
        except OperationalError as exc:
            raise TransientError(f"ClickHouse unreachable: {_short(exc)}") from exc
        return {r[0] for r in rows}

    def insert_rows(self, table: str, rows: list[list], columns: list[str], keys: Sequence[str],
                    result: WriteResult) -> None:
        """One insert of ``rows`` into ``table``, idempotent: its deduplication token is the
        table and the rows' ``keys``, so the same insert repeated (a retried or redelivered
        batch) stores nothing twice, in the table and in its materialized views."""
        if not rows:
            return
        settings = {
            "insert_deduplication_token": _token(table, keys),
            "deduplicate_blocks_in_dependent_materialized_views": 1,
        }
        try:
            types = self._column_types.get(table)
            if types is None:
                context = self.client.create_insert_context(table, column_names=columns)
                types = self._column_types[table] = list(context.column_types)
            self.client.insert(table, rows, column_names=columns, column_types=types, settings=settings)
        except OperationalError as exc:
            raise TransientError(f"ClickHouse unreachable: {_short(exc)}") from exc
        except (TypeError, ValueError, OverflowError, AttributeError) as exc:
            # clickhouse-connect refuses a value while serialising: a data problem.
            raise DatabaseError(f"cannot serialise a row for {table}: {exc}") from exc
        result.rows[table] = result.rows.get(table, 0) + len(rows)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:500]
