"""svodka.timeutil: the one clock, the one timestamp parser, the wire formats."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from svodka import timeutil
from svodka.timeutil import UTC, parse_utc, to_iso, to_iso_ms, to_ms


@pytest.mark.parametrize("value", ["2025-07-12T01:00:00Z", "2025-07-12T01:00:00z", "2025-07-12T04:00:00+03:00",
                                   "2025-07-12T01:00:00", " 2025-07-12T01:00:00+00:00 ", "2025-07-12 01:00:00"])
def test_parse_utc_reads_every_iso_form_as_the_same_instant(value):
    assert parse_utc(value) == datetime(2025, 7, 12, 1, tzinfo=UTC)
    assert parse_utc(value).tzinfo is UTC


@pytest.mark.parametrize("value", ["", "   ", "вчера", "2025-13-45", None, 20250712, b"2025-07-12"])
def test_parse_utc_gives_none_for_what_is_not_a_timestamp(value):
    assert parse_utc(value) is None
    assert to_ms(value) is None


def test_formats_write_utc_with_seconds_or_milliseconds():
    moscow = timezone(timedelta(hours=3))
    assert to_iso(datetime(2025, 1, 2, 6, 4, 5, tzinfo=moscow)) == "2025-01-02T03:04:05+00:00"
    assert to_iso(datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05+00:00"  # naive = UTC
    assert to_iso_ms(datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2025-01-02T03:04:05.678+00:00"


def test_what_is_written_parses_back_to_the_same_millisecond():
    now = timeutil.utc_now()
    assert abs(parse_utc(timeutil.now_iso()) - now) < timedelta(seconds=5)
    assert to_ms(to_iso_ms(now)) == int(now.timestamp() * 1000)
    assert abs(timeutil.now_ms() - int(now.timestamp() * 1000)) < 5000
    assert to_ms("1970-01-01T00:00:01Z") == 1000
