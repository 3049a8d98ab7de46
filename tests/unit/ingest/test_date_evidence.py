"""What fixes an article's date, and ``date_source`` saying which (issue 13): a dated
dateline, a weekday with day and month, «вчера» before a dated day, else the ingest time.
Texts written for these tests."""

from __future__ import annotations

from datetime import datetime, timezone

from svodka.ingest.dates import find_dateline
from svodka.ingest.sources import build_article


INGESTED = datetime(2025, 12, 3, 8, 0, tzinfo=timezone.utc)


def article(text: str):
    return build_article(origin="t", source="t", text=text, encoding="utf-8", ingested=INGESTED)


def test_a_weekday_with_day_and_month_fixes_the_year_and_says_so():
    a = article("В четверг, 27 ноября, парламент принял бюджет.")
    assert (a.published_at[:10], a.date_source) == ("2025-11-27", "weekday")


def test_a_weekday_date_deep_in_a_long_text_is_still_found():
    a = article("Парламент обсуждал бюджет. " * 60 + "Голосование прошло в среду, 26 ноября.")
    assert (a.published_at[:10], a.date_source) == ("2025-11-26", "weekday")


def test_yesterday_before_a_day_and_month_puts_publication_on_the_day_after():
    a = article("Вчера, 1 декабря, в регионе выпал первый снег.")
    assert (a.published_at[:10], a.date_source) == ("2025-12-02", "relative")


def test_a_dated_dateline_is_text_evidence():
    a = article("КАЗАНЬ, 2 декабря 2025 — РИА Новости. Снег.")
    assert (a.published_at[:10], a.date_source) == ("2025-12-02", "text")


def test_a_deadline_is_not_a_dateline():
    a = article("Тарифы на проезд вырастут с 1 января. Решение принято.")
    assert a.date_source == "ingest"
    assert find_dateline("Льготы продлят до 15 марта.", reference=INGESTED) is None


def test_without_any_date_the_ingest_time_is_used():
    assert article("В городе открыли новый каток.").date_source == "ingest"
