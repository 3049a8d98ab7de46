"""The counted object after a number: its unit (lemma phrase) and modifier.

``unit_phrase(words, text, pos, limit, count)`` walks the words after a number:
adjectives and participles, then the head noun (or a substantivized
adjective when no noun follows). Conventions are in the package docstring
and docs/figures.md; the rules that decide them:

* an adjective names the *kind* of thing (stays in the unit) unless it says
  whose / where from (origin, lexicon.ORIGIN_ADJECTIVES and place-name
  adjectives), is evaluative, or is a superlative: those go to ``modifier``;
* a participle is part of the unit when the head is inanimate («населённый
  пункт», «управляемая ракета»: a kind of thing) and a modifier when the head
  is animate («погибших солдат»: a state of the people counted);
* coordinated adjectives («физических и юридических лиц») leave the unit to
  the head alone;
* a classifier noun keeps its genitive complement («единица бронетехники»,
  «единица техники»): the classifier alone says nothing;
* a rate keeps its denominator: «метр в секунду», «доллар за баррель»,
  «центнер с гектара», «человек в сутки»;
* a compound adjective with digits («155-мм снарядов») is skipped;
* a word whose likeliest reading is a verb ends the walk («2 тысячи прибыли
  в край»).
"""

from __future__ import annotations

import re
from functools import lru_cache
from svodka.extract.lexicon import (
    EVALUATIVE_ADJECTIVES,
    GEO_PREFIX,
    NOT_ORIGIN_ADJECTIVES,
    ORIGIN_ADJECTIVES,
    TIME_UNIT_LEMMAS,
)

from .words import Words, is_adj, is_noun, yo

__all__ = ["UnitPhrase", "unit_phrase", "genitive_after", "ABBR_UNIT_RE", "CURRENCY_SYMBOLS", "abbreviated_unit"]

CURRENCY_SYMBOLS = {"$": "доллар", "€": "евро", "£": "фунт", "¥": "иена", "₽": "рубль", "₴": "гривна", "₸": "тенге"}
_ABBR_UNITS: list[tuple[str, str]] = [
    (r"кв\.?[ \u00a0]?км|км²|км2|квадратных[ \u00a0]км", "квадратный километр"),
    (r"кв\.?[ \u00a0]?м|м²|м2", "квадратный метр"),
    (r"куб\.?[ \u00a0]?м|м³|м3", "кубический метр"),
    (r"км/ч", "километр в час"),
    (r"м/с", "метр в секунду"),
    (r"%|проц\.", "процент"),
    (r"п\.[ \u00a0]?п\.|п\.п\.", "процентный пункт"),
    (r"°[ \u00a0]?[СCсc]?|градус\.", "градус"),
    (r"км", "километр"),
    (r"кг", "килограмм"),
    (r"мм", "миллиметр"),
    (r"см", "сантиметр"),
    (r"м", "метр"),
    (r"т", "тонна"),
    (r"га", "гектар"),
    (r"руб\.?|р\.", "рубль"),
    (r"долл\.?", "доллар"),
    (r"чел\.?", "человек"),
    (r"шт\.?", "штука"),
    (r"барр\.?", "баррель"),
    (r"ГВт", "гигаватт"),
    (r"МВт", "мегаватт"),
    (r"кВт", "киловатт"),
    (r"USD|US\$", "доллар"),
    (r"EUR", "евро"),
    (r"RUB", "рубль"),
    (r"[$€£¥₽₴₸]", ""),  # symbol after the number; filled from CURRENCY_SYMBOLS
]
ABBR_UNIT_RE = re.compile(
    r"[ \u00a0]?(?:" + "|".join(f"(?P<u{i}>{pat})" for i, (pat, _) in enumerate(_ABBR_UNITS)) + r")(?![\w])"
)

# The words after a number, one at a time; a compound with digits («155-мм») is one token.
TOKEN_AFTER = re.compile(
    r"(?P<pre>[ \u00a0]*[«\"“„']?[ \u00a0]*)(?P<w>\d+[-‐][а-яё]+|[A-Za-zА-Яа-яЁё]+(?:[-‐][A-Za-zА-Яа-яЁё]+)*)(?P<post>[»\"”']?)"
)
# At most this many words between a number and the end of its counted
# object: three adjectives and a head («не менее 100 баллистических ракет
# средней дальности» stops at «ракет»); longer runs are clauses, not units.
MAX_UNIT_WORDS = 5
# Nouns that only classify: their genitive complement is what is counted.
# Units of measure written as a noun and a fixed genitive: the complement is part of the unit.
FIXED_COMPLEMENTS = re.compile(
    r"[ \u00a0]+(?P<c>ртутного[ \u00a0]+столба|водяного[ \u00a0]+столба|нефтяного[ \u00a0]+эквивалента|"
    r"условного[ \u00a0]+топлива|в[ \u00a0]+нефтяном[ \u00a0]+эквиваленте)(?![\w])",
    re.I,
)
# What a percentage is a share of: up to three adjectives and a noun («40% всех
# поставляемых вооружений»).
GENITIVE_WORDS = 4
CLASSIFIER_LEMMAS = frozenset({"единица", "штука", "экземпляр", "комплект"})
# Rate denominators: «в секунду», «за баррель», «с гектара», «на душу»
_RATE = re.compile(r"[ \u00a0]+(?P<prep>в|за|с|на)[ \u00a0]+(?P<w>[а-яё]+)(?![\w-])", re.I)
# A per-time rate of a count or of money keeps the count's unit («1,2 млн
# баррелей в сутки» → «баррель», «150 тыс. рублей в месяц» → «рубль»); a
# physical rate is a unit of its own: length or dose per time («метр в
# секунду», «километр в неделю», «микрозиверт в час»).
PHYSICAL_RATE_HEADS = re.compile(r"(?:метр|зиверт|рентген|грей)$")
MEASURE_LEMMAS = frozenset(
    "баррель тонна литр килограмм грамм гектар кубометр метр километр штука человек житель душа".split()
)
# a noun reading this share of the likeliest one makes an adjective a noun too
# («военных»: noun 0.27 against 0.53); «золотых» as the coin (0.05 against 0.67) does not
SUBSTANTIVE_SHARE = 0.2
_RATE_PREPOSITIONS = {"в": ("accs",), "за": ("accs",), "с": ("gent",), "на": ("accs",)}


class UnitPhrase:
    """The counted object: unit ("" if none; None if the number is an ordinal), modifier, end offset."""

    __slots__ = ("unit", "modifier", "end", "implied", "head", "parallel_only")

    def __init__(self, unit: str | None, modifier: str = "", end: int = 0, implied: str = "", head: str = "",
                 parallel_only: bool = False):
        self.unit = unit
        # a substantivized adjective or participle («задержанных», «погибших»): it stands for its
        # noun only in a parallel list («сорок восстановленных и двенадцать новых вертолетов»)
        self.parallel_only = parallel_only
        self.modifier = modifier
        self.end = end
        self.implied = implied  # an adjective without its noun («четыре серебряных»): its agreed forms
        self.head = head  # the head lemma


def abbreviated_unit(text: str, pos: int, limit: int) -> tuple[str, int] | None:
    ma = ABBR_UNIT_RE.match(text, pos, limit)
    if not ma:
        return None
    for i, (_, unit) in enumerate(_ABBR_UNITS):
        if ma.group(f"u{i}") is not None:
            return unit or CURRENCY_SYMBOLS.get(ma.group(f"u{i}"), ""), ma.end()
    return None


def agrees(w: Words, count: float, word: str, kind: str) -> bool:
    """Can ``word`` be the counted noun right after the number ``count``?

    After 2–4 the noun is genitive singular («3 квартала»), after 5+ genitive
    plural, in oblique cases plural («в трёх домах»); after 1, 21 … singular.
    A singular non-genitive after 3 («в 3 квартале», «на 5 месте») is an
    ordinal written in digits.
    """
    n = int(abs(count))
    if n != abs(count):
        return True
    if n % 10 == 1 and n % 100 != 11:
        return True
    for p in w.parses(word):
        if (kind == "noun" and not is_noun(p)) or (kind == "adj" and not is_adj(p)):
            continue
        if "Fixd" in p.tag or p.tag.number != "sing" or w.case(p) == "gent":
            return True
    return False


@lru_cache(maxsize=8192)
def _is_origin_lemma(lemma: str, w: Words) -> bool:
    if lemma in ORIGIN_ADJECTIVES:
        return True
    if lemma in NOT_ORIGIN_ADJECTIVES:
        return False
    stripped = GEO_PREFIX.sub("", lemma)
    if stripped != lemma and (stripped in ORIGIN_ADJECTIVES or _is_origin_lemma(stripped, w)):
        return True
    # «курский» ← Курск, «иранский» ← Иран, «сирийский» ← Сирия, «японский» ←
    # Япония: the adjective is made from a place name the dictionary knows
    for suffix in ("ский", "цкий", "ской"):
        if lemma.endswith(suffix):
            stem = lemma[: -len(suffix)]
            cands = {stem, stem + "ия", stem + "а", lemma[:-2]}
            if stem.endswith("й"):
                cands.add(stem[:-1] + "я")
            for cand in cands:
                if len(cand) >= 4 and _is_known_place(cand, w):
                    return True
    return False


def _is_known_place(word: str, w: Words) -> bool:
    return any(
        "Geox" in q.tag and q.normal_form == word and w.morph.is_dictionary_word(q)
        for q in w.parses(word)
    )


def adj_role(w: Words, word: str, head_animate: bool | None = None) -> str:
    """'unit', 'modifier' or 'drop' for an adjective/participle word."""
    if word[:1].isdigit():
        return "drop"  # «155-мм»: a calibre describes, it is not the kind
    ps = [p for p in w.parses(word) if is_adj(p)]
    if not ps:
        return "unit"
    p = ps[0]
    if "Apro" in p.tag or "Anum" in p.tag:
        return "drop"
    if "Supr" in p.tag:
        return "modifier"
    if p.tag.POS == "PRTF":
        return "unit" if head_animate is False else "modifier"
    lemma = yo(p.normal_form)
    if lemma in EVALUATIVE_ADJECTIVES or "Geox" in p.tag or _is_origin_lemma(lemma, w):
        return "modifier"
    return "unit"


def _verb_first(w: Words, word: str) -> bool:
    ps = w.parses(word)
    return bool(ps) and ps[0].tag.POS in ("VERB", "INFN", "GRND", "PRTS") and ps[0].score >= 0.5


def _substantivized(w: Words, word: str) -> bool:
    """Can this adjective stand for a noun by itself («военных», «погибших», «раненых»)?

    Yes when its likeliest reading is a participle (people in a state), when
    pymorphy2 marks it substantivizable (Subx), or when a noun reading is
    not rare; no for a plain adjective («серебряных», «модернизированных»,
    whose noun is elsewhere in the text).
    """
    ps = w.parses(word)
    if not ps:
        return False
    if ps[0].tag.POS == "PRTF":
        return True
    for p in ps:
        if "Subx" in p.tag or (is_noun(p) and p.score >= SUBSTANTIVE_SHARE * ps[0].score):
            return True
    return False


def unit_phrase(w: Words, text: str, pos: int, limit: int, count: float | None = None) -> UnitPhrase:
    """The counted object starting at ``pos`` (see the module docstring).

    With ``count`` (a number written without a multiplier), a head noun whose
    form cannot follow that number («в 3 квартале»: singular locative after 3)
    means the number is used as an ordinal; the unit is then ``None``.
    """
    ab = abbreviated_unit(text, pos, limit)
    if ab:
        unit, end = ab
        return UnitPhrase(unit, "", _rate_end(w, text, end, limit, unit)[1], head=unit)
    caps = _CAPS_UNIT.match(text, pos, limit)
    if caps and _countable_abbreviation(w, caps.group(1)):
        # «46 ДТП», «45 БПЛА»: a countable abbreviation is the unit, as written
        return UnitPhrase(caps.group(1), "", caps.end(), head=caps.group(1))
    tokens: list[tuple[str, int]] = []  # (lower-case word, end offset)
    at = pos
    first = True
    coordinated = False
    while len(tokens) < MAX_UNIT_WORDS:
        mt = TOKEN_AFTER.match(text, at, limit)
        if not mt:
            break
        pre = mt.group("pre")
        if first and not pre:
            break  # glued to the number («5G»)
        word = mt.group("w")
        if not word[0].islower() and not word[0].isdigit():
            break  # a name, an abbreviation or a Latin word: not the counted object
        low = word.lower().replace("‐", "-")
        if low in ("и", "или") and tokens:
            # «физических и юридических лиц»: adjectives joined, the head counts alone
            nxt = TOKEN_AFTER.match(text, mt.end(), limit)
            if nxt and w.word_class(nxt.group("w").lower())[0]:
                coordinated = True
                at = mt.end()
                continue
            break
        tokens.append((low, mt.end()))
        at = mt.end()
        first = False
        if mt.group("post"):
            break
    adjectives: list[tuple[str, int]] = []
    head: tuple[str, int, str] | None = None  # (word, end, kind)
    for i, (word, end) in enumerate(tokens):
        if word[:1].isdigit():
            adjectives.append((word, end))
            continue
        if _verb_first(w, word):
            break
        has_adj, has_noun, pron, cases = w.word_class(word)
        if pron:
            adjectives.append((word, end))
            continue
        if has_adj and has_noun:
            following = tokens[i + 1][0] if i + 1 < len(tokens) else None
            if following is not None and not following[:1].isdigit():
                n_adj, n_noun, _, n_cases = w.word_class(following)
                if (n_adj or n_noun) and cases & n_cases:
                    adjectives.append((word, end))
                    continue
            head = (word, end, "noun")
            break
        if has_noun:
            head = (word, end, "noun")
            break
        if has_adj:
            adjectives.append((word, end))
            continue
        break
    implied = ""
    parallel_only = False
    if head is None:
        # a substantivized adjective/participle: the last real adjective is the head
        while adjectives and adj_role(w, adjectives[-1][0]) == "drop":
            adjectives.pop()
        if not adjectives:
            return UnitPhrase("", "", pos)
        word, end = adjectives.pop()
        head = (word, end, "adj")
        implied = word
        parallel_only = _substantivized(w, word)
    hw, hend, kind = head
    if count is not None and not agrees(w, count, hw, kind):
        return UnitPhrase(None, "", pos)
    animate: bool | None = None
    if kind == "noun":
        idx = _best_noun_index(w, hw)
        hp = w.parses(hw)[idx]
        head_lemma = yo(hp.normal_form)
        animate = "anim" in hp.tag
        if "Pltm" in hp.tag:
            agree = frozenset({"plur", "nomn"})
        else:
            gender = hp.tag.gender if hp.tag.gender in ("masc", "femn", "neut") else "masc"
            agree = frozenset({gender, "sing", "nomn"})
    else:
        head_lemma = w.adj_lemma(hw)
        agree = frozenset({"masc", "sing", "nomn"})
    unit_adjs: list[str] = []
    modifiers: list[str] = []
    for word, _ in adjectives:
        role = adj_role(w, word, animate)
        if role == "drop":
            continue
        if role == "modifier":
            modifiers.append(w.adj_lemma(word))
        elif not coordinated:
            unit_adjs.append(w.adj_form(word, agree))
    unit = " ".join(unit_adjs + [head_lemma])
    end = hend
    if kind == "noun" and head_lemma in CLASSIFIER_LEMMAS:
        mt = TOKEN_AFTER.match(text, end, limit)
        if mt and mt.group("pre").strip(" \u00a0") == "" and mt.group("w")[0].islower():
            cw = mt.group("w").lower()
            if any(is_noun(p) and w.case(p) == "gent" for p in w.parses(cw)):
                unit = f"{unit} {yo(cw)}"
                end = mt.end()
    fixed = FIXED_COMPLEMENTS.match(text, end, limit) if kind == "noun" else None
    if fixed:
        unit = f"{unit} {' '.join(fixed.group('c').lower().split())}"
        end = fixed.end()
    rate, end = _rate_end(w, text, end, limit, head_lemma)
    if rate:
        unit = f"{unit} {rate}"
    return UnitPhrase(unit, " ".join(modifiers), end, implied=implied, head=head_lemma, parallel_only=parallel_only)


_CAPS_UNIT = re.compile(r"[ \u00a0]+([А-ЯЁ]{2,6})(?![\w-])")


def _countable_abbreviation(w: Words, word: str) -> bool:
    """An abbreviation that names countable things («ДТП», «БПЛА»), not an organisation,
    a place or a mass («ВВП», «МРОТ»: singular only)."""
    low = word.lower()
    if not w.morph.is_known(low):
        return len(word) >= 3  # «БПЛА»: not in the dictionary, and not a name natasha would tag
    return any(p.tag.POS == "NOUN" and "Abbr" in p.tag and "inan" in p.tag
               and not ({"Orgn", "Geox", "Sgtm", "Name", "Surn"} & p.tag.grammemes) for p in w.parses(low))


def _best_noun_index(w: Words, word: str) -> int:
    """The likeliest common-noun reading; among equals, a dictionary word over a rare one."""
    best, best_score = 0, -1.0
    for i, p in enumerate(w.parses(word)):
        if is_noun(p) and p.score > best_score:
            best, best_score = i, p.score
    return best


def _rate_end(w: Words, text: str, end: int, limit: int, head: str) -> tuple[str, int]:
    """(«в секунду», end) when a rate denominator follows the unit, else ("", end)."""
    if not head or head in TIME_UNIT_LEMMAS:
        return "", end
    m = _RATE.match(text, end, limit)
    if not m:
        return "", end
    prep = m.group("prep").lower()
    word = m.group("w").lower()
    for p in w.parses(word):
        if not is_noun(p) or p.tag.number == "plur" and "Pltm" not in p.tag:
            continue
        lemma = yo(p.normal_form)
        if w.case(p) not in _RATE_PREPOSITIONS[prep]:
            continue
        if (prep == "в" and lemma in TIME_UNIT_LEMMAS and PHYSICAL_RATE_HEADS.search(head)) or (prep in ("за", "с", "на") and lemma in MEASURE_LEMMAS):
            return f"{prep} {yo(word)}", m.end()
    return "", end


def genitive_after(w: Words, text: str, pos: int, limit: int) -> tuple[int, str]:
    """(end, head lemma) of a genitive noun phrase right after ``pos`` («40% вооружений»), else (pos, "").

    The figure's text grows to take it, and the head is the percentage's ``object``.
    """
    at = pos
    for _ in range(GENITIVE_WORDS):
        mt = TOKEN_AFTER.match(text, at, limit)
        if not mt or not mt.group("pre") or mt.group("pre").strip(" \u00a0"):
            break
        word = mt.group("w")
        if not word[0].islower():
            break
        ps = w.parses(word.lower())
        if not any(w.case(p) == "gent" and (is_adj(p) or is_noun(p)) for p in ps):
            break
        at = mt.end()
        nouns = [p for p in ps if is_noun(p) and w.case(p) == "gent"]
        if nouns:
            return at, yo(nouns[0].normal_form)
    return pos, ""
