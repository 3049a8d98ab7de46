"""Issue 13 entities and dates, with texts written for these tests: multi-word regions,
institutions with a country, EU bodies, Latin agencies, facilities and metro lines,
dateline cities; and what fixes an article's date (date_source)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from svodka.extract.pipeline import Extractor
from svodka.ingest.dates import find_dateline
from svodka.ingest.sources import build_article


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def entities(extractor, text: str) -> set[tuple[str, str]]:
    return {(m.type, m.canonical) for m in extractor.extract_text(text).mentions}


@pytest.mark.parametrize("text,expected", [
    ("Паводок затронул Ямало-Ненецкий автономный округ.", ("LOC", "Ямало-Ненецкий автономный округ")),
    ("В Пермском крае закрыли трассу.", ("LOC", "Пермский край")),
    ("Жители Ордынского района остались без газа.", ("LOC", "Ордынский район")),
    ("Дроны атаковали Брянскую и Орловскую области.", ("LOC", "Орловская область")),
])
def test_multi_word_regions_and_districts_are_one_place_in_the_nominative(extractor, text, expected):
    assert expected in entities(extractor, text)


def test_coordinated_regions_are_two_places(extractor):
    got = entities(extractor, "Беспилотники сбиты над Тульской и Калужской областями.")
    assert {("LOC", "Тульская область"), ("LOC", "Калужская область")} <= got


@pytest.mark.parametrize("text,expected", [
    ("Минфин России разместил облигации.", ("ORG", "Минфин России")),
    ("Об этом сообщило Минобороны Белоруссии.", ("ORG", "Минобороны Белоруссии")),
])
def test_a_ministry_with_its_country_is_one_organisation(extractor, text, expected):
    assert expected in entities(extractor, text)


@pytest.mark.parametrize("text", [
    "Евросоюз продлил санкции.", "Решение принял Европейский союз.", "Страны ЕС договорились о пошлинах.",
])
def test_every_name_of_the_european_union_is_one_entity(extractor, text):
    assert ("ORG", "ЕС") in entities(extractor, text)


def test_the_european_commission_is_an_organisation_not_a_place(extractor):
    assert ("ORG", "Еврокомиссия") in entities(extractor, "Еврокомиссия одобрила новый пакет помощи.")


def test_a_body_and_its_parent_organisation_are_one_entity(extractor):
    got = entities(extractor, "Сотрудники Института прикладной математики РАН провели расчеты.")
    assert ("ORG", "Институт прикладной математики РАН") in got


def test_a_name_in_quotes_after_its_kind_is_the_entity(extractor):
    got = entities(extractor, "Авиакомпания «Победа» отменила рейсы.")
    assert ("ORG", "Победа") in got


def test_a_declined_club_name_in_quotes_goes_to_the_nominative(extractor):
    assert ("ORG", "Локомотив") in entities(extractor, "Болельщики «Локомотива» собрались у стадиона.")


def test_power_plants_and_metro_lines_are_places(extractor):
    got = entities(extractor, "На Курской АЭС заменили реактор, а на Калининской линии метро открыли станцию.")
    assert {("LOC", "Курская АЭС"), ("LOC", "Калининская линия")} <= got


def test_a_river_named_after_its_kind_is_a_place(extractor):
    assert ("LOC", "Иртыш") in entities(extractor, "Уровень воды в реке Иртыш поднялся.")


def test_a_dateline_city_in_capitals_is_a_place(extractor):
    got = entities(extractor, "НОВОСИБИРСК, 4 декабря 2025 — ТАСС. В городе открыли мост.")
    assert ("LOC", "Новосибирск") in got and ("ORG", "ТАСС") in got


# ---------------------------------------------------------------- dates

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
