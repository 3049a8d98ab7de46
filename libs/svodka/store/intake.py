"""From Kafka messages to stored rows, with every data error turned into a dead letter.

The sink's rule: no single record may stop it. Errors fall in two classes, told apart
explicitly by ``is_transient``:

- **transient** — the store cannot be reached or opened (a ClickHouse server down, a
  chDB store another process holds for a moment): the caller retries the same batch,
  forever, with backoff. Writes are idempotent (``Writer``), so a retry stores nothing twice.
- **data** — everything else: a payload that does not decode (``records.decode`` checks
  every field), rows that cannot be built, an insert ClickHouse refuses. The record
  becomes a dead letter naming the reason and the batch goes on.

``decode_batch`` sorts messages into a ``Batch`` (building every row once, so a row
that cannot be built is caught here, not at insert time); ``write_isolating`` writes a
batch and, when an insert fails for a data reason, writes record by record to find the
culprits. Dead-letter ids are unique per failure: ``letter_id(stage, where...)``, with
the topic, partition and offset for a message that does not decode (two different
failures of one payload keep both reasons; a redelivery of the same message keeps one).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from clickhouse_connect.driver.exceptions import OperationalError

from svodka.records import DeadLetter, Duplicate, EnrichedArticle, RecordError, decode, letter_id
from svodka.timeutil import now_iso
from svodka.store import rows as R
from svodka.store.client import ClickHouseError
from svodka.store.writer import Batch, TransientError, WriteResult, Writer

__all__ = ["Message", "decode_batch", "is_transient", "letter_id", "write_isolating"]

log = logging.getLogger("svodka.sink")

HEAD_CHARS = DeadLetter.HEAD_BYTES  # of a payload, kept in the dead letter for a human to look at
REASON_CHARS = DeadLetter.MAX_REASON


@dataclass(frozen=True)
class Message:
    """One consumed Kafka message: its bytes and where it was read."""

    payload: bytes
    topic: str = ""
    partition: int = -1
    offset: int = -1

    @property
    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


# ClickHouse errors about the server's state, not the data: the same insert succeeds later.
TRANSIENT_CODES = frozenset({
    "MEMORY_LIMIT_EXCEEDED", "CANNOT_ALLOCATE_MEMORY", "TOO_MANY_PARTS", "TOO_MANY_SIMULTANEOUS_QUERIES",
    "TIMEOUT_EXCEEDED", "SOCKET_TIMEOUT", "NETWORK_ERROR", "NOT_ENOUGH_SPACE", "TABLE_IS_READ_ONLY",
    "READONLY", "KEEPER_EXCEPTION", "ALL_CONNECTION_TRIES_FAILED", "NO_ZOOKEEPER", "UNKNOWN_TABLE",
    "UNKNOWN_DATABASE", "ABORTED", "QUERY_WAS_CANCELLED",
})


def is_transient(exc: BaseException) -> bool:
    """True for errors that mean "the store cannot take anything right now" (unreachable,
    locked by another process, out of memory or disk, a table being created), retried
    forever; anything else is about the record and dead-letters it."""
    if isinstance(exc, (TransientError, OperationalError, ClickHouseError, ConnectionError, TimeoutError)):
        return True
    text = str(exc)
    return any(f"({code})" in text for code in TRANSIENT_CODES)


def _letter(message: Message, reason: str) -> DeadLetter:
    return DeadLetter.of("sink", message.where, reason, message.payload, id=letter_id("sink", message.where))


def _rows_of(record) -> None:
    """Build the record's rows once: a value a row cannot take is a data error found here."""
    if isinstance(record, EnrichedArticle):
        R.article_row(record)
        R.mention_rows(record)
        R.figure_rows(record)
    elif isinstance(record, Duplicate):
        R.duplicate_row(record)
    elif isinstance(record, DeadLetter):
        R.dead_letter_row(record)


def decode_batch(messages: Iterable[Message | bytes]) -> Batch:
    """Sort messages into a batch by kind; whatever cannot be decoded or turned into rows
    becomes a dead letter of stage ``sink`` that says why."""
    batch = Batch()
    for message in messages:
        if not isinstance(message, Message):
            message = Message(payload=message)
        try:
            record = decode(message.payload)
            _rows_of(record)
        except RecordError as exc:
            batch.dead_letters.append(_letter(message, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - any data error: dead-letter it, never stop
            batch.dead_letters.append(_letter(message, f"cannot build rows: {type(exc).__name__}: {exc}"))
            continue
        if isinstance(record, EnrichedArticle):
            batch.articles.append(record)
        elif isinstance(record, Duplicate):
            batch.duplicates.append(record)
        elif isinstance(record, DeadLetter):
            batch.dead_letters.append(record)
        else:
            batch.dead_letters.append(_letter(message, f"a {record.KIND!r} record does not belong on the sink's "
                                                       f"topics ({message.topic or 'unknown topic'})"))
    return batch


def write_isolating(writer: Writer, batch: Batch) -> WriteResult:
    """Write the batch; if that fails for a data reason, write record by record and
    dead-letter each record that fails. Transient errors propagate (retry the batch)."""
    try:
        return writer.write(batch)
    except Exception as exc:  # noqa: BLE001 - classified just below
        if is_transient(exc):
            raise
        log.warning("a batch failed for a data reason; storing its records one by one",
                    extra={"fields": {"error": _short(exc), "records": len(batch)}})
    total = WriteResult()
    singles = [Batch(articles=[a]) for a in batch.articles] + [Batch(duplicates=[d]) for d in batch.duplicates] \
        + [Batch(dead_letters=[d]) for d in batch.dead_letters]
    for single in singles:
        _merge(total, _write_one(writer, single))
    return total


def _write_one(writer: Writer, single: Batch) -> WriteResult:
    try:
        return writer.write(single)
    except Exception as exc:  # noqa: BLE001 - classified just below
        if is_transient(exc):
            raise
        reason = _short(exc)
    letter = _refused(single, reason)
    try:
        result = writer.write(Batch(dead_letters=[letter]))
    except Exception as exc:  # noqa: BLE001
        if is_transient(exc):
            raise
        # Even the dead letter is refused: log what it was, so it is not lost without trace.
        log.error("a record could not be stored nor dead-lettered",
                  extra={"fields": {"id": letter.id, "reason": reason, "error": _short(exc),
                                    "head": letter.payload_head}})
        return WriteResult()
    result.rejected.append(letter)
    return result


def _refused(single: Batch, reason: str) -> DeadLetter:
    """The dead letter for the one record of ``single`` that the store refused."""
    if single.articles:
        a = single.articles[0]
        return DeadLetter.of("sink", a.source, f"ClickHouse refused the article: {reason}", a.title, id=a.id)
    if single.duplicates:
        d = single.duplicates[0]
        return DeadLetter.of("sink", d.source, f"ClickHouse refused the duplicate record: {reason}", d.title,
                             id=letter_id("sink", "duplicate", d.id))
    d = single.dead_letters[0]
    return replace(d, id=letter_id("sink", "dead_letter", d.stage, d.id), stage="sink", source=d.source[:2000],
                   reason=f"ClickHouse refused a {d.stage} dead letter ({reason}); its reason: {d.reason}"[:REASON_CHARS],
                   payload_head=d.payload_head[:HEAD_CHARS], at=now_iso())


def _merge(total: WriteResult, part: WriteResult) -> None:
    for table, n in part.rows.items():
        total.rows[table] = total.rows.get(table, 0) + n
    total.skipped += part.skipped
    total.rejected.extend(part.rejected)


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:500]
