"""Canonical entities: alias file, in-article resolution, transliteration similarity."""

from __future__ import annotations

import pytest

from svodka.extract.canonical import (
    ALIASES_PATH,
    AliasTable,
    Resolver,
    key,
    make_id,
    similar_east_asian,
    slug,
    syllable_key,
)
from svodka.extract.entities import EntityFinder
from tests.kit import models


@pytest.fixture(scope="module")
def aliases():
    return AliasTable.load()


@pytest.fixture(scope="module")
def ner():
    return models.ner_tagger()


@pytest.fixture(scope="module")
def resolve(aliases, ner):
    """text → list of (mention text, canonical name, canonical id, type)."""
    finder, resolver = EntityFinder(aliases), Resolver(aliases)

    def run(text):
        spans = finder.find(text, ner(text).spans)
        return [(s.text, c.name, c.id, c.type) for s, c in zip(spans, resolver.resolve(spans))]

    return run


def canon_of(result, mention):
    found = [(name, cid) for text, name, cid, _t in result if text == mention]
    assert found, f"no mention {mention!r} in {result}"
    return found[0]


# ----------------------------------------------------------------- ids and keys


def test_slugs_and_ids():
    assert slug("Сергей Лавров") == "сергей-лавров"
    assert slug("МИД России") == "мид-россии"
    assert slug("Ким Ё Чжон") == "ким-е-чжон"
    assert make_id("LOC", "Северная Корея") == "loc:северная-корея"
    assert key("«Соединённые  Штаты»") == "соединенные штаты"


def test_alias_file_is_well_formed():
    table = AliasTable.load(ALIASES_PATH)
    assert len(table.entities) > 50
    for ent in table.entities.values():
        assert ent.type in ("PER", "ORG", "LOC")
        assert ent.id.startswith(ent.type.lower() + ":"), ent
        assert ent.id == make_id(ent.type, ent.name) or ent.id.split(":", 1)[1].isascii(), ent


def test_alias_file_rejects_unknown_types(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# comment\nloc:x\tX\tPLACE\tY\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown type"):
        AliasTable.load(path)


def test_custom_alias_file(tmp_path):
    path = tmp_path / "aliases.tsv"
    path.write_text("canonical_id\tcanonical\ttype\talias\norg:газпром\tГазпром\tORG\tПАО «Газпром»\n",
                    encoding="utf-8")
    table = AliasTable.load(path)
    assert table.lookup("ПАО Газпром").id == "org:газпром"
    assert table.lookup("Россия") is None


# ----------------------------------------------------------------- alias lookups


@pytest.mark.parametrize("alias, cid, name", [
    ("РФ", "loc:россия", "Россия"),
    ("Российская Федерация", "loc:россия", "Россия"),
    ("КНДР", "loc:северная-корея", "Северная Корея"),
    ("Корейская Народно-Демократическая Республика", "loc:северная-корея", "Северная Корея"),
    ("Соединённые Штаты", "loc:сша", "США"),
    ("Соединенные Штаты Америки", "loc:сша", "США"),
    ("МИД РФ", "org:мид-россии", "МИД России"),
    ("Министерство иностранных дел России", "org:мид-россии", "МИД России"),
    ("ЦТАК", "org:цтак", "ЦТАК"),
    ("KCNA", "org:цтак", "ЦТАК"),
    ("Организация Объединенных Наций", "org:оон", "ООН"),
    ("Кремль", "org:кремль", "Кремль"),
])
def test_alias_lookup(aliases, alias, cid, name):
    ent = aliases.lookup(alias)
    assert ent is not None and (ent.id, ent.name) == (cid, name)


def test_pyongyang_is_a_city_not_the_country(aliases):
    assert aliases.lookup("Пхеньян").id == "loc:пхеньян"
    assert aliases.lookup("КНДР").id == "loc:северная-корея"
    # but an institution «of Pyongyang» belongs to the country
    assert aliases.country("Пхеньян").id == "loc:северная-корея"


def test_inflected_aliases_resolve_in_text(resolve):
    r = resolve("Глава МИД РФ встретился с представителями Министерства иностранных дел России "
                "и Соединённых Штатов, а также Организации Объединённых Наций.")
    assert canon_of(r, "МИД РФ") == ("МИД России", "org:мид-россии")
    assert canon_of(r, "Министерства иностранных дел России") == ("МИД России", "org:мид-россии")
    assert canon_of(r, "Соединённых Штатов") == ("США", "loc:сша")
    assert canon_of(r, "Организации Объединённых Наций") == ("ООН", "org:оон")


def test_institution_of_a_country_is_composed(resolve):
    r = resolve("Об этом сообщило министерство иностранных дел Пхеньяна. Ранее МИД КНДР выступил с заявлением.")
    assert canon_of(r, "министерство иностранных дел Пхеньяна") == ("МИД Северной Кореи", "org:мид-северной-кореи")
    assert canon_of(r, "МИД КНДР") == ("МИД Северной Кореи", "org:мид-северной-кореи")


def test_country_adjective_with_institution(resolve):
    r = resolve("Как пишет Reuters, Чхве встретилась с главой российского МИД Сергеем Лавровым.")
    assert canon_of(r, "российского МИД") == ("МИД России", "org:мид-россии")


def test_alias_type_overrides_natasha(resolve):
    r = resolve("Западные правительства винят Кремль в поставках. В Белом доме это не комментируют.")
    assert [(n, t) for m, n, _i, t in r if m == "Кремль"] == [("Кремль", "ORG")]
    assert [(n, t) for m, n, _i, t in r if m == "Белом доме"] == [("Белый дом", "ORG")]


# ----------------------------------------------------------------- in-article resolution


def test_surname_resolves_to_full_name_in_article(resolve):
    r = resolve("Министр иностранных дел России Сергей Лавров прибыл в Пхеньян. Лавров провёл переговоры. "
                "Визит Лаврова продлится три дня. С Лавровым встретился глава МИД КНДР.")
    ids = {cid for m, _n, cid, _t in r if m.startswith("Лавров") or m.startswith("Сергей")}
    assert ids == {"per:сергей-лавров"}
    names = {n for m, n, _c, _t in r if m in ("Лавров", "Лаврова", "Лавровым")}
    assert names == {"Сергей Лавров"}


def test_unknown_person_surname_resolves_within_article(resolve):
    r = resolve("Заместитель министра обороны России Виктор Горемыкин прибыл в Пхеньян. "
                "Переговоры с Горемыкиным провёл министр обороны КНДР.")
    assert canon_of(r, "Горемыкиным") == ("Виктор Горемыкин", "per:виктор-горемыкин")


def test_kim_resolves_to_kim_jong_un_when_named(resolve):
    r = resolve("Лавров приветствовал саммит между Владимиром Путиным и лидером КНДР Ким Чен Ыном. "
                "Ким отправился в Россию на бронепоезде. Саммит Путина и Кима состоится в Пхеньяне.")
    assert canon_of(r, "Ким") == ("Ким Чен Ын", "per:ким-чен-ын")
    assert canon_of(r, "Кима") == ("Ким Чен Ын", "per:ким-чен-ын")
    assert canon_of(r, "Путина") == ("Владимир Путин", "per:владимир-путин")


def test_putin_alone_is_vladimir_putin(resolve):
    r = resolve("Путин назвал поставки оружия ошибкой.")
    assert canon_of(r, "Путин") == ("Владимир Путин", "per:владимир-путин")


def test_korean_variants_in_one_article(resolve):
    r = resolve("Министр обороны Северной Кореи Но Кван Чхоль встретился с делегацией. "
                "6 ноября министр обороны КНДР Но Гван Чоль провёл переговоры.")
    assert canon_of(r, "Но Кван Чхоль") == canon_of(r, "Но Гван Чоль") == ("Но Гван Чоль", "per:но-гван-чоль")


def test_korean_variants_across_articles_share_the_id(resolve):
    a = resolve("Лавров встретился в Вонсане с министром иностранных дел Северной Кореи Чхве Сон Хи.")
    b = resolve("Лавров провёл переговоры с северокорейской коллегой Цой Сон Хи.")
    c = resolve("Путин попросил министра иностранных дел Северной Кореи Чхве Сон Хуэя передать привет.")
    ids = {canon_of(a, "Чхве Сон Хи")[1], canon_of(b, "Цой Сон Хи")[1], canon_of(c, "Чхве Сон Хуэя")[1]}
    assert ids == {"per:чхве-сон-хи"}


def test_unknown_korean_names_cluster_by_similarity_in_article(resolve):
    r = resolve("Заместитель министра Пак Ен Иль прибыл в Москву. Позже Пак Ён Иль провёл встречу.")
    assert canon_of(r, "Пак Ен Иль") == canon_of(r, "Пак Ён Иль")


def test_unrelated_korean_names_stay_apart(resolve):
    r = resolve("Во встрече участвовали Ким Чен Ын, заместитель министра Ким Чон Гю и Пак Ен Иль.")
    ids = {cid for _m, _n, cid, t in r if t == "PER"}
    assert len(ids) == 3


def test_unknown_entities_get_the_same_id_in_two_articles(resolve):
    a = resolve("Посол России в КНДР Александр Мацегора принял участие во встрече.")
    b = resolve("Александр Мацегора заявил, что переговоры прошли успешно.")
    assert canon_of(a, "Александр Мацегора") == canon_of(b, "Александр Мацегора") == \
        ("Александр Мацегора", "per:александр-мацегора")


# ----------------------------------------------------------------- transliteration similarity


@pytest.mark.parametrize("a, b", [
    ("Чхве Сон Хи", "Цой Сон Хи"),
    ("Чхве Сон Хи", "Чхве Сон Хуэй"),
    ("Цой Сон Хи", "Чхве Сон Хуэй"),
    ("Но Кван Чхоль", "Но Гван Чоль"),
    ("Ким Чен Ын", "Ким Чон Ын"),
    ("Пак Ен Иль", "Пак Ён Иль"),
    ("Си Цзиньпин", "Си Цзинь Пин"),
    ("Ким Чен Ир", "Ким Чен Иль"),
])
def test_transliteration_variants_match(a, b):
    assert similar_east_asian(a, b)
    assert similar_east_asian(b, a)


@pytest.mark.parametrize("a, b", [
    ("Ким Чон Гю", "Ким Чен Ын"),
    ("Ким Чен Ын", "Пак Ен Иль"),
    ("Ким Чен Ын", "Ким Чен Ир"),
    ("Ким Чен Ын", "Ким Ё Чжон"),
    ("Чхве Сон Хи", "Чхве Рён Хэ"),
    ("Но Гван Чоль", "Но Кван Ин"),
    ("Ким Ир Сен", "Ким Чен Ир"),
])
def test_unrelated_names_do_not_match(a, b):
    assert not similar_east_asian(a, b)


def test_syllable_keys_collapse_spelling_variants():
    assert syllable_key("Чхве") == syllable_key("Цой")
    assert syllable_key("Хи") == syllable_key("Хуэй")
    assert syllable_key("Кван") == syllable_key("Гван")
    assert syllable_key("Чхоль") == syllable_key("Чоль")
    assert syllable_key("Ын") != syllable_key("Гю")
