"""Issue 13, kind by kind: signs, temperatures, elided objects, multi-word units, tables,
non-figures, and what a figure is about (action, location, object). Texts written for
these tests (not the gold sets); conventions in docs/figures.md."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from razdel import sentenize

from svodka.extract.figures import FigureFinder, find_figures
from svodka.extract.morphology import Morphology
from svodka.records import EnrichedArticle, Figure


def figs(text: str, mentions=()):
    return find_figures(text, [(s.start, s.stop) for s in sentenize(text)], mentions)


def values(text: str) -> list[tuple]:
    return [(f.low, f.high, f.unit, f.qualifier) for f in figs(text)]


@dataclass
class M:  # a mention as the figure finder sees it
    start: int
    stop: int
    type: str
    canonical: str
    sentence: int


def mention(text: str, form: str, canonical: str, type: str = "LOC", sentence: int = 0) -> M:
    at = text.index(form)
    return M(at, at + len(form), type, canonical, sentence)


# ---------------------------------------------------------------- signs and temperatures

@pytest.mark.parametrize("text,expected", [
    ("Днём в Самаре до +29 °С.", [(29, 29, "градус", "at_most")]),
    ("Ночью термометр покажет −12 градусов.", [(-12, -12, "градус", "exact")]),
    ("Ожидается от −5 до −9 градусов.", [(-9, -5, "градус", "exact")]),
    ("На юге региона +14-17 градусов.", [(14, 17, "градус", "exact")]),
    ("В столице Кубы +31 градус и высокая влажность.", [(31, 31, "градус", "exact")]),
    ("Прогноз на вторник: −3…−1 °C, снег.", [(-3, -1, "градус", "exact")]),
])
def test_a_temperature_keeps_its_sign_and_its_unit_is_the_degree(text, expected):
    assert values(text) == [(float(a), float(b), u, q) for a, b, u, q in expected]


@pytest.mark.parametrize("text,expected", [
    ("Акции «Магнита» подешевели на –2,7%.", [(-2.7, -2.7, "процент", "exact")]),
    ("Индекс РТС прибавил +1,4% за сессию.", [(1.4, 1.4, "процент", "exact")]),
    ("Выручка изменилась на -0,8% к прошлому году.", [(-0.8, -0.8, "процент", "exact")]),
])
def test_a_signed_change_keeps_its_sign(text, expected):
    assert values(text) == [(float(a), float(b), u, q) for a, b, u, q in expected]


def test_a_dash_after_a_letter_or_digit_is_not_a_minus():
    assert values("Истребители Су-35 и МиГ-31 поднялись в воздух.") == []
    assert values("Ставка выросла на 3-4 процентных пункта.") == [(3.0, 4.0, "процентный пункт", "exact")]


# ---------------------------------------------------------------- elided and adjective-only objects

def test_an_adjective_without_its_noun_takes_the_noun_of_the_next_count_in_the_list():
    got = values("Команда привезла шесть золотых, пять серебряных и восемь бронзовых медалей.")
    assert [u for *_, u, _ in got] == ["золотая медаль", "серебряная медаль", "бронзовая медаль"]


def test_an_adjective_without_its_noun_takes_the_noun_that_comes_later():
    got = values("В строй вернули сорок восстановленных и двенадцать новых вертолетов.")
    assert got == [(40.0, 40.0, "восстановленный вертолет", "exact"), (12.0, 12.0, "вертолет", "exact")]


def test_a_count_without_an_object_takes_the_unit_of_the_count_before_it():
    text = "Из зоны подтопления вывезли свыше 1,8 тысячи человек. Еще около 600 отказались уезжать."
    assert values(text) == [(1800.0, 1800.0, "человек", "at_least"), (600.0, 600.0, "человек", "approx")]


def test_a_count_named_by_число_takes_that_noun():
    text = "Число пострадавших при пожаре увеличилось до 17."
    assert values(text) == [(17.0, 17.0, "пострадавший", "exact")]


def test_a_substantivized_participle_is_its_own_unit():
    assert values("В больницы доставлены 23 пострадавших.") == [(23.0, 23.0, "пострадавший", "exact")]


# ---------------------------------------------------------------- multi-word and abbreviated units

@pytest.mark.parametrize("text,unit", [
    ("Огонь уничтожил три населенных пункта.", "населенный пункт"),
    ("Бойцы подбили 9 единиц бронетехники.", "единица бронетехники"),
    ("Сорт пшеницы дает 45 центнеров с гектара.", "центнер с гектара"),
    ("Ветер усилится до 25 метров в секунду.", "метр в секунду"),
    ("Баррель Urals стоит 58 долларов за баррель.", "доллар за баррель"),
    ("Площадь пожара — 14 кв. км.", "квадратный километр"),
    ("Склад вмещает 3 тыс. т зерна.", "тонна"),
    ("Давление упадет до 738 миллиметров ртутного столба.", "миллиметр ртутного столба"),
    ("Армия получила 50 управляемых ракет.", "управляемая ракета"),
    ("Подразделение потеряло 16 бронемашин.", "бронемашина"),
])
def test_multi_word_and_abbreviated_units_are_one_unit(text, unit):
    assert [f.unit for f in figs(text)] == [unit]


def test_a_participle_before_people_is_a_modifier_not_part_of_the_unit():
    (f,) = figs("Освобождены 30 задержанных граждан.")
    assert (f.unit, f.modifier) == ("гражданин", "задержанный")


def test_a_substantivized_participle_does_not_borrow_the_noun_of_an_unrelated_count():
    got = values("Полиция сообщила о 12 задержанных, 3 автомобиля изъяты.")
    assert got[0] == (12.0, 12.0, "задержанный", "exact")


def test_coordinated_adjectives_leave_the_head_alone():
    assert values("Штрафы получили более 300 физических и юридических лиц.") == [(300.0, 300.0, "лицо", "at_least")]


def test_a_count_per_day_keeps_the_counted_unit():
    assert values("Терминал обрабатывает 40 тыс. контейнеров в сутки.") == [(40000.0, 40000.0, "контейнер", "exact")]


# ---------------------------------------------------------------- tables, lists, numbers in two parts

def test_one_number_written_in_two_parts_is_one_figure():
    assert values("Ведомство насчитало 2 тыс. 340 обращений.") == [(2340.0, 2340.0, "обращение", "exact")]


def test_table_cells_take_the_unit_named_in_the_header():
    text = "Количество туристов по странам (общее число поездок):\nТурция — 512;\nЕгипет — 230."
    got = figs(text)
    assert [(f.low, f.unit) for f in got] == [(512.0, "поездка"), (230.0, "поездка")]


def test_a_bare_number_in_parentheses_after_a_count_is_a_figure_of_the_same_thing():
    got = values("Спортсмен набрал 812 очков, побив прежний рекорд (790).")
    assert got == [(812.0, 812.0, "очко", "exact"), (790.0, 790.0, "очко", "exact")]


def test_a_bare_list_number_with_nothing_to_vouch_for_it_is_dropped():
    assert values("Пункт 3. Заседание переносится.") == []


# ---------------------------------------------------------------- what is not a figure

@pytest.mark.parametrize("text", [
    "Переговоры длились семь часов.",
    "Он отсидел 12 лет в колонии.",
    "Засуха продолжалась два летних месяца.",
    "Экспорт вырос в 2,3 раза.",
    "Армия получила 40 гаубиц калибра 152 мм.",
    "Поставлены 120-мм мины.",
    "Землетрясение магнитудой 5,8 произошло у побережья.",
    "Сила толчков землетрясения составила 6 баллов.",
    "Встреча пройдет 3 янв.",
])
def test_durations_ratios_calibres_magnitudes_and_dates_are_not_figures(text):
    assert [f for f in figs(text) if f.unit not in ("гаубица",)] == []


def test_a_light_year_is_a_distance_not_a_duration():
    assert values("Звезда находится в 40 световых годах от Солнца.") == [(40.0, 40.0, "световой год", "exact")]


def test_exam_points_are_figures_where_no_earthquake_is_mentioned():
    assert values("Выпускница набрала 98 баллов по химии.") == [(98.0, 98.0, "балл", "exact")]


# ---------------------------------------------------------------- action, location, object

@pytest.mark.parametrize("text,action", [
    ("При взрыве погибли пять человек.", "погибнуть"),
    ("Шесть человек получили ранения.", "получить"),
    ("Компания планирует нанять 300 инженеров.", "нанять"),
    ("Спасателям удалось вывести 40 горняков.", "вывести"),
    ("Уничтожены 18 беспилотников.", "уничтожить"),
    ("Ущерб оценивается в 2 млрд рублей.", "оцениваться"),
    ("Инфляция составила 6,8%.", "составить"),
    ("Губернатор заявил, что эвакуированы 150 жителей.", "эвакуировать"),
])
def test_the_action_is_the_lemma_of_the_verb_the_figure_is_counted_for(text, action):
    assert [f.action for f in figs(text)] == [action]


def test_a_reporting_verb_elsewhere_in_the_sentence_is_not_the_action():
    (f,) = figs("По словам мэра, за неделю — 40 новых вакансий, сообщил портал.")
    assert f.action == ""


def test_the_auxiliary_быть_is_never_the_action():
    (f,) = figs("Задержаны были 14 человек.")
    assert f.action == "задержать"


def test_the_location_is_the_place_the_sentence_names_first_in_a_chain():
    text = "В Ирбитском районе Свердловской области сгорели 11 домов."
    ms = [mention(text, "Ирбитском районе", "Ирбитский район"), mention(text, "Свердловской области", "Свердловская область")]
    (f,) = figs(text, ms)
    assert f.location == "Ирбитский район"


def test_a_figure_has_no_location_when_its_sentence_names_none():
    text = "В Омске открыли каток. Билет стоит 350 рублей."
    (f,) = figs(text, [mention(text, "Омске", "Омск")])
    assert f.location == ""


@pytest.mark.parametrize("text,obj", [
    ("Доля импорта выросла до 35% поставок.", "поставка"),
    ("Безработица снизилась до 2,4%.", "безработица"),
    ("Регион повысил зарплаты учителям на 8%.", "зарплата"),
    ("Нефть подорожала на 3%, газ — на 5%.", "нефть"),
])
def test_a_percentage_says_what_it_is_a_share_of(text, obj):
    assert figs(text)[0].object == obj


def test_a_gapped_clause_takes_its_own_subject_as_the_object():
    got = figs("Нефть подорожала на 3%, газ — на 5%.")
    assert [f.object for f in got] == ["нефть", "газ"]


def test_only_percentages_have_an_object():
    assert figs("Завод выпустил 200 тракторов.")[0].object == ""


# ---------------------------------------------------------------- records and morphology

def test_an_enriched_article_written_before_issue_13_still_decodes():
    old = {"kind": "enriched", "schema_version": 1, "id": "a", "source": "s", "title": "", "published_at": None,
           "date_source": "ingest", "ingested_at": "", "lang": "ru", "length": 5, "mentions": [],
           "figures": [{"text": "5 домов", "low": 5, "high": 5, "unit": "дом", "modifier": "", "qualifier": "exact",
                        "start": 0, "stop": 7, "sentence": 0, "entities": [], "reported_by": ""}]}
    fig = EnrichedArticle.from_dict(old).figures[0]
    assert isinstance(fig, Figure) and (fig.action, fig.location, fig.object) == ("", "", "")


def test_the_figure_finder_uses_the_morphology_it_is_given():
    morph = Morphology.shared()
    finder = FigureFinder(morph)
    assert finder.words.morph is morph
    assert Morphology.shared() is morph  # one analyser per process


def test_a_number_after_a_temperature_word_is_in_degrees_even_after_another_unit():
    got = values("Выпало до 15 см снега, температура опустилась до –31.")
    assert got[-1] == (-31.0, -31.0, "градус", "exact")


@pytest.mark.parametrize("text,unit", [
    ("За сутки произошло 37 ДТП.", "ДТП"),
    ("Над регионом сбиты 22 БПЛА.", "БПЛА"),
])
def test_a_countable_abbreviation_is_the_unit_as_written(text, unit):
    assert [f.unit for f in figs(text)] == [unit]


def test_an_organisation_abbreviation_after_a_number_is_not_a_unit():
    assert values("Рост ВВП на 2% ожидает 1 ЦБ.") == [(2.0, 2.0, "процент", "exact")]


def test_a_measure_noun_hands_the_object_to_what_it_measures():
    (f,) = figs("Уровень безработицы в регионе составил 4,1%.")
    assert f.object == "безработица"


def test_a_bare_number_followed_by_an_unread_unit_does_not_borrow_one():
    got = values("Смартфон получил экран 6,7 дюйма и батарею на 5000 мА·ч.")
    assert got == [(6.7, 6.7, "дюйм", "exact")]


@pytest.mark.parametrize("text,expected", [
    ("Ночью до минус 12 градусов.", [(-12, -12, "градус", "at_most")]),
    ("От минус 5 до минус 10 градусов.", [(-10, -5, "градус", "exact")]),
    ("Было 33 градуса тепла и 5 градусов мороза.", [(33, 33, "градус", "exact"), (-5, -5, "градус", "exact")]),
])
def test_a_sign_spelled_out_or_said_by_мороз_is_kept(text, expected):
    assert values(text) == [(float(a), float(b), u, q) for a, b, u, q in expected]


def test_a_table_cell_is_a_figure_even_when_nothing_says_of_what():
    got = values("Итоги голосования:\nИванов — 412;\nПетров — 398.")
    assert [(lo, u) for lo, _, u, _ in got] == [(412.0, ""), (398.0, "")]


def test_a_numbered_list_is_not_a_table():
    assert values("Повестка:\n1. Бюджет\n2. Налоги") == []


def test_a_table_header_with_a_unit_scales_its_cells():
    got = values("Урожай по районам, тыс. тонн:\nКурагинский — 12,5;\nМинусинский — 30.")
    assert got == [(12500.0, 12500.0, "тонна", "exact"), (30000.0, 30000.0, "тонна", "exact")]
