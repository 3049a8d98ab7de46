"""Reported figures (quantities) in Russian news text.

``find_figures(text, sentences, mentions)`` returns one :class:`Figure` per
reported quantity: «по данным украинской разведки, Пхеньян намерен отправить
25−30 тысяч солдат» gives low=25000, high=30000, unit «солдат», qualifier
«exact», reported_by «украинская разведка».

How it works: precompiled regexes find the numbers (digits and number words),
then named steps (``steps.py``: qualifier → currency → number/range → unit →
trailing qualifier → elided unit → keep → build) look at the characters right
around each one; the process's one pymorphy2 analyser (``Morphology``) is
asked only about the handful of words after a number (the counted object),
around attribution verbs and in the figure's clause (its action), with every
parse cached. Modules: ``numbers`` (reading a number), ``filters`` (what is
not a figure), ``qualifiers``, ``units`` (the counted object), ``steps``,
``context`` (action, location, object), ``attribution`` (reported_by),
``words`` (the morphology questions). There is no parsing of
whole sentences, so it costs about a millisecond per 3–4 KB article once the
analyzer is loaded (a few per cent of natasha's NER on the same text).

Conventions
-----------
Span
    ``text``/``start``/``stop`` cover the qualifier words, a currency sign,
    the number(s) with their multiplier, and the counted object with its
    adjectives: «не менее 100 баллистических ракет», «$5 млн», «около 5000
    «строителей»». For a percentage the text also takes the genitive saying
    what it is a share of («до 40% вооружений»); the unit stays «процент».
Values
    ``low``/``high`` are floats with multipliers applied («2,5 млн» → 2500000).
    A single value has ``low == high``. A range («25−30 тысяч», «от 5 до 10»,
    any dash: - ‐ ‑ – — −) has low < high; a multiplier written only after the
    second number applies to the first when the first is not larger than the
    second (so «25−30 тысяч» is 25000–30000 but «от 500 до 2 тысяч» is 500–2000).
Qualifier
    ``exact`` (nothing said, also «всего», «дополнительно»), ``approx`` («около»,
    «примерно», «приблизительно», «порядка», «почти», «ориентировочно»,
    «где-то», «~»), ``at_least`` («более», «больше», «свыше», «не менее»,
    «не меньше», «по меньшей мере», «по крайней мере», «как минимум», «минимум»,
    «от» without «до»; after the number «с лишним», «и более»), ``at_most``
    («до», «не более», «не больше», «менее», «меньше», «не свыше», «максимум»,
    «вплоть до»; after the number «и менее»). For at_least/at_most, ``low`` and
    ``high`` are both the stated number; the qualifier carries the direction.
    A qualifier may be followed by «в»/«на» («примерно в 100 км»). «до» counts
    only directly before the number, and is *not* at_most when it marks the new
    level of a change («выросла до 8%», «с 9 до 8%»): those are exact.
Unit
    The counted object as a lemma phrase in the nominative singular: the head
    noun (or a substantivized adjective/participle: «военных» → «военный»,
    «погибших» → «погибший») plus the adjectives that say *what kind* of thing
    it is, agreed with the head: «баллистических ракет» → «баллистическая
    ракета», «квадратных километров» → «квадратный километр», «мирных жителей»
    → «мирный житель». Hyphenated compounds stay whole: «государств-членов» →
    «государство-член». Abbreviations and symbols are spelled out («км» →
    «километр», «%» → «процент», «$» → «доллар», «₽»/«руб.» → «рубль»). A
    genitive complement after the head is not part of the unit («40%
    вооружений» → «процент»; «10 тысяч военных КНДР» → «военный»). ``ё`` is
    written ``е``. Unit is "" when nothing is counted («выросла на 5» is
    dropped unless a qualifier or multiplier makes it a figure).
Modifier
    Adjectives that say *whose / where from / which ones* rather than what
    kind go to ``modifier`` (lemmas, masculine, space-separated, text order):
    nationality and origin (Geox-tagged by pymorphy2, a list of
    country/region/city adjectives, «северо-/южно-…» compounds of those,
    «иностранный», «западный», «местный», …), a short list of evaluative ones
    («неизвестный», «новый», «дополнительный», «бывший», «крупный», …),
    participles («погибших солдат» → modifier «погибший») and superlatives.
    Pronominal and ordinal adjectives («свой», «другой», «этот», «первый») are
    dropped.
Not figures
    Dates («11 июля», «19 октября 2023 г.»), years («в 2024 году», «в ноябре
    2024», any bare 1900–2100 without a counted object), times («06.56»,
    «14:30»), ordinals («80-й», «шестым»), numbered things («статья 205»,
    «стр. 12», «№ 5», «номер один»), numbers inside names and model codes
    («B-52», «Covid-19», «G20», «Су-34»), phone numbers and dotted versions,
    numbers right after a Latin word («iPhone 15»), date ranges («3-4
    декабря»), digits used as ordinals («в 3 квартале», «на 5 месте»: a
    singular non-genitive noun cannot follow a count of 2 or more), «N лет
    назад». Number words for 1 and 2 (and «двое») — «один из», «между двумя
    странами», «двух стран» — are skipped unless a qualifier, a multiplier or
    a range comes with them («по меньшей мере одну ракету»). Plural multiplier nouns alone («тысячи людей», «миллионы
    долларов») are vague, not figures. Bare digits with no counted object,
    no qualifier and no multiplier are dropped («счёт 2», list numbering).
Signs
    A sign glued to the digits is kept: «–3,4%» is -3.4, «до –3 градусов» is
    at_most -3; «+31 градус» is 31 (temperatures are figures with unit
    «градус»; «°С» is spelled out).
Elided objects
    A count whose object is not written takes it from the text: an adjective
    without its noun takes the noun of the next count in the list or the one
    before («девять золотых, четыре серебряных и семь бронзовых наград» →
    «золотая награда»); otherwise «число/количество/сколько X» before it, or
    the unit of the previous count in the same or the previous sentence. A
    bare number with a borrowed unit is a figure only in a table cell
    («Норвегия — 405»), in parentheses («прежний рекорд (762)»), or after a
    count in the same sentence («против — 5, воздержались 35»).
Action, location, object
    See ``context.py`` and docs/figures.md.
Sentence, entities, reported_by
    ``sentence`` is the index of the (start, stop) span holding the figure
    (the whole text is sentence 0 when ``sentences`` is empty). ``entities``
    are the sorted unique canonical names of the mentions whose ``.sentence``
    is that index. ``reported_by`` comes from an attribution in the same
    sentence: a source phrase («по данным», «по словам», «по оценке»,
    «согласно», «со ссылкой на», «как пишет…») wins over a reporting verb
    («заявил», «сообщает», «пишет», «подсчитало», «оценивают», …); among
    several, the one nearest the figure. The reporter is the noun phrase of
    the attribution (the subject before the verb, or after it in «…, заявил
    Буданов»), skipping prepositional phrases. A mention (PER/ORG/LOC) is used,
    by its ``canonical``, when it starts that phrase, a name in apposition in
    it, or a coordinated part («Украина и Южная Корея»); a mention that is
    only a complement is not the reporter («по данным спецслужб Южной
    Кореи» → «спецслужбы Южной Кореи», not «Южная Корея»). Without a mention
    the phrase is normalized to the nominative with its number kept
    («западных чиновников» → «западные чиновники»), or reduced to the
    person's name in it («главы разведки Кирилла Буданова» → «Кирилл
    Буданов»). Pronouns («он заявил») give "" (no coreference).
"""

from __future__ import annotations

import bisect
from typing import Any, Protocol, Sequence

from svodka.extract.morphology import Morphology
from svodka.records import Figure

from .attribution import Attribution, attributions, reporter
from .context import action_of, location_of, object_of
from .filters import excluded_number
from .numbers import NUMBER_RE, read_number
from .steps import FigureState, Previous, run_steps
from .words import Words

__all__ = ["find_figures", "FigureFinder", "MentionLike"]


class MentionLike(Protocol):
    start: int
    stop: int
    type: str
    canonical: str
    sentence: int


def _sentence_index(starts: list[int], pos: int) -> int:
    return max(bisect.bisect_right(starts, pos) - 1, 0)


class FigureFinder:
    """Finds figures with the morphology it is given (the process's shared one by default)."""

    def __init__(self, morph: Morphology | None = None) -> None:
        self.words = Words(morph or Morphology.shared())

    def find(self, text: str, sentences: Sequence[tuple[int, int]],
             mentions: Sequence[MentionLike] = ()) -> list[Figure]:
        """All reported figures in ``text``; see the package docstring for the conventions."""
        wd = self.words
        if not sentences:
            sentences = [(0, len(text))]
        starts = [s for s, _ in sentences]
        by_sentence: dict[int, list[Any]] = {}
        for mention in mentions:
            by_sentence.setdefault(mention.sentence, []).append(mention)
        attr_cache: dict[int, list[Attribution]] = {}
        figures: list[Figure] = []
        previous: list[Previous] = []
        consumed = -1
        for m in NUMBER_RE.finditer(text):
            if m.start() < consumed:
                continue
            si = _sentence_index(starts, m.start())
            s_start, s_stop = sentences[si]
            limit = s_stop if m.start() < s_stop else (starts[si + 1] if si + 1 < len(starts) else len(text))
            num = read_number(text, m, limit, s_start)
            if num is None or excluded_number(text, num, m, s_start):
                continue
            state = FigureState(wd, text, m, num, s_start, max(s_stop, limit), limit, si, previous,
                                prev_s_start=sentences[si - 1][0] if si > 0 else s_start)
            made = run_steps(state)
            if not made:
                continue
            sent_mentions = by_sentence.get(si, [])
            for fig in made:
                consumed = max(consumed, fig.stop)
                fig.entities = sorted({x.canonical for x in sent_mentions if x.canonical})
                if si not in attr_cache:
                    attr_cache[si] = attributions(wd, text, s_start, max(s_stop, limit), sent_mentions)
                fig.reported_by = reporter(attr_cache[si], fig.start)
                fig.action, verb_end = action_of(wd, text, fig.start, fig.stop, s_start, max(s_stop, limit))
                fig.location = location_of(fig.start, sent_mentions)
                if fig.unit in ("процент", "процентный пункт"):
                    fig.object = state.object or object_of(wd, text, fig.start, s_start, verb_end)
                figures.append(fig)
                previous.append(Previous(si, fig.stop, "" if state.inferred == "implied" else fig.unit,
                                         state.head, num.mult or num.words))
        return figures


_DEFAULT: FigureFinder | None = None


def find_figures(text: str, sentences: Sequence[tuple[int, int]], mentions: Sequence[MentionLike] = (),
                 finder: FigureFinder | None = None) -> list[Figure]:
    """All reported figures in ``text`` (``finder`` defaults to one over the shared morphology)."""
    global _DEFAULT
    if finder is None:
        if _DEFAULT is None:
            _DEFAULT = FigureFinder()
        finder = _DEFAULT
    return finder.find(text, sentences, mentions)
