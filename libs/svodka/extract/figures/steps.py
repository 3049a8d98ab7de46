"""One figure, read as named steps over a small state object.

For each number the finder makes a :class:`FigureState` and runs
``STEPS`` in order; a step returns False to drop the number (it is not a
figure). The steps:

1. ``qualifier``  — words before the number («не менее», «около», «до»), and
   «до» that only marks the new level of a change (exact);
2. ``currency``   — a currency sign before the number («$5 млн»);
3. ``number_range`` — the second number of a range («25−30», «+24…+26», «от
   5 до 10») or of a change («с 9 до 8%», two figures);
4. ``unit``       — the counted object, with a trailing qualifier between the
   number and the object («100 с лишним человек»), rates, and what a
   percentage is a share of; «от 500 рублей до 2 тысяч рублей»;
5. ``trailing_qualifier`` — «10 и более» after the object;
6. ``elided_unit`` — when no object follows: an adjective whose noun is
   elsewhere in the sentence («девять золотых, четыре серебряных … наград»),
   «число погибших … выросло до 64», or the unit of the figure before
   («около 3 тысяч» after «2,5 тысячи человек»);
7. ``keep``       — the rules that drop what is not a figure (durations,
   ratios, bare numbers nothing vouches for);
then ``build`` makes the Figure record(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from svodka.records import Figure

from .filters import MONTH_AFTER, YEAR_AFTER, excluded_unit
from .numbers import DASH_AFTER, DIGIT_CONT, NUMBER_RE, UP_TO_AFTER, Num, is_year_like, number_at, read_number
from .qualifiers import QUALIFIER_AFTER, is_change_level, qualifier_before
from .units import CURRENCY_SYMBOLS, UnitPhrase, genitive_after, unit_phrase
from .words import Words

__all__ = ["FigureState", "Previous", "STEPS", "run_steps"]

_CURRENCY_BEFORE = re.compile(r"([$€£¥₽₴₸])[ \u00a0]?$")
# A currency sign stands right before the number («$5», «€ 10»): two characters.
CURRENCY_WINDOW = 2
# «с» right before a number («с 9 до 8%»): «с» and a space.
FROM_WINDOW = 3
# How far ahead an adjective without its noun looks for the noun of the next
# count: «девять золотых, четыре серебряных и семь бронзовых наград» puts it
# about 50 characters on; farther than this the counts are not one list.
IMPLIED_HEAD_WINDOW = 80
# How many sentences back an elided count looks for its unit: the same one
# and the one before («…свыше 2,5 тысячи человек… Ещё около 3 тысяч…»).
ELIDED_SENTENCES = 1
# «число погибших», «количество вакансий», «сколько рабочих»: a count's noun named without a number
_COUNT_NOUN = re.compile(r"(?<![\w])(?:числ[оаеу]|количеств[оаеу]|численност[ьи]|сколько)[ \u00a0]+", re.I)
# A table or list line: «Норвегия — 405», «Минск: +24 °С», «— 3 танка». A row label is a
# name of at most 40 characters; LAYOUT_WINDOW covers it with its bullet and dash.
_TABLE_CELL = re.compile(r"(?:^|\n)[ \t]*(?:[•·—–\-*][ \t]*)?[A-ZА-ЯЁ][^\n:—–]{0,40}[ \t]*[—–:\-][ \t]*\Z")
LAYOUT_WINDOW = 60
# A number without a unit after these words is a temperature.
_TEMPERATURE = re.compile(r"(?<![\w])(?:температур|термометр|мороз|потеплени|похолодани|жар[аеуы]|заморозк|"
                          r"прогрева|воздух\w*[ \u00a0]+прогре)\w*", re.I)
# how far back that word may stand: «Днём температура воздуха в Москве составит до» ~50 characters
TEMPERATURE_WINDOW = 80
_FROST_OR_HEAT = re.compile(r"[ \u00a0]+(мороза|тепла)(?![\w])", re.I)
_PARALLEL = re.compile(r"[ \u00a0]+(?:и|или)[ \u00a0]+", re.I)
_PAREN_BEFORE = re.compile(r"\([ \u00a0]*$")
# «Ещё 12 были подавлены»: one more count of what was just counted
_MORE_BEFORE = re.compile(r"(?<![\w])(?:[Ее]щ[её])[ \u00a0]+$")
_PERCENT_UNITS = ("процент", "процентный пункт")


@dataclass
class Previous:
    """A figure already found in this text, as a donor of units for elided counts."""

    sentence: int
    stop: int
    unit: str
    head: str
    mult: bool


@dataclass
class FigureState:
    """Everything the steps know about one number as they read it."""

    wd: Words
    text: str
    m: re.Match
    num: Num
    s_start: int
    s_stop: int
    limit: int
    sentence: int
    previous: list[Previous]
    prev_s_start: int = 0  # where the sentence before this one starts
    start: int = 0  # the figure's first character (qualifier or currency)
    qualifier: str = "exact"
    qwords: str = ""
    qstart: int = 0
    currency: str = ""
    low: float = 0.0
    high: float = 0.0
    end: int = 0
    second: Num | None = None
    change_from: bool = False
    from_to: bool = False  # «от 5 до 10»: the span keeps «от» though the range is exact
    unit: str | None = ""
    modifier: str = ""
    head: str = ""
    implied: str = ""
    parallel_only: bool = False
    object: str = ""
    inferred: str = ""  # how an elided unit was found ("" when the object is written)
    figures: list[Figure] = field(default_factory=list)


def qualifier(s: FigureState) -> bool:
    s.start = s.num.start
    s.qualifier, s.qstart, s.qwords = qualifier_before(s.text, s.start, s.s_start)
    s.low = s.high = s.num.value
    s.end = s.num.end
    return True


def currency(s: FigureState) -> bool:
    if s.qualifier == "exact" or s.qstart == s.start:
        cm = _CURRENCY_BEFORE.search(s.text, max(s.s_start, s.start - CURRENCY_WINDOW), s.start)
        if cm:
            s.currency = CURRENCY_SYMBOLS[cm.group(1)]
            s.start = cm.start()
            s.qualifier, s.qstart, s.qwords = qualifier_before(s.text, s.start, s.s_start)
    if s.qwords == "до" and is_change_level(s.text, s.qstart, s.s_start):
        s.qualifier = "exact"  # «выросла до 8%»: the new level, not a ceiling
    if s.qualifier == "exact":
        s.qstart = s.start
    return True


def number_range(s: FigureState) -> bool:
    text, limit = s.text, s.limit
    md = DASH_AFTER.match(text, s.end, limit)
    if md:
        second = number_at(text, md.end(), limit)
        if second is not None and DIGIT_CONT.match(text, second.end):
            return False  # 123-45-67: a phone number
        if second is not None and second.small and not second.mult:
            second = None
        if second is not None and not s.num.signed and second.value < 0:
            second = None  # «5 -3»: not a range
        s.second = second
    if s.second is None and s.qwords == "от":
        mu = UP_TO_AFTER.match(text, s.end, limit)
        if mu:
            s.second = number_at(text, mu.end(), limit)
            if s.second is not None:
                s.qualifier, s.from_to = "exact", True
    if s.second is None and re.search(r"(?<![\w])[сС][ \u00a0]+$", text[max(s.s_start, s.start - FROM_WINDOW): s.start]):
        mu = UP_TO_AFTER.match(text, s.end, limit)
        if mu:
            nxt = number_at(text, mu.end(), limit)
            if nxt is not None:
                s.second, s.change_from = nxt, True
    num, second = s.num, s.second
    if second is not None:
        if not num.mult and second.factor != 1 and abs(num.value) <= abs(second.bare):
            s.low = round(num.value * second.factor, 6)
        s.high = second.value
        s.end = second.end
        if is_year_like(num, text) and is_year_like(second, text) and YEAR_AFTER.match(text, s.end):
            return False  # «в 2022–2024 годах»
        if second.value <= 31 and MONTH_AFTER.match(text, s.end):
            return False  # «3-4 декабря», «с 5 до 10 ноября»
        return True
    if num.small and s.qualifier == "exact" and not s.currency:
        return False
    if num.bare_mult and s.qualifier == "exact":
        return False  # «тысячи людей», «миллионы долларов»: vague
    return True


def _trailing(s: FigureState) -> None:
    """«100 с лишним», «10 и более»: a floor or ceiling written after the number or its object."""
    ma = QUALIFIER_AFTER.match(s.text, s.end, s.limit)
    if ma and s.qualifier == "exact":
        s.qualifier = "at_least" if ma.group("least") else "at_most"
        s.end = ma.end()


def unit(s: FigureState) -> bool:
    text, limit = s.text, s.limit
    _trailing(s)
    count = None if (s.num.mult or s.second is not None) else s.num.value
    up: UnitPhrase = unit_phrase(s.wd, text, s.end, limit, count)
    if up.unit is None:
        return False  # «в 3 квартале»: an ordinal in digits
    s.unit, s.modifier, s.head, s.implied = up.unit, up.modifier, up.head, up.implied
    s.parallel_only = up.parallel_only
    if s.currency:
        s.unit = s.head = s.currency
    if s.unit == "градус":
        mt = _FROST_OR_HEAT.match(text, up.end, limit)
        if mt:
            # «5 градусов мороза» is −5, «33 градуса тепла» is +33
            if mt.group(1).lower().startswith("мороз") and s.low > 0:
                s.low, s.high = -s.high, -s.low
            up.end = mt.end()
    if s.unit:
        s.end = max(s.end, up.end)
        if s.unit in _PERCENT_UNITS:
            s.end, s.object = genitive_after(s.wd, text, s.end, limit)
    if s.second is None and s.qwords == "от":
        # «от 500 рублей до 2 тысяч рублей»
        mu = UP_TO_AFTER.match(text, s.end, limit)
        if mu:
            nxt = number_at(text, mu.end(), limit)
            if nxt is not None:
                up2 = unit_phrase(s.wd, text, nxt.end, limit)
                s.high = nxt.value
                s.qualifier, s.from_to = "exact", True
                s.end = max(nxt.end, up2.end if up2.unit else nxt.end)
    return True


def trailing_qualifier(s: FigureState) -> bool:
    _trailing(s)
    return True


def _head_gender(wd: Words, head: str) -> str:
    for p in wd.parses(head):
        if p.tag.POS == "NOUN" and p.tag.gender in ("masc", "femn", "neut"):
            return p.tag.gender
    return "masc"


def _forward_head(s: FigureState) -> str:
    """The noun of the next count in the same list («…, семь бронзовых наград» → «награда»).

    A substantivized word («задержанных») takes it only from a parallel count joined by
    «и»/«или» whose noun has an adjective too («сорок восстановленных и двенадцать новых
    вертолетов»); «12 задержанных, 3 автомобиля» are two different things.
    """
    stop = min(s.s_stop, s.end + IMPLIED_HEAD_WINDOW)
    for m in NUMBER_RE.finditer(s.text, s.end, stop):
        between = s.text[s.end:m.start()]
        if re.search(r"[.;:!?]", between):
            break
        if s.parallel_only and not _PARALLEL.fullmatch(between):
            break
        nxt = read_number(s.text, m, stop)
        if nxt is None:
            continue
        up = unit_phrase(s.wd, s.text, nxt.end, stop)
        if up.unit and not (up.implied and not up.parallel_only) and up.head:
            if s.parallel_only and up.unit == up.head and not up.modifier:
                break
            return up.head
    return ""


def _count_noun(s: FigureState, start: int, stop: int) -> str:
    """The unit of the last «число/количество/сколько X» in ``text[start:stop]``."""
    found = ""
    for m in _COUNT_NOUN.finditer(s.text, start, stop):
        up = unit_phrase(s.wd, s.text, m.end() - 1, stop)
        if up.unit and not (up.implied and not up.parallel_only):
            found = up.unit
    return found


def _donor(s: FigureState, same_sentence_only: bool) -> str:
    """The unit of an earlier count for an elided one: same sentence first, then the one before."""
    lowest = s.sentence if same_sentence_only else s.sentence - ELIDED_SENTENCES
    cands = [p for p in s.previous if p.unit and p.unit not in _PERCENT_UNITS and p.sentence >= lowest]
    if not cands:
        return ""
    same = [p for p in cands if p.sentence == s.sentence]
    pool = same or cands
    alike = [p for p in pool if p.mult == (s.num.mult or s.num.words)]
    return (alike or pool)[-1].unit


# «Прирост вкладов в ноябре, млрд рублей:» — a table header that gives the cells' unit
_HEADER_UNIT = re.compile(
    r",[ \t]*(?:(?P<mult>тыс\.?|млн|млрд|трлн)[ \t]+)?(?P<unit>[а-яёА-ЯЁ.%°/ ]{1,25}?)[ \t]*\)?:[ \t]*\n")
_MULTIPLIERS = {"тыс": 1e3, "тыс.": 1e3, "млн": 1e6, "млрд": 1e9, "трлн": 1e12}
# how far above a cell its table's header may be: a few dozen short rows
HEADER_WINDOW = 600


def _header_unit(s: FigureState) -> bool:
    """A table cell takes its unit (and multiplier) from the table's header line."""
    before = s.text[max(0, s.start - LAYOUT_WINDOW): s.start]
    if s.num.mult or s.num.words or not _TABLE_CELL.search(before):
        return False
    head = None
    for m in _HEADER_UNIT.finditer(s.text, max(0, s.start - HEADER_WINDOW), s.start):
        head = m
    if head is None:
        return False
    up = unit_phrase(s.wd, s.text, head.start("unit") - 1, head.end("unit"))
    if not up.unit:
        return False
    factor = _MULTIPLIERS.get((head.group("mult") or "").lower(), 1.0)
    s.low, s.high = round(s.low * factor, 6), round(s.high * factor, 6)
    s.unit, s.head, s.inferred = up.unit, up.head, "header"
    return True


def elided_unit(s: FigureState) -> bool:
    if s.implied and s.unit:
        # «четыре серебряных»: the adjective's noun comes later in the list, or came earlier
        head = _forward_head(s)
        if not head and not s.parallel_only:
            head = next((p.head for p in reversed(s.previous) if p.sentence == s.sentence and p.head), "")
        if head:
            gender = _head_gender(s.wd, head)
            words = s.unit.split()
            adj = s.wd.adj_form(s.implied, frozenset({gender, "sing", "nomn"}))
            s.unit = " ".join(words[:-1] + [adj, head])
            s.head = head
            s.inferred = "implied"
        return True
    if s.unit:
        return True
    if _TEMPERATURE.search(s.text, max(s.s_start, s.start - TEMPERATURE_WINDOW), s.start) and (
            s.num.signed or s.qualifier != "exact" or s.second is not None):
        # «температура опустилась до –28», «ночью от –5 до –9»: degrees, whatever was counted before
        s.unit, s.inferred = "градус", "temperature"
        return True
    if _header_unit(s):
        return True
    clause_from = s.s_start
    unit_ = _count_noun(s, clause_from, s.start)
    if unit_:
        s.unit, s.inferred = unit_, "count-noun"
        return True
    unit_ = _donor(s, same_sentence_only=True)
    if unit_:
        s.unit, s.inferred = unit_, "same-sentence"
        return True
    unit_ = _count_noun(s, s.prev_s_start, s.start)
    if unit_:
        s.unit, s.inferred = unit_, "count-noun"
        return True
    unit_ = _donor(s, same_sentence_only=False)
    if unit_:
        s.unit, s.inferred = unit_, "previous-sentence"
    return True


_NEXT_WORD = re.compile(r"[ \u00a0]*([A-Za-zА-Яа-яЁё][\w·/.-]*)")
# what may follow a bare count that borrows its unit: a verb, a preposition, a conjunction…
_FREE_POS = frozenset({"VERB", "INFN", "PRTS", "GRND", "PREP", "CONJ", "PRCL", "ADVB", "NPRO"})


def _free_after(s: FigureState) -> bool:
    """True when no word that could be an unread unit follows the number («против — 5, …»,
    «85 — в Дагестане», «12 были подавлены»)."""
    m = _NEXT_WORD.match(s.text, s.end, s.limit)
    if not m:
        return True
    word = m.group(1).lower().rstrip(".")
    ps = s.wd.parses(word) if word.isalpha() else ()
    return bool(ps) and ps[0].tag.POS in _FREE_POS


def keep(s: FigureState) -> bool:
    if excluded_unit(s.unit or "", s.text, s.s_start, s.s_stop):
        return False
    if s.inferred and not s.implied and not (s.num.mult or s.qualifier != "exact" or s.second is not None):
        # A bare number with a borrowed unit: only where the layout vouches for
        # it — a table cell, a number in parentheses, or a count after another
        # count in the same sentence.
        before = s.text[max(0, s.start - LAYOUT_WINDOW): s.start]
        if not (_TABLE_CELL.search(before) or _PAREN_BEFORE.search(before) or _MORE_BEFORE.search(before)
                or s.inferred not in ("previous-sentence",)):
            return False
        if is_year_like(s.num, s.text):
            return False
        if not _free_after(s):
            return False  # «5000 мА·ч»: a unit was written but not read; borrowing would be a guess
        return True
    if not s.unit:
        if is_year_like(s.num, s.text) and s.second is None:
            return False
        if s.qualifier == "exact" and not s.num.mult and s.second is None:
            # a table cell («Норвегия — 405;») is a figure even when the text never says of what
            before = s.text[max(0, s.start - LAYOUT_WINDOW): s.start]
            return bool(_TABLE_CELL.search(before)) and _cell_ends(s) and not s.num.words
    return True


def _cell_ends(s: FigureState) -> bool:
    """The number ends its table cell: the line, a «;» or «,» follows."""
    return bool(re.match(r"[ \t]*[;,.]?[ \t]*(?:\n|\Z)", s.text[s.end:s.end + 4]))


def build(s: FigureState) -> list[Figure]:
    fig_start = s.qstart if (s.qualifier != "exact" or s.from_to) else s.start
    if s.change_from and s.second is not None:
        # two figures: the old level and the new one, both exact
        first = Figure(
            text=s.text[fig_start:s.num.end], low=s.low, high=s.low, unit=s.unit or "", modifier=s.modifier,
            qualifier="exact" if s.qualifier in ("exact", "at_most") else s.qualifier,
            start=fig_start, stop=s.num.end, sentence=s.sentence,
        )
        second = Figure(
            text=s.text[s.second.start:s.end], low=s.high, high=s.high, unit=s.unit or "", modifier=s.modifier,
            qualifier="exact", start=s.second.start, stop=s.end, sentence=s.sentence,
        )
        return [first, second]
    low, high = s.low, s.high
    if low > high:
        low, high = high, low
    return [Figure(
        text=s.text[fig_start:s.end], low=float(low), high=float(high), unit=s.unit or "", modifier=s.modifier,
        qualifier=s.qualifier, start=fig_start, stop=s.end, sentence=s.sentence,
    )]


STEPS: tuple[Callable[[FigureState], bool], ...] = (
    qualifier, currency, number_range, unit, trailing_qualifier, elided_unit, keep,
)


def run_steps(s: FigureState) -> list[Figure]:
    for step in STEPS:
        if not step(s):
            return []
    return build(s)
