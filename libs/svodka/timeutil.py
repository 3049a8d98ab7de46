"""Time on the wire: one clock, one parser, one format.

Every time a record carries is an ISO 8601 string in UTC: ``to_iso`` writes
``YYYY-MM-DDTHH:MM:SS+00:00`` (published_at: a date is not more precise than a
second), ``to_iso_ms`` adds milliseconds (ingested_at, extracted_at, a dead letter's
``at``). ``parse_utc`` reads any ISO 8601 timestamp back — ``Z`` or ``z`` or an
offset, a naive one taken as UTC — and gives None for anything else, so each caller
decides what a missing time means (dedup: the ingest time; the sink: the epoch).

``utc_now`` is the only clock the library reads; ``now_iso`` and ``now_ms`` are that
clock in the two forms the stages need (a record field, dedup's event time in ms).
Dates as *metadata* writes them (RFC 822, «19 октября 2023») are
``svodka.ingest.dates.parse_datetime``'s job; it hands ISO strings to ``parse_utc``.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["UTC", "now_iso", "now_ms", "parse_utc", "to_iso", "to_iso_ms", "to_ms", "utc_now"]

UTC = timezone.utc


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def to_iso(when: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS+00:00`` (a naive datetime is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def to_iso_ms(when: datetime) -> str:
    """Like ``to_iso`` with milliseconds: ``YYYY-MM-DDTHH:MM:SS.mmm+00:00``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def now_iso() -> str:
    """``utc_now()`` as a record writes it (``to_iso_ms``)."""
    return to_iso_ms(utc_now())


def now_ms() -> int:
    """``utc_now()`` in milliseconds since the epoch."""
    return int(utc_now().timestamp() * 1000)


def parse_utc(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime, or None if ``value`` is not one.

    Accepts ``Z``/``z`` or a numeric offset; a naive timestamp is UTC; surrounding
    white space is ignored. Not a string, empty, or not ISO 8601: None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def to_ms(value: object) -> int | None:
    """``parse_utc(value)`` in milliseconds since the epoch, or None."""
    when = parse_utc(value)
    return None if when is None else int(when.timestamp() * 1000)
