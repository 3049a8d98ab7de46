"""Datelines in Russian news text, and metadata dates."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from svodka.ingest import dates
from svodka.timeutil import to_iso
from tests.kit.seeds import seed_texts

UTC = timezone.utc
REF = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def when(text: str, reference: datetime = REF) -> str | None:
    found = dates.find_dateline(text, reference)
    return to_iso(found.when) if found else None


@pytest.mark.parametrize("text, expected", [
    # the Guardian-style dateline of seed 002: British Summer Time is UTC+1
    ("Джастин Маккарри в Токио\nЧт, 19 октября 2023 г., 06.56 по британскому летнему времени\nМинистр …",
     "2023-10-19T05:56:00+00:00"),
    ("19 октября 2023", "2023-10-19T00:00:00+00:00"),
    ("19 октября 2023 года в 14:05", "2023-10-19T11:05:00+00:00"),  # no zone: Moscow time
    ("7 ноября 2025, 10:00 МСК", "2025-11-07T07:00:00+00:00"),
    ("3 марта 2024, 12:30 (UTC+2)", "2024-03-03T10:30:00+00:00"),
    ("3 марта 2024 12:30 GMT", "2024-03-03T12:30:00+00:00"),
    ("19.10.2023", "2023-10-19T00:00:00+00:00"),
    ("Опубликовано 19.10.2023 14:05", "2023-10-19T11:05:00+00:00"),
    ("2023-10-19T06:56:00+01:00 — новость", "2023-10-19T05:56:00+00:00"),
    ("1 дек. 2024 г.", "2024-12-01T00:00:00+00:00"),
])
def test_datelines(text, expected):
    assert when(text) == expected


def test_day_month_year_from_weekday():
    # «в пятницу, 7 ноября» — 7 November was a Friday in 2025 (and in 2014, 2008 …)
    text = "Власти КНДР в пятницу, 7 ноября, подтвердили приезд делегации. С октября 2024 года …"
    assert when(text) == "2025-11-07T00:00:00+00:00"


def test_day_month_year_from_latest_mentioned_year():
    text = "Как отмечается, 6 ноября министр провел переговоры. В 2023 году … в 2024 году …"
    assert when(text) == "2024-11-06T00:00:00+00:00"


def test_day_month_year_from_reference_not_in_future():
    assert when("Встреча 3 мая прошла в Москве") == "2025-05-03T00:00:00+00:00"  # May 2026 is after REF
    assert when("Встреча 10 января прошла в Москве") == "2026-01-10T00:00:00+00:00"


def test_first_plausible_date_wins_and_future_or_ancient_dates_are_skipped():
    assert when("Планы на 1 января 2030 года. Сообщение от 12.01.2026") == "2026-01-12T00:00:00+00:00"
    assert when("Договор 1945 года, 9 мая 1945 года. Заявление 12.01.2026") == "2026-01-12T00:00:00+00:00"


def test_no_dateline():
    assert when("Министр иностранных дел России Сергей Лавров начал визит в ноябре") is None
    assert when("5 мартышек и 100 попугаев") is None
    assert when("31 февраля 2024 года") is None


def test_only_the_head_is_searched():
    text = "Текст без даты. " * 200 + "19 октября 2023"
    assert when(text) is None


def test_seeds():
    found = {name: when(text) for name, text in seed_texts().items()}
    assert found["002"] == "2023-10-19T05:56:00+00:00"
    assert found["004"] == "2025-11-07T00:00:00+00:00"
    assert found["001"] is None


@pytest.mark.parametrize("value, expected", [
    ("2023-10-19T06:56:00+00:00", "2023-10-19T06:56:00+00:00"),
    ("2023-10-19T06:56:00+03:00", "2023-10-19T03:56:00+00:00"),
    ("2023-10-19T06:56:00", "2023-10-19T06:56:00+00:00"),
    ("2023-10-19", "2023-10-19T00:00:00+00:00"),
    ("Thu, 19 Oct 2023 06:56:00 +0100", "2023-10-19T05:56:00+00:00"),
    ("Thu, 19 Oct 2023 06:56:00 GMT", "2023-10-19T06:56:00+00:00"),
    ("19.10.2023", "2023-10-19T00:00:00+00:00"),
    ("19 октября 2023 г.", "2023-10-19T00:00:00+00:00"),
])
def test_parse_datetime(value, expected):
    assert to_iso(dates.parse_datetime(value)) == expected


@pytest.mark.parametrize("value", ["", "вчера", "2023-13-45", None, 20231019])
def test_parse_datetime_rejects(value):
    assert dates.parse_datetime(value) is None


def test_from_header():
    assert to_iso(dates.from_header("2025-07-12")) == "2025-07-12T00:00:00+00:00"
    assert dates.from_header("2025-02-30") is None
