"""Issue 13 entities, with texts written for these tests: multi-word regions, institutions
with a country, EU bodies, bodies of a parent organisation, facilities and metro lines,
rivers, dateline cities."""

from __future__ import annotations

import pytest

from tests.kit import models


@pytest.fixture(scope="module")
def extractor():
    return models.extractor()


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


def test_an_inflected_unknown_name_resolves_to_its_alias(extractor):
    got = entities(extractor, "Решение поддержали в Совфеде, а представитель Хезболлы его осудил.")
    assert ("ORG", "Совет Федерации") in got


def test_a_named_body_with_its_country_is_one_organisation(extractor):
    assert ("ORG", "Сенат США") in entities(extractor, "Сенат США одобрил законопроект.")
