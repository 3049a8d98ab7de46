"""svodka.extract.figures: table-driven cases on made-up sentences, and the gold seeds."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml
from razdel import sentenize

from svodka.extract.figures import find_figures
from svodka.extract.numerals import parse_number_words
from tests.kit.seeds import REPO, SEEDS_DIR, seed_body

GOLD = REPO / "tests" / "gold" / "figures.yaml"


def figs(text: str, mentions=()):
    sentences = [(s.start, s.stop) for s in sentenize(text)]
    return find_figures(text, sentences, mentions)


def summary(text: str) -> list[tuple]:
    return [(f.low, f.high, f.unit, f.qualifier) for f in figs(text)]


# --------------------------------------------------------------------------
# figures: (sentence, [(low, high, unit, qualifier), ...])

FIGURE_CASES = [
    # digits, thousand separators
    ("Компания наняла 6 000 сотрудников.", [(6000, 6000, "сотрудник", "exact")]),
    ("В регион прибыли 10\u00a0000 туристов.", [(10000, 10000, "турист", "exact")]),
    ("Склад вмещает 1\u202f500 контейнеров.", [(1500, 1500, "контейнер", "exact")]),
    ("Порт принял 1\u2009200 судов.", [(1200, 1200, "судно", "exact")]),
    ("Северная Корея поставила 1000 контейнеров.", [(1000, 1000, "контейнер", "exact")]),
    ("Инфляция составила 2,5% в годовом выражении.", [(2.5, 2.5, "процент", "exact")]),
    # number words, inflected
    ("В городе живут пять тысяч человек.", [(5000, 5000, "человек", "exact")]),
    ("Завод выпустил тысячу автомобилей.", [(1000, 1000, "автомобиль", "exact")]),
    ("В деревне осталось шесть домов.", [(6, 6, "дом", "exact")]),
    ("Бюджет проекта превысил сто миллионов рублей.", [(1e8, 1e8, "рубль", "exact")]),
    ("Стоимость контракта — полтора миллиарда долларов.", [(1.5e9, 1.5e9, "доллар", "exact")]),
    ("Участие приняли двадцать пять тысяч человек.", [(25000, 25000, "человек", "exact")]),
    ("Спасатели вывели из зоны затопления сорок семей.", [(40, 40, "семья", "exact")]),
    ("В результате удара погибли не менее двух человек.", [(2, 2, "человек", "at_least")]),
    ("Он лично встретил трёх министров.", [(3, 3, "министр", "exact")]),
    # multipliers
    ("Средняя зарплата составила 85 тыс. рублей.", [(85000, 85000, "рубль", "exact")]),
    ("Ущерб оценивается в 5 млн долларов.", [(5e6, 5e6, "доллар", "exact")]),
    ("ЦБ направил на поддержку банков 100 млрд рублей.", [(1e11, 1e11, "рубль", "exact")]),
    ("Компания потратила 2 миллиарда евро.", [(2e9, 2e9, "евро", "exact")]),
    ("Дефицит бюджета составил 3,3 трлн руб.", [(3.3e12, 3.3e12, "рубль", "exact")]),
    ("На счетах осталось 9 миллионов долларов.", [(9e6, 9e6, "доллар", "exact")]),
    # money with a symbol before the number
    ("Фонд получил $5 млн от инвесторов.", [(5e6, 5e6, "доллар", "exact")]),
    ("Капитализация компании составила €10 млрд.", [(1e10, 1e10, "евро", "exact")]),
    # ranges, any dash, and от … до
    ("Пхеньян намерен отправить 25-30 тысяч солдат.", [(25000, 30000, "солдат", "exact")]),
    ("Пхеньян намерен отправить 25–30 тысяч солдат.", [(25000, 30000, "солдат", "exact")]),
    ("Пхеньян намерен отправить 25—30 тысяч солдат.", [(25000, 30000, "солдат", "exact")]),
    ("Пхеньян намерен отправить 25 − 30 тысяч солдат.", [(25000, 30000, "солдат", "exact")]),
    ("Цены на бензин подскочили на 5–7%.", [(5, 7, "процент", "exact")]),
    ("Потери составили от 5 до 10 тысяч человек.", [(5000, 10000, "человек", "exact")]),
    ("Билет обойдётся от 500 до 2 тысяч рублей.", [(500, 2000, "рубль", "exact")]),
    ("Там работают пять-шесть тысяч человек.", [(5000, 6000, "человек", "exact")]),
    ("Соберутся около 25−30 тысяч человек.", [(25000, 30000, "человек", "approx")]),
    # qualifiers: approx
    ("Эвакуировали около 300 жителей.", [(300, 300, "житель", "approx")]),
    ("В акции участвовали примерно 40 человек.", [(40, 40, "человек", "approx")]),
    ("Порядка 200 семей остались без света.", [(200, 200, "семья", "approx")]),
    ("Сбор составил почти 50 тысяч рублей.", [(50000, 50000, "рубль", "approx")]),
    ("В порту стоят приблизительно 70 судов.", [(70, 70, "судно", "approx")]),
    ("Аэропорт находится примерно в 100 км к югу от Сеула.", [(100, 100, "километр", "approx")]),
    ("На митинг пришли ~300 участников.", [(300, 300, "участник", "approx")]),
    # qualifiers: at_least
    ("В колонне было более 100 машин.", [(100, 100, "машина", "at_least")]),
    ("Заявки подали свыше 2 тысяч участников.", [(2000, 2000, "участник", "at_least")]),
    ("Пхеньян отправил не менее 100 баллистических ракет.", [(100, 100, "баллистическая ракета", "at_least")]),
    ("Погибли как минимум 12 человек.", [(12, 12, "человек", "at_least")]),
    ("Соглашение подписали больше 30 стран.", [(30, 30, "страна", "at_least")]),
    ("Было совершено по меньшей мере шесть морских переходов.", [(6, 6, "морской переход", "at_least")]),
    ("Там собралось 100 с лишним человек.", [(100, 100, "человек", "at_least")]),
    # qualifiers: at_most
    ("КНДР поставляет России до 40% вооружений.", [(40, 40, "процент", "at_most")]),
    ("В лифте могут ехать не более 15 человек.", [(15, 15, "человек", "at_most")]),
    ("Так ответили менее 10 процентов опрошенных.", [(10, 10, "процент", "at_most")]),
    ("До границы осталось меньше 20 километров.", [(20, 20, "километр", "at_most")]),
    # «до» marking the new level of a change is exact; «с … до» gives both levels
    ("Инфляция выросла до 8%.", [(8, 8, "процент", "exact")]),
    ("Ставка снижена с 9 до 8%.", [(9, 9, "процент", "exact"), (8, 8, "процент", "exact")]),
    ("Выручка упала на 15% — до 1,2 млрд рублей.", [(15, 15, "процент", "exact"), (1.2e9, 1.2e9, "рубль", "exact")]),
    # unit normalisation
    ("В России погибли около 4 тысяч северокорейских солдат.", [(4000, 4000, "солдат", "approx")]),
    ("Площадь участка около 90 квадратных километров.", [(90, 90, "квадратный километр", "approx")]),
    ("Инфляция составила 40 процентов.", [(40, 40, "процент", "exact")]),
    ("Украина и Южная Корея оценивают, что КНДР отправила 10 000 военнослужащих.", [(10000, 10000, "военнослужащий", "exact")]),
    ("В отчёте 11 государств-членов ООН говорится о поставках.", [(11, 11, "государство-член", "exact")]),
    ("КНДР отправила около 15 тысяч своих бойцов.", [(15000, 15000, "боец", "approx")]),
    ("Пострадали 200 мирных жителей.", [(200, 200, "мирный житель", "exact")]),
    ("Пхеньян согласился направить дополнительно 6 000 военных.", [(6000, 6000, "военный", "exact")]),
    ("Добыча нефти сократилась на 1,2 млн баррелей в сутки.", [(1.2e6, 1.2e6, "баррель", "exact")]),
    ("Компания открыла 7 новых рабочих мест.", [(7, 7, "рабочее место", "exact")]),
    ("Вывезли 20 тонн груза.", [(20, 20, "тонна", "exact")]),
    ("Ракета пролетела 1000 км.", [(1000, 1000, "километр", "exact")]),
    ("Около 5000 «строителей» отправили в Россию.", [(5000, 5000, "строитель", "approx")]),
    ("По данным спецслужб, около 10 тысяч военных КНДР размещены у границы.", [(10000, 10000, "военный", "approx")]),
    ("Выпущено 3 управляемые ракеты.", [(3, 3, "управляемая ракета", "exact")]),
    ("Задержаны 14 человек.", [(14, 14, "человек", "exact")]),
]


# economics: a different vocabulary from the war-news seeds, to check generality
ECONOMY_CASES = [
    ("Годовая инфляция в России в октябре замедлилась до 7,7% с 8% месяцем ранее.",
     [(7.7, 7.7, "процент", "exact"), (8, 8, "процент", "exact")]),
    ("ЦБ сохранил ключевую ставку на уровне 16,5% годовых.", [(16.5, 16.5, "процент", "exact")]),
    ("Безработица опустилась до рекордных 2,4%.", [(2.4, 2.4, "процент", "exact")]),
    ("Золотовалютные резервы за неделю увеличились на 2,1 млрд долларов — до 620,8 млрд долларов.",
     [(2.1e9, 2.1e9, "доллар", "exact"), (620.8e9, 620.8e9, "доллар", "exact")]),
    ("Банк России повысил ставку на 200 базисных пунктов, до 21%.",
     [(200, 200, "базисный пункт", "exact"), (21, 21, "процент", "exact")]),
    ("Выручка выросла на 15%, при этом до 30% сотрудников уволены.",
     [(15, 15, "процент", "exact"), (30, 30, "процент", "at_most")]),
    ("Капитализация Nvidia достигла $3 трлн.", [(3e12, 3e12, "доллар", "exact")]),
    ("Стоимость проекта — 1,5 млрд ₽.", [(1.5e9, 1.5e9, "рубль", "exact")]),
    ("Ущерб превысил 5 млн гривен.", [(5e6, 5e6, "гривна", "exact")]),
    ("Курс доллара превысил 100 рублей впервые с марта 2022 года.", [(100, 100, "рубль", "exact")]),
    ("Ущерб оценивается в сумму от 10 до 15 млн рублей.", [(1e7, 1.5e7, "рубль", "exact")]),
    ("Инфляционные ожидания в ноябре снизились до 12,5 процента с 13,4 процента.",
     [(12.5, 12.5, "процент", "exact"), (13.4, 13.4, "процент", "exact")]),
    ("В 2023 году в стране родились 1,26 млн детей.", [(1.26e6, 1.26e6, "ребенок", "exact")]),
    # issue 13: a ratio («в 1,5–2 раза») says how a quantity changed, it is not a reported quantity
    ("Зарплата выросла в 1,5–2 раза.", []),
    ("За кандидата проголосовали 87,28% избирателей.", [(87.28, 87.28, "процент", "exact")]),
    ("Средняя зарплата в Москве составила около 150 тыс. рублей в месяц.",
     [(150000, 150000, "рубль", "approx")]),
]


@pytest.mark.parametrize("text,expected", ECONOMY_CASES, ids=[f"eco{i}" for i in range(len(ECONOMY_CASES))])
def test_economy_cases(text, expected):
    assert summary(text) == [(float(a), float(b), u, q) for a, b, u, q in expected]


@pytest.mark.parametrize("text,expected", FIGURE_CASES, ids=[f"fig{i}" for i in range(len(FIGURE_CASES))])
def test_figure_cases(text, expected):
    assert summary(text) == [(float(a), float(b), u, q) for a, b, u, q in expected]


# (sentence, unit, modifier)
MODIFIER_CASES = [
    ("В России погибли около 4 тысяч северокорейских солдат.", "солдат", "северокорейский"),
    ("Россия направила 11 тысячам северокорейских военных помощь.", "военный", "северокорейский"),
    ("Погибли 30 российских военных.", "военный", "российский"),
    ("В страну въехали 500 иностранных туристов.", "турист", "иностранный"),
    ("КНДР выпустила по меньшей мере одну неизвестную баллистическую ракету.", "баллистическая ракета", "неизвестный"),
    ("Компания открыла 7 новых рабочих мест.", "рабочее место", "новый"),
    ("В колонне 12 израильских танков.", "танк", "израильский"),
    ("Эвакуированы 300 курских школьников.", "школьник", "курский"),
    ("Похоронены 40 погибших солдат.", "солдат", "погибший"),
    ("Спасены 40 раненых.", "раненый", ""),
    ("КНДР отправила около 15 тысяч своих бойцов.", "боец", ""),
    ("КНДР присоединилась к четырем другим странам.", "страна", ""),
    ("Украина получила 9 миллионов артиллерийских снарядов.", "артиллерийский снаряд", ""),
]


@pytest.mark.parametrize("text,unit,modifier", MODIFIER_CASES, ids=[f"mod{i}" for i in range(len(MODIFIER_CASES))])
def test_unit_and_modifier(text, unit, modifier):
    found = figs(text)
    assert len(found) == 1, found
    assert (found[0].unit, found[0].modifier) == (unit, modifier)


def test_words_with_qualifier_keep_small_numbers():
    (f,) = figs("Южнокорейская разведка сообщила, что в Россию может быть направлено до пяти тысяч северокорейских военных.")
    assert (f.low, f.high, f.unit, f.modifier, f.qualifier) == (5000, 5000, "военный", "северокорейский", "at_most")
    assert f.text == "до пяти тысяч северокорейских военных"


# --------------------------------------------------------------------------
# not figures

NOT_FIGURE_CASES = [
    "11 июля министр прибыл в Пхеньян.",  # date
    "Переговоры прошли 12 июля в Вонсане.",  # date
    "Чт, 19 октября 2023 г., 06.56 по британскому летнему времени",  # date, time
    "В ноябре 2024 года состоялась встреча.",  # year
    "В 2024 году Пхеньян отправил в Россию снаряды.",  # year
    "С октября 2024 года КНДР отправляла в Россию оружие.",  # year
    "До 2030 года программа будет продлена.",  # year with «до»
    "Встреча началась в 14:30.",  # time
    "Это стало шестым запуском в этом году.",  # ordinal word
    "Праздновали 80-й годовщины Победы.",  # ordinal digits
    "Это в 2024-м было ясно.",  # ordinal year
    "КНДР пригласили к участию в третьей конференции.",  # ordinal
    "Это годовщина окончания Второй мировой войны.",  # ordinal
    "Его обвинили по статье 205 УК РФ.",  # article
    "Об этом сказано на стр. 12 доклада.",  # page
    "Подписан приказ № 5 о создании комиссии.",  # number
    "В небе пролетел бомбардировщик B-52.",  # model code
    "После пандемии Covid-19 он впервые выехал за границу.",  # name
    "Самолет Су-34 вернулся на аэродром.",  # model code
    "Лидеры G20 собрались в Индии.",  # name
    "Путин назвал поставки ракет ATACMS ошибкой.",  # name, no number
    "Он стал одним из лидеров протеста.",  # «один из»
    "Растет обеспокоенность связями между двумя странами.",  # small number word
    "Обсудили отношения глав государств двух стран.",  # small number word
    "Звоните по телефону +7 495 123-45-67.",  # phone
    "Вышла версия 2.4.1 приложения.",  # version
    "Компания представила iPhone 15 в сентябре.",  # model name
    "Лавров прибыл с трехдневным визитом.",  # compound adjective
    "Назвал отношения с Москвой приоритетом номер один.",  # idiom
    "Тысячи людей вышли на улицы.",  # vague plural
    "Утвержден 5-летний план.",  # compound adjective
    "Три года назад здесь был пустырь.",  # time expression
    "До визита в Пхеньян Лавров посетил Куала-Лумпур.",  # «до» not before a number
    "Счёт матча 2:1.",  # score
    "В пятницу, 7 ноября, прибыла делегация.",  # date
    "Встреча пройдет 3-4 декабря в Женеве.",  # date range
    "В 3 квартале ВВП остался на месте.",  # ordinal in digits
    "Самолет Ту-154 вылетел рейсом SU-1234 в 10:40.",  # codes, time
    "Президент подписал указ № 123 от 5 марта 2024 года.",  # number, date
    "Суд рассмотрел дело по ч. 4 ст. 159 УК РФ.",  # law references
]


@pytest.mark.parametrize("text", NOT_FIGURE_CASES, ids=[f"not{i}" for i in range(len(NOT_FIGURE_CASES))])
def test_not_figures(text):
    assert figs(text) == []


# --------------------------------------------------------------------------
# offsets, sentences, entities, reported_by


@dataclass
class FakeMention:
    start: int
    stop: int
    type: str
    canonical: str
    sentence: int


def _mention(text: str, surface: str, type_: str, canonical: str, sentences) -> FakeMention:
    start = text.index(surface)
    idx = next(i for i, (a, b) in enumerate(sentences) if a <= start < b)
    return FakeMention(start, start + len(surface), type_, canonical, idx)


def test_offsets_and_sentence_index():
    text = "Первое предложение без чисел. Во втором около 300 жителей. А в третьем 5 млн рублей."
    found = figs(text)
    assert [f.sentence for f in found] == [1, 2]
    for f in found:
        assert text[f.start:f.stop] == f.text
    assert found[0].text == "около 300 жителей"
    assert found[1].text == "5 млн рублей"


def test_empty_sentences_means_one_sentence():
    (f,) = find_figures("Эвакуировали около 300 жителей.", [])
    assert f.sentence == 0 and f.low == 300


def test_entities_and_reporter_from_mentions():
    text = ("Эвакуировали людей. По словам главы украинской разведки Кирилла Буданова, "
            "Северная Корея поставляет России до 40% боеприпасов.")
    sentences = [(s.start, s.stop) for s in sentenize(text)]
    mentions = [
        _mention(text, "Кирилла Буданова", "PER", "Кирилл Буданов", sentences),
        _mention(text, "Северная Корея", "LOC", "Северная Корея", sentences),
        _mention(text, "России", "LOC", "Россия", sentences),
    ]
    (f,) = find_figures(text, sentences, mentions)
    assert f.sentence == 1
    assert f.entities == ["Кирилл Буданов", "Россия", "Северная Корея"]
    assert f.reported_by == "Кирилл Буданов"


def test_reporter_org_mention_before_verb():
    text = "На прошлой неделе Белый дом заявил, что КНДР поставила более 1000 контейнеров."
    sentences = [(0, len(text))]
    mentions = [_mention(text, "Белый дом", "ORG", "Белый дом", sentences), _mention(text, "КНДР", "LOC", "КНДР", sentences)]
    (f,) = find_figures(text, sentences, mentions)
    assert f.reported_by == "Белый дом"


def test_reporter_per_after_verb_wins_over_org():
    text = ("КНДР поставляет России до 40% вооружений, заявил в интервью агентству Bloomberg "
            "глава украинской военной разведки Кирилл Буданов.")
    sentences = [(0, len(text))]
    mentions = [
        _mention(text, "Bloomberg", "ORG", "Bloomberg", sentences),
        _mention(text, "Кирилл Буданов", "PER", "Кирилл Буданов", sentences),
    ]
    (f,) = find_figures(text, sentences, mentions)
    assert f.reported_by == "Кирилл Буданов"


def test_reporter_mention_only_when_it_heads_the_phrase():
    # the LOC is a complement of «спецслужб», not the source
    text = "По данным спецслужб Южной Кореи, около 10 тысяч военных КНДР размещены у границы."
    sentences = [(0, len(text))]
    mentions = [_mention(text, "Южной Кореи", "LOC", "Южная Корея", sentences)]
    (f,) = find_figures(text, sentences, mentions)
    assert f.reported_by == "спецслужбы Южной Кореи"


def test_reporter_coordinated_mentions():
    text = "Украина и Южная Корея оценивают, что КНДР отправила более 10 000 военнослужащих."
    sentences = [(0, len(text))]
    mentions = [
        _mention(text, "Украина", "LOC", "Украина", sentences),
        _mention(text, "Южная Корея", "LOC", "Южная Корея", sentences),
        _mention(text, "КНДР", "LOC", "Северная Корея", sentences),
    ]
    (f,) = find_figures(text, sentences, mentions)
    assert f.reported_by == "Украина и Южная Корея"
    assert f.entities == ["Северная Корея", "Украина", "Южная Корея"]


def test_reporter_org_mention_after_verb():
    text = "Учения прошли с участием 4 кораблей, сообщило министерство обороны."
    sentences = [(0, len(text))]
    mentions = [_mention(text, "министерство обороны", "ORG", "Минобороны", sentences)]
    (f,) = find_figures(text, sentences, mentions)
    assert f.reported_by == "Минобороны"


@pytest.mark.parametrize(
    "text,who",
    [
        ("По данным западных чиновников, погибли около 4 тысяч солдат.", "западные чиновники"),
        ("По данным украинской разведки, Пхеньян отправит 25−30 тысяч солдат.", "украинская разведка"),
        ("CNN отмечает, что, по данным украинской разведки, Пхеньян отправит 25−30 тысяч солдат.", "украинская разведка"),
        ("Как сообщает Reuters, компания потратила 2 миллиарда евро.", "Reuters"),
        ("В регион отправили 500 военных, пишет CNN.", "CNN"),
        ("На прошлой неделе Белый дом заявил, что КНДР поставила более 1000 контейнеров.", "Белый дом"),
        ("Разведывательное агентство Южной Кореи подсчитало, что погибли около 2000 солдат.",
         "разведывательное агентство Южной Кореи"),
        ("По данным спецслужб Южной Кореи, около 10 тысяч военных КНДР размещены у границы.", "спецслужбы Южной Кореи"),
        ("Учения прошли у берегов страны с участием 4 кораблей, сообщило министерство обороны.", "министерство обороны"),
        ("По словам главы украинской разведки Кирилла Буданова, КНДР поставляет до 40% боеприпасов.", "Кирилл Буданов"),
        ("Он также отмечал, что КНДР поставляет до 40% боеприпасов.", ""),
        ("Эвакуировали около 300 жителей.", ""),
        ("Цены на яйца за год выросли почти на 40 процентов, сообщает Росстат.", "Росстат"),
        ("По оценке аналитиков, ВВП вырастет на 3,6% в 2024 году.", "аналитики"),
        ("Согласно опросу ВЦИОМ, 76% россиян поддерживают решение.", "ВЦИОМ"),
        ("Более двух тысяч человек эвакуированы, сообщило МЧС.", "МЧС"),
    ],
)
def test_reporter_without_mentions(text, who):
    (f,) = figs(text)
    assert f.reported_by == who


def test_number_words_parser():
    assert parse_number_words("двадцать пять тысяч") == 25000
    assert parse_number_words("две тысячи пятьсот") == 2500
    assert parse_number_words("полутора миллионов") == 1_500_000
    assert parse_number_words("тысячу") == 1000
    assert parse_number_words("сто двадцать три") == 123
    assert parse_number_words("пять штук") is None


# --------------------------------------------------------------------------
# gold seeds


def _load_gold() -> dict:
    with open(GOLD, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _seed_text(name: str) -> str:
    text = seed_body(SEEDS_DIR / name)
    return text


def _key(low, high, unit, qualifier):
    return (float(low), float(high), unit, qualifier)


def _score_seed(name: str, gold_figs: list[dict]) -> tuple[int, int, int, list[str]]:
    """(correct, predicted, gold, notes) for one seed."""
    text = _seed_text(name)
    predicted = figs(text)
    gold = []
    for g in gold_figs:
        start = text.find(g["text"])
        assert start >= 0, f"{name}: gold text {g['text']!r} is not in the seed"
        gold.append((start, start + len(g["text"]), g))
    notes = []
    used: set[int] = set()
    correct = 0
    for p in predicted:
        pkey = _key(p.low, p.high, p.unit, p.qualifier)
        match = None
        for gi, (gs, ge, g) in enumerate(gold):
            if gi in used:
                continue
            if (p.start < ge and gs < p.stop) or (float(g["low"]), float(g["high"]), g["unit"]) == pkey[:3]:
                match = gi
                break
        if match is None:
            notes.append(f"  spurious: {p.text!r} {pkey}")
            continue
        used.add(match)
        g = gold[match][2]
        gkey = _key(g["low"], g["high"], g["unit"], g["qualifier"])
        if gkey == pkey:
            correct += 1
        else:
            notes.append(f"  wrong:    {p.text!r} {pkey} != gold {gkey}")
    for gi, (_, _, g) in enumerate(gold):
        if gi not in used:
            notes.append(f"  missed:   {g['text']!r} {_key(g['low'], g['high'], g['unit'], g['qualifier'])}")
    return correct, len(predicted), len(gold), notes


def test_gold_seeds_precision_recall():
    gold = _load_gold()
    assert len(gold) == 5
    total_correct = total_pred = total_gold = 0
    report = []
    for name, entry in sorted(gold.items()):
        correct, n_pred, n_gold, notes = _score_seed(name, entry["figures"])
        total_correct += correct
        total_pred += n_pred
        total_gold += n_gold
        report.append(f"{name}: {correct} correct, {n_pred} predicted, {n_gold} gold")
        report.extend(notes)
    precision = total_correct / total_pred if total_pred else 0.0
    recall = total_correct / total_gold if total_gold else 0.0
    summary_line = f"precision {precision:.3f}, recall {recall:.3f}"
    print(summary_line)
    print("\n".join(report))
    assert precision >= 0.9 and recall >= 0.9, summary_line + "\n" + "\n".join(report)


def test_gold_not_figures_are_in_the_seeds():
    """The recorded negative decisions refer to real text, so they stay meaningful."""
    for name, entry in _load_gold().items():
        text = _seed_text(name)
        for phrase in entry.get("not_figures", []):
            assert phrase in text, f"{name}: {phrase!r}"
        for f in figs(text):
            for phrase in entry.get("not_figures", []):
                at = text.find(phrase)
                assert not (f.start < at + len(phrase) and at < f.stop), f"{name}: {f.text!r} overlaps {phrase!r}"
