"""Named entities (PER, ORG, LOC) with normal forms.

natasha's ``NewsNERTagger`` finds the spans; this module cleans them, fixes the
errors it is known to make on news text, and puts every span in its normal
(nominative) form.

Normal forms
    Running natasha's morphology tagger over every sentence doubles the cost of
    extraction, so it is not used. Only the words inside entity spans are
    analysed, with pymorphy2, and the result is cached on (span text, type)
    across articles (``normalize``): the same few hundred names make up most
    mentions in a news stream.

    * PER: every name word goes to the nominative, all in the same case and
      the same gender («Сергею Лаврову» → «Сергей Лавров», «Марии Захаровой»
      → «Мария Захарова»). East Asian names (surname first, «Ким Чен Ына») are
      not Russian words: only their last syllable takes a Russian case ending,
      which is stripped by rule (→ «Ким Чен Ын», «Чхве Сон Хуэя» → «Чхве Сон
      Хуэй», «Но Гван Чоля» → «Но Гван Чоль»).
    * ORG/LOC: the head noun goes to the nominative, the adjectives before it
      agree with it, and what follows it (genitive dependents) stays as
      written («Северной Кореи» → «Северная Корея», «Министерства иностранных
      дел России» → «Министерство иностранных дел России»). Abbreviations and
      Latin names are kept as they are.

Fixes on top of natasha (``EntityFinder.find``)
    * junk spans dropped (weekday abbreviations such as «Чт», spans without a
      letter); asterisks and stray punctuation trimmed («Буданов*»);
    * an organisation followed by a country in the genitive is one entity:
      «МИД» + «РФ» → «МИД РФ»; a country adjective before an institution joins
      it: «российского МИД»;
    * names from the curated alias file that natasha misses (lower-case
      institutions, Latin agency names, «ИноСМИ») are found by a gazetteer;
    * two persons glued into one span («сказал Путин Чхве» → «Путин»,
      «Чхве») are split when each word is the surname of a person named in
      full elsewhere in the article.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Protocol, Sequence

from .lexicon import WEEKDAY_ABBREVIATIONS
from .morphology import Morphology

PER, ORG, LOC = "PER", "ORG", "LOC"
TYPES = (PER, ORG, LOC)

# East Asian surnames as Russian news spells them (Korean, Chinese, Vietnamese
# in the Kontsevich/Palladius systems and their common variants). A PER span
# that starts with one of them and has 2–3 short words is a surname-first name.
EAST_ASIAN_SURNAMES = frozenset(
    """Ким Ли Ри И Пак Пэк Пэ Чхве Цой Чой Чве Чон Чжон Чен Но Ро Мун Юн Хан Кан Чо Чжо
    Чан Чжан Со Сон Син Шин Квон Хван Ан Ю О Рю Рех Ём Нам Ха Квак Ко Чу Мин Сим Хо Хон
    Ян Ку Тхэ Ын Чхан Чхон Пён Сок Бан Сон Вон Чин Чан Кун Хён
    Си Ван Чжао Лю Чэнь Хуан Чжоу У Сюй Сунь Ма Ху Го Хэ Линь Ло Гао Цинь Вэй Цзян Лян Ду
    Фэн Дэн Тан Ся Цзэн Сяо Тянь Дун Пань Юань Цай Цзя Лу Цуй Цзинь Фан Шэнь Бай Инь
    Нгуен Чан Фам Во Донг""".split()
)

_WEEKDAYS = WEEKDAY_ABBREVIATIONS
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_VOWELS = "аеёиоуыэюя"
_TRIM = " \t\r\n*\"'«»„“”‘’`.,;:!?—–-()[]{}"
_TRAILING_ABBR = re.compile(r"\s*\(([^()]{1,15})\)$")

_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
# An unknown word read as an unknown prefix + a dictionary noun («Мос|биржи»)
# is trusted above the as-written reading (0.3) of an unknown word, in the
# singular (a name is one thing).
PREFIX_COMPOUND_SCORE = 0.4


# --------------------------------------------------------------------------- morphology
# One analyser per process (svodka.extract.morphology), shared with the figure
# rules; its parse cache replaces the one this module kept.


def morph():
    """The process's pymorphy2 analyser (``Morphology.shared().analyzer``)."""
    return Morphology.shared().analyzer


def _parse(word: str):
    return Morphology.shared().parse(word)


def _known(word: str) -> bool:
    return Morphology.shared().is_known(word.lower())


_case = Morphology.case


def _gender(tag) -> str | None:
    if "ms-f" in tag:
        return "ms-f"
    return str(tag.gender) if tag.gender else None


def _number(tag) -> str | None:
    return str(tag.number) if tag.number else None


def _is_cyrillic_word(tok: str) -> bool:
    return bool(_CYR.search(tok)) and all(_CYR.match(c) or c in "-'’" for c in tok)


def _is_abbreviation(tok: str) -> bool:
    """«МИД», «РФ», «ИноСМИ», «РБК-Украина»: a capital letter inside a word part."""
    return any(any(c.isupper() for c in part[1:]) for part in tok.split("-"))


def _restore_case(original: str, word: str) -> str:
    """Give ``word`` the capitalisation of ``original`` (per hyphen part)."""
    if original.isupper() and len(original) > 1:
        return word.upper()
    o_parts, w_parts = original.split("-"), word.split("-")
    if len(o_parts) != len(w_parts):
        return word[:1].upper() + word[1:] if original[:1].isupper() else word
    out = []
    for o, w in zip(o_parts, w_parts):
        out.append(w[:1].upper() + w[1:] if o[:1].isupper() else w)
    return "-".join(out)


def _inflect(parse, grams: set[str]) -> str | None:
    try:
        form = parse.inflect(grams)
    except (ValueError, KeyError):  # pymorphy2 refuses some gram sets
        return None
    return form.word if form is not None else None


# --------------------------------------------------------------------------- East Asian names


def is_east_asian_name(words: Sequence[str]) -> bool:
    """A surname-first East Asian name («Ким Чен Ын», «Си Цзиньпин»)."""
    if not 2 <= len(words) <= 3:
        return False
    if words[0] not in EAST_ASIAN_SURNAMES:
        return False
    if not all(_is_cyrillic_word(w) for w in words):
        return False
    if len(words) == 3:
        return all(len(w) <= 6 for w in words[:2])
    # two words: «Ким Ирина» is Russian-style; a Russian first name is a dictionary Name
    second = words[1]
    if any("Name" in p.tag or "Patr" in p.tag for p in _parse(second) if _known(second)):
        return False
    return True


_EA_CONSONANT_STEM = re.compile(r"[аеёиоуыэюя](?:н|м|к|п|т|нь|ль|р)$")


def strip_east_asian_ending(word: str) -> str:
    """The nominative of the last syllable of an East Asian name.

    Russian declines such names only when the last syllable ends in a consonant
    (Ын → Ына, Ыну, Ыном) or in й/ль (Хуэй → Хуэя, Чоль → Чоля). Syllables ending
    in a vowel (Хи, Гю, Чхве) never take an ending, and are left as they are.
    """
    low = word.lower()
    for ending in ("ом", "ем", "ём", "ой", "а", "у", "е", "я", "ю"):
        if not low.endswith(ending) or len(low) - len(ending) < 2:
            continue
        stem, base = word[: -len(ending)], low[: -len(ending)]
        if ending in ("ом", "а", "у", "е") and _EA_CONSONANT_STEM.search(base):
            return stem
        if ending in ("ем", "ём", "я", "ю", "е"):
            if base.endswith("л"):
                return stem + "ь"
            if base[-1] in _VOWELS:
                return stem + "й"
    return word


# --------------------------------------------------------------------------- person names


@lru_cache(maxsize=65536)
def _person_candidates(tok: str) -> tuple[tuple[str | None, str | None, str, float], ...]:
    """(case, gender, nominative, score) readings of one word of a person's name.

    case None means the word does not inflect (Latin, Fixd): it fits any case.
    """
    if not _is_cyrillic_word(tok) or tok[:1].islower():  # Latin, «фон», «дер», «бин»
        return ((None, None, tok, 1.0),)
    known = _known(tok)
    if not known:
        return _unknown_person_candidates(tok)
    parses = [p for p in _parse(tok) if _number(p.tag) != "plur" or "Sgtm" in p.tag]
    named = [p for p in parses if _NAME_TAGS & p.tag.grammemes]
    if named:
        pool = named
    else:  # a dictionary word used as a name: «Мостовой», «Толстая», «Макрон»
        pool = [p for p in parses if p.tag.POS in ("NOUN", "ADJF")] or parses
    out = []
    for p in pool:
        weight = p.score * (1.0 if p in named else 0.5)
        gender = _gender(p.tag)
        if "Fixd" in p.tag:
            out.append((None, gender, tok, weight))
            continue
        case = _case(p.tag)
        if case == "nomn":
            word = tok
        else:
            word = _inflect(p, {"nomn", "sing"}) or _inflect(p, {"nomn"}) or p.normal_form
            word = _restore_case(tok, word)
        out.append((case, gender, word, weight))
    return tuple(out) or ((None, None, tok, 1.0),)


# Declension of names pymorphy2 does not know (mostly foreign surnames), by rule:
# (ending, case, what replaces the ending in the nominative, gender). pymorphy2's
# own guesses for such words insert fleeting vowels («Шольца» → «Шолец») or
# invent lemmas («Сибигой» → «Сибигойя»), so they are not used.
_PER_ENDINGS = (
    ("ом", "ablt", "", "masc"), ("ем", "ablt", "", "masc"), ("а", "gent", "", "masc"),
    ("у", "datv", "", "masc"), ("е", "loct", "", "masc"),
    ("я", "gent", "ь", "masc"), ("ю", "datv", "ь", "masc"), ("ем", "ablt", "ь", "masc"),
    ("я", "gent", "й", "masc"), ("ю", "datv", "й", "masc"), ("ем", "ablt", "й", "masc"),
    ("ы", "gent", "а", None), ("е", "datv", "а", None), ("у", "accs", "а", None), ("ой", "ablt", "а", None),
    ("и", "gent", "а", None), ("и", "gent", "я", None), ("ю", "accs", "я", None), ("ей", "ablt", "я", None),
)
_CONSONANT_END = re.compile(r"[бвгджзклмнпрстфхцчшщ]$")
_GKH_END = re.compile(r"[гкхжшчщ]$")


def _unknown_person_candidates(tok: str) -> tuple[tuple[str | None, str | None, str, float], ...]:
    low = tok.lower()
    out: list[tuple[str | None, str | None, str, float]] = [("nomn", None, tok, 0.3)]
    # pymorphy2's guesses are kept when they only change the ending («Зеленским»
    # → «Зеленский», «Эммануэлем» → «Эммануэль»), not when they rebuild the stem
    accepted = []
    for p in _parse(tok):
        if p.tag.POS != "NOUN" or (_number(p.tag) == "plur" and "Sgtm" not in p.tag):
            continue
        if not (_NAME_TAGS & p.tag.grammemes or "anim" in p.tag) or "Fixd" in p.tag:
            continue
        normal = p.normal_form
        common = len(os.path.commonprefix([normal, low]))
        if common < len(low) - 3 or len(normal) - common > 2:
            continue
        if len(normal) - common == 2 and normal[common] in "еоё":
            continue  # a fleeting vowel: «Шольца» → «Шолец»
        case = _case(p.tag)
        if case == "nomn":
            word = tok
        else:
            word = _restore_case(tok, _inflect(p, {"nomn", "sing"}) or normal)
        accepted.append((case, _gender(p.tag), word, p.score))
    if accepted:
        top = max(a[3] for a in accepted)
        for c, g, w, sc in accepted:
            # «Рютте», «Гёте» are more often indeclinable than a dative or «о Мерце»
            penalty = 0.4 if low.endswith("е") and c in ("datv", "loct") else 1.0
            out.append((c, g, w, 0.6 * penalty * sc / top))
    for ending, case, repl, gender in _PER_ENDINGS:
        if not low.endswith(ending) or len(low) - len(ending) < 2:
            continue
        base = low[: -len(ending)]
        if repl == "й":
            if base[-1] not in _VOWELS:
                continue
        elif not _CONSONANT_END.search(base):
            continue
        if ending == "ем" and repl == "" and not base.endswith(("ц", "ж", "ш", "ч", "щ")):
            continue  # hard stems take -ом: «Мерцем» but «Эммануэлем» is soft
        if ending == "и" and repl == "а" and not _GKH_END.search(base):
            continue  # «Сибиги» (г) but not «Маккарри»
        if ending == "и" and repl == "я" and (_GKH_END.search(base) or not base.endswith(("л", "н", "р"))):
            continue
        if repl == "ь" and not base.endswith(("л", "н", "р")):
            continue
        weight = 0.5 if gender == "masc" else 0.4
        if ending == "е":
            weight *= 0.4  # see above
        out.append((case, gender, tok[: -len(ending)] + repl, weight))
        if case == "gent" and repl == "":
            out.append(("accs", gender, tok[: -len(ending)], weight * 0.8))
    return tuple(out)


def _pick_case(cands: list[list[tuple]]) -> str | None:
    support: dict[str, list[float]] = {}
    for readings in cands:
        best: dict[str, float] = {}
        for case, _g, _w, score in readings:
            if case is None:
                continue
            best[case] = max(best.get(case, 0.0), score)
        for case, score in best.items():
            s = support.setdefault(case, [0, 0.0])
            s[0] += 1
            s[1] += score
    if not support:
        return None
    # most words agreeing first, then the likelier analysis; the nominative wins ties
    return max(support, key=lambda c: (support[c][0], support[c][1], c == "nomn"))


def _normalize_person(words: list[str]) -> list[str]:
    if is_east_asian_name(words):
        return words[:-1] + [strip_east_asian_ending(words[-1])]
    if len(words) == 1 and words[0] in EAST_ASIAN_SURNAMES:
        return words
    cands = [_person_candidates(w) for w in words]
    case = _pick_case(cands)
    gender = None
    for w, readings in zip(words, cands):
        for c, g, _word, _s in sorted(readings, key=lambda r: -r[3]):
            if c in (case, None) and g in ("masc", "femn"):
                if any("Name" in p.tag for p in _parse(w)):
                    gender = g
                break
        if gender:
            break
    out = []
    for w, readings in zip(words, cands):
        ranked = sorted(readings, key=lambda r: -r[3])
        fits = [r for r in ranked if r[0] == case] + [r for r in ranked if r[0] is None]
        if gender:
            fits = [r for r in fits if r[1] in (gender, "ms-f", None)] or fits
        if fits:
            out.append(fits[0][2])
        elif _known(w) or not _is_cyrillic_word(w):
            # a dictionary word in another case than its neighbours («Виктора Горемыкин»)
            nom = [r for r in ranked if r[0] == "nomn"]
            out.append((nom or ranked)[0][2])
        else:
            out.append(w)  # an unknown word that cannot be in this case: leave it
    return out


@lru_cache(maxsize=65536)
def person_variants(word: str) -> tuple[str, ...]:
    """Every nominative a single surname-like word can stand for.

    «Лаврова» → («Лавров», «Лаврова»); used to match a bare surname to a full
    name in the same article whatever its case and gender.
    """
    out = [word]
    if word in EAST_ASIAN_SURNAMES:
        return tuple(out)
    for _, _g, nom, _s in _person_candidates(word):
        if nom not in out:
            out.append(nom)
    stripped = strip_east_asian_ending(word)
    if stripped not in out:
        out.append(stripped)
    return tuple(out)


# --------------------------------------------------------------------------- ORG / LOC

_UNKNOWN_ENDINGS = (  # (ending, case, replacement) for foreign place/agency names
    ("ом", "ablt", ""), ("ем", "ablt", "й"), ("е", "loct", ""), ("у", "datv", ""), ("а", "gent", ""),
    ("ы", "gent", "а"), ("ой", "ablt", "а"), ("ю", "datv", "й"), ("я", "gent", "й"),
)
_FOREIGN_STEM = re.compile(r"[аеёиоуыэюя][бвгдзклмнпрстфх]$")


def _noun_candidates(tok: str) -> list[tuple[str | None, str | None, str | None, object, float]]:
    """(case, gender, number, parse or nominative string, score) readings of a head noun."""
    if not _is_cyrillic_word(tok) or _is_abbreviation(tok):
        return [(None, None, None, tok, 1.0)]
    parses = _parse(tok)
    if _known(tok):
        nouns = [p for p in parses if p.tag.POS == "NOUN"] or list(parses)
        inan = [p for p in nouns if "anim" not in p.tag]
        return [(_case(p.tag) if "Fixd" not in p.tag else None, _gender(p.tag), _number(p.tag), p, p.score)
                for p in (inan or nouns)]
    # Unknown (foreign) word: trust pymorphy's guesses only for inanimate nouns
    # (it likes to guess first names), and add the Russian case endings of
    # consonant-final foreign names («Вонсоне» → «Вонсон», «Ренхапа» → «Ренхап»).
    out: list = []
    for p in parses:
        if p.tag.POS == "NOUN" and "anim" not in p.tag and "Fixd" not in p.tag:
            score = p.score
            if any(type(m[0]).__name__ == "UnknownPrefixAnalyzer" for m in p.methods_stack) and not (
                    _NAME_TAGS & p.tag.grammemes) and _number(p.tag) == "sing":
                # «Мосбиржи» = «Мос» + a dictionary word: its case is the dictionary word's
                score = max(score, PREFIX_COMPOUND_SCORE)
            out.append((_case(p.tag), _gender(p.tag), _number(p.tag), p, score))
    low = tok.lower()
    for ending, case, repl in _UNKNOWN_ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 3:
            base = low[: -len(ending)]
            if _FOREIGN_STEM.search(base) or (repl and base[-1] in _VOWELS + "л"):
                out.append((case, "masc" if not repl == "а" else "femn", "sing",
                            tok[: -len(ending)] + repl, 0.35))
    out.append(("nomn", None, "sing", tok, 0.3))
    return out


def _head_nominative(reading, tok: str, number: str | None) -> str:
    _case_, _gender, _num, parse, _score = reading
    if isinstance(parse, str):
        return parse
    if "Fixd" in parse.tag or _case(parse.tag) == "nomn":
        return tok
    grams = {"nomn"}
    if number:
        grams.add(number)
    word = _inflect(parse, grams) or _inflect(parse, {"nomn"}) or parse.normal_form
    return _restore_case(tok, word)


_LINKED_PLACE = re.compile(r"^([А-ЯЁ][а-яё]+)(-(?:на|над|под|в|у|он|сюр|ан|де|ла)-.+)$")


def _adjective_parses(tok: str):
    if not _is_cyrillic_word(tok) or _is_abbreviation(tok):
        return []
    return [p for p in _parse(tok) if p.tag.POS in ("ADJF", "PRTF")]


def _normalize_group(words: list[str]) -> list[str]:
    """Head noun to the nominative, adjectives before it agreeing, the rest kept."""
    if not words or not _is_cyrillic_word(words[0]) or _is_abbreviation(words[0]):
        return words
    adjs: list[tuple[str, list]] = []
    head = None
    for i, w in enumerate(words):
        ap = _adjective_parses(w)
        if ap and i < len(words) - 1 and _adjective_score(w, ap) >= 0.5:
            adjs.append((w, ap))
            continue
        head = i
        break
    if head is None:
        return words
    hw = words[head]
    linked = _LINKED_PLACE.match(hw)
    if linked:
        # «Ростова-на-Дону» → «Ростов-на-Дону»: the first part is the head
        first = _normalize_group([linked.group(1)])[0]
        return [a for a, _ in adjs] + [first + linked.group(2)] + words[head + 1:]
    if "-" in hw and not _known(hw):
        # «Вонсан-Кальма», «Куала-Лумпур»: only the last part may carry a case ending
        prefix, _, last = hw.rpartition("-")
        rest = _normalize_group([last]) if _is_cyrillic_word(last) else [last]
        return [a for a, _ in adjs] + [prefix + "-" + rest[0]] + words[head + 1:]
    heads = _noun_candidates(hw)
    # the case all of adjectives + head can share; else the head's likeliest one
    scores: dict[str, list[float]] = {}
    for case, _g, _n, _p, s in heads:
        if case is None:
            continue
        agree = sum(1 for _w, ap in adjs if any(_case(p.tag) == case for p in ap))
        cur = scores.setdefault(case, [0, 0.0])
        cur[0] = max(cur[0], agree)
        cur[1] += s
    if not scores:  # indeclinable head
        reading = heads[0]
        case = None
    else:
        case = max(scores, key=lambda c: (scores[c][0], scores[c][1], c == "nomn"))
        reading = max((h for h in heads if h[0] == case), key=lambda h: h[4])
    number = reading[2] if reading[2] in ("sing", "plur") else "sing"
    gender = reading[1]
    if gender is None and isinstance(reading[3], str) and (_is_abbreviation(hw) or not _is_cyrillic_word(hw)):
        # an abbreviation takes the gender its adjectives show («Запорожской АЭС» → «Запорожская АЭС»);
        # without one, institutions are masculine («российский МИД»)
        shown = {_gender(p.tag) for _w, ap in adjs for p in ap if _number(p.tag) == "sing"}
        gender = "femn" if shown == {"femn"} else "masc"
    head_word = _head_nominative(reading, hw, number)
    out = []
    for w, ap in adjs:
        fits = [p for p in ap if case is None or _case(p.tag) == case] or ap
        fits.sort(key=lambda p: -p.score)
        p = fits[0]
        grams = {"nomn", "plur"} if number == "plur" else {"nomn", "sing"}
        if number != "plur" and gender in ("masc", "femn", "neut"):
            grams.add(gender)
        elif number != "plur" and _gender(p.tag) in ("masc", "femn", "neut"):
            grams.add(_gender(p.tag))
        if _case(p.tag) == "nomn" and (number == "plur") == (_number(p.tag) == "plur") and (
            number == "plur" or _gender(p.tag) == gender or gender is None
        ):
            out.append(w)
            continue
        word = _inflect(p, grams) or w
        out.append(_restore_case(w, word))
    out.append(head_word)
    out.extend(words[head + 1:])
    return out


def _adjective_score(word: str, adj_parses) -> float:
    return sum(p.score for p in adj_parses)


# --------------------------------------------------------------------------- public: normal forms


_SPLIT = re.compile(r"\s+")


@lru_cache(maxsize=100_000)
def normalize(text: str, type: str) -> str:
    """The normal (nominative) form of an entity span, cached across articles."""
    text = text.strip()
    abbr = _TRAILING_ABBR.search(text)
    if abbr and type != PER:
        text = text[: abbr.start()].rstrip()
    words = [w for w in _SPLIT.split(text) if w]
    if not words:
        return text
    if type == PER and len(words) > 1 and all(w.isupper() for w in words):
        words = ["-".join(p.capitalize() for p in w.split("-")) if len(w) > 1 and _LETTER.search(w[-1]) else w
                 for w in words]  # «КИМ ЧЕН ЫНА» in a headline; initials «А.» stay
    else:
        words = [_unshout(w) for w in words]
    if type == PER:
        words = _normalize_person(words)
    else:
        words = _normalize_group(words)
    return " ".join(words)


def _unshout(word: str) -> str:
    """«МОСКВУ» in an all-capitals headline is a word, not an abbreviation like «МИД»
    or «США»: give it ordinary capitalisation so that it can be normalised."""
    if len(word) < 4 or not word.isupper() or not _is_cyrillic_word(word) or not _known(word):
        return word
    parses = _parse(word)
    if any("Abbr" in p.tag for p in parses) or not any(p.tag.POS in ("NOUN", "ADJF") for p in parses):
        return word
    return "-".join(part.capitalize() for part in word.split("-"))


def inflect_phrase(name: str, case: str) -> str:
    """Put a LOC/ORG name given in the nominative into ``case`` («Северная Корея»,
    "gent" → «Северной Кореи»); words that do not inflect are kept."""
    words = _SPLIT.split(name.strip())
    out = []
    head_done = False
    number, gender = "sing", None
    # find the head: the first word that is not an adjective
    head = 0
    for i, w in enumerate(words):
        if _adjective_parses(w) and i < len(words) - 1:
            continue
        head = i
        break
    hw = words[head]
    hp = [p for p in _parse(hw) if p.tag.POS == "NOUN" and _case(p.tag) == "nomn"] if _is_cyrillic_word(hw) and not _is_abbreviation(hw) else []
    if hp:
        number, gender = _number(hp[0].tag) or "sing", _gender(hp[0].tag)
    for i, w in enumerate(words):
        if i < head:
            ap = [p for p in _adjective_parses(w) if _case(p.tag) == "nomn"]
            word = _inflect(ap[0], {case, number} | ({gender} if gender and number == "sing" else set())) if ap else None
            out.append(_restore_case(w, word) if word else w)
        elif i == head and hp and not head_done:
            word = _inflect(hp[0], {case, number})
            out.append(_restore_case(w, word) if word else w)
            head_done = True
        else:
            out.append(w)
    return " ".join(out)


# --------------------------------------------------------------------------- spans


@dataclass
class EntitySpan:
    """One entity span in an article, before canonicalisation."""

    start: int
    stop: int
    type: str
    text: str
    normal: str
    source: str = "ner"  # ner | gazetteer | merge | split
    org_part: str = ""  # for «МИД РФ»: the institution «МИД» …
    loc_part: str = ""  # … and the country as written, «РФ» (or a country adjective's country)
    abbr: str = ""  # «(NIS)» written after the name
    variants: tuple[str, ...] = field(default_factory=tuple)  # nominatives of a bare surname

    @property
    def words(self) -> list[str]:
        return self.normal.split()


def _clean(text: str, start: int, stop: int) -> tuple[int, int]:
    """Trim asterisks, quotes and stray punctuation from the edges of a span
    (a closing bracket stays if it closes one opened inside the span)."""
    while start < stop and text[start] in _TRIM:
        start += 1
    while stop > start and text[stop - 1] in _TRIM:
        if text[stop - 1] == ")" and text.count("(", start, stop) >= text.count(")", start, stop):
            break
        stop -= 1
    return start, stop


def _is_junk(span_text: str, type: str) -> bool:
    if not _LETTER.search(span_text):
        return True
    if type != PER and " " not in span_text and _is_cyrillic_word(span_text) and _known(span_text):
        # a lone adjective cut out of a longer name: «Российской (премьер-лиги)»
        if all(p.tag.POS in ("ADJF", "PRTF") for p in _parse(span_text)):
            return True
    if type == PER:
        if span_text.lower() in _WEEKDAYS:
            return True
        if len(span_text) < 2:
            return True
        if any(ch.isdigit() for ch in span_text):
            return True
    return False


# «Мин-», «Рос-», «Гос-» compounds: Минобороны, Минэнерго, Минфин, Росстат, Госдума
_COMPOUND_INSTITUTION = re.compile(r"^(?:Мин|Рос|Гос|Глав)[а-яё]{3,}$")
def _is_common_noun(word: str) -> bool:
    """A dictionary word whose likeliest reading is an inanimate common noun («Сенат», not «Газпром»)."""
    if not _known(word):
        return False
    ps = _parse(word.lower())
    return bool(ps) and ps[0].tag.POS == "NOUN" and "inan" in ps[0].tag and not (
        {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"} & ps[0].tag.grammemes)


_GENITIVE_ABBR = re.compile(r"^[A-ZА-ЯЁ]{2,6}$")


def _is_genitive(span: EntitySpan) -> bool:
    words = span.text.split()
    last = words[-1]
    if _GENITIVE_ABBR.match(last):
        return True
    return any(_case(p.tag) == "gent" for p in _parse(last)) if _is_cyrillic_word(last) else False


def _is_institution(span: EntitySpan) -> bool:
    words = span.text.split()
    if not all(_is_cyrillic_word(w) for w in words):
        return False
    if len(words) == 1:
        # «МИД», «министерство», and compound names of ministries and agencies
        # («Минобороны», «Минэнерго», «Росстат») that the dictionary does not know
        # and a capitalized common noun naming a body («Сенат», «Парламент», «Правительство»)
        return (_is_abbreviation(words[0]) or words[0][:1].islower() or bool(_COMPOUND_INSTITUTION.match(words[0]))
                or _is_common_noun(words[0]))
    return words[0][:1].isupper() or words[0][:1].islower()


# «ДЖАКАРТА, 10 ноября 2025 — AP.»: an agency dateline opens with the city in capitals
_DATELINE_PLACE = re.compile(r"\s*([А-ЯЁ]{3,}(?:[- ][А-ЯЁ]{2,})*),\s+\d{1,2}\s+[а-яё]+")
# a river, lake, sea … named after its kind, the name in the nominative or declined
_NAMED_FEATURE = re.compile(
    r"(?<![\w-])(?:рек[аеиуой]|озер[оаеу]|озером|мор[еяю]|залив[аеу]?|пролив[аеу]?|остров[аеу]?|"
    r"полуостров[аеу]?|хребт[аеу]|перевал[аеу]?)[ \u00a0]+«?(?P<name>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)»?"
)
# «Сокольнической линии метро», «Троицкую линию», «Большая кольцевая линия»
_NAMED_LINE = re.compile(
    r"(?<![\w-])(?:[А-ЯЁ][а-яё]+(?:о|е)?-?)?[А-ЯЁ][а-яё]+(?:ая|ой|ую|ою)(?:[ \u00a0]+[а-яё]+(?:ая|ой|ую))?"
    r"[ \u00a0]+лини(?:я|и|ю|ей)(?![\w])"
)
_GENERIC_BEFORE_QUOTE = re.compile(r"(?<![\w-])[а-яё]{3,}[ \u00a0]*$")
# «Брянской и Курской областями», «в Курагинском и Минусинском районах»
_COORDINATED_REGIONS = re.compile(
    r"(?<![\w-])(?P<a>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)[ \u00a0]+и[ \u00a0]+(?P<b>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
    r"[ \u00a0]+(?P<head>област(?:и|ей|ям|ями|ях)|район(?:ы|ов|ам|ами|ах)|кра(?:я|ев|ям|ями|ях)|"
    r"округ(?:а|ов|ам|ами|ах))(?![\w])"
)
_REGION_HEADS = {"област": ("область", "femn"), "район": ("район", "masc"), "кра": ("край", "masc"),
                 "округ": ("округ", "masc")}


def _region_normal(adjective: str, head: str) -> str:
    """«Брянской» + «областями» → «Брянская область» (the adjective agreed with the singular head)."""
    for stem, (lemma, gender) in _REGION_HEADS.items():
        if head.lower().startswith(stem):
            for p in _parse(adjective.lower()):
                if p.tag.POS == "ADJF":
                    form = _inflect(p, {"nomn", "sing", gender})
                    if form:
                        return f"{_restore_case(adjective, form)} {lemma}"
            return ""
    return ""


_FEATURE_STEMS = ("рек", "озер", "мор", "залив", "пролив", "остров", "хребт", "перевал")
_PLANT_ABBR = re.compile(r"АЭС|ГЭС|ТЭС|ТЭЦ|ГРЭС|ГАЭС")
_FACILITY_BEFORE = re.compile(
    r"(?<![\w-])(?:шахт[аеуыой]*|аэропорт[аеуом]*|космодром[аеуом]*|рудник[аеуом]*|порт[аеуом]?|"
    r"месторождени[еяюи]|электростанци[яиюей]+|АЭС|ГЭС|ТЭЦ)[ \u00a0]*«?$",
)


class Gazetteer(Protocol):
    """What the finder needs of the alias table (canonical.AliasTable is one).

    A protocol rather than an import: canonical.py builds on this module, so
    this module must not import it back.
    """

    country_adjectives: dict[str, str]

    def find_in(self, text: str) -> list[tuple[int, int, str]]: ...


class EntityFinder:
    """natasha spans → cleaned, merged, normalised ``EntitySpan`` list."""

    def __init__(self, aliases: Gazetteer | None = None, morph: Morphology | None = None) -> None:
        self.aliases = aliases
        self.morph = morph or Morphology.shared()

    def find(self, text: str, ner_spans: Iterable) -> list[EntitySpan]:
        """``ner_spans``: objects with ``start``, ``stop``, ``type`` (natasha's)."""
        spans: list[EntitySpan] = []
        for s in ner_spans:
            if s.type not in TYPES:
                continue
            start, stop = _clean(text, s.start, s.stop)
            if start >= stop:
                continue
            frag = text[start:stop]
            if _is_junk(frag, s.type):
                continue
            spans.append(self._span(text, start, stop, s.type, "ner"))
        spans = self._quoted_names(text, spans)
        spans = self._add_patterns(text, spans)
        if self.aliases is not None:
            spans = self._add_gazetteer(text, spans)
        spans = self._merge_org_country(text, spans)
        spans = self._merge_org_parent(text, spans)
        spans = self._facility_types(text, spans)
        spans = self._split_glued_persons(text, spans)
        for sp in spans:
            if sp.type == PER and len(sp.words) == 1:
                sp.variants = person_variants(sp.text.split()[0]) if sp.text.split() else ()
        return spans

    @staticmethod
    def _span(text: str, start: int, stop: int, type: str, source: str) -> EntitySpan:
        frag = text[start:stop]
        frag_one_line = " ".join(frag.split())
        abbr = ""
        m = _TRAILING_ABBR.search(frag_one_line)
        if m and type != PER:
            abbr = m.group(1).strip()
        return EntitySpan(start, stop, type, frag, normalize(frag_one_line, type), source, abbr=abbr)

    def _add_gazetteer(self, text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        if self.aliases is None:
            return spans
        hits = self.aliases.find_in(text)
        if not hits:
            return spans
        out = list(spans)
        for start, stop, type in hits:
            inside = _inside(out, start, stop)
            if inside is None:
                continue
            if len(inside) == 1 and inside[0].start == start and inside[0].stop == stop:
                continue  # natasha found the same span: keep its type unless aliases override later
            for s in inside:
                out.remove(s)
            out.append(self._span(text, start, stop, type, "gazetteer"))
        out.sort(key=lambda s: s.start)
        return out

    def _merge_org_country(self, text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        adjectives = self.aliases.country_adjectives if self.aliases is not None else {}
        out: list[EntitySpan] = []
        i = 0
        while i < len(spans):
            s = spans[i]
            nxt = spans[i + 1] if i + 1 < len(spans) else None
            if (
                s.type == ORG and nxt is not None and nxt.type == LOC
                and text[s.stop:nxt.start].strip() == "" and "\n" not in text[s.stop:nxt.start]
                and not s.abbr and _is_institution(s) and _is_genitive(nxt)
            ):
                frag = text[s.start:nxt.stop]
                merged = EntitySpan(s.start, nxt.stop, ORG, frag, s.normal + " " + " ".join(nxt.text.split()),
                                    "merge", org_part=s.normal, loc_part=nxt.normal)
                out.append(merged)
                i += 2
                continue
            if s.type == ORG and adjectives and not s.loc_part:
                m = _last_word_before(text, s.start)
                if m is not None:
                    w_start, word = m
                    country = _country_of_adjective(word, adjectives)
                    if country and (not out or out[-1].stop <= w_start):
                        frag = text[w_start:s.stop]
                        out.append(EntitySpan(w_start, s.stop, ORG, frag, normalize(" ".join(frag.split()), ORG),
                                              "merge", org_part=s.normal, loc_part=country))
                        i += 1
                        continue
            out.append(s)
            i += 1
        return out

    def _quoted_names(self, text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        """«авиакомпания «Аэрофлот»» → «Аэрофлот»; a name in quotes is not declined («шахте «Листвяжная»»)."""
        out = []
        for s in spans:
            frag = text[s.start:s.stop]
            q = frag.find("«")
            if s.type != PER and q > 0 and frag[:q].strip() and frag[:q].strip()[0].isalpha():
                close = text.find("»", s.start + q)
                if 0 < close - (s.start + q) <= 60:
                    s = EntitySpan(s.start + q + 1, close, s.type, text[s.start + q + 1:close],
                                   text[s.start + q + 1:close], "quote")
            elif s.type != PER and text[s.start - 1:s.start] == "«" and text[s.stop:s.stop + 1] == "»" and \
                    _GENERIC_BEFORE_QUOTE.search(text, max(0, s.start - 30), s.start - 1):
                # after its generic noun a quoted name stays in the nominative («на шахте «Листвяжная»»);
                # alone it is declined («бюджет «Спартака»») and normalised as usual
                s.normal = " ".join(s.text.split())
            out.append(s)
        return out

    def _add_patterns(self, text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        """Places natasha misses, by shape: a dateline city in capitals, a named river or
        lake («реке Туманная»), a metro or railway line («Сокольнической линии»)."""
        found: list[tuple[int, int, str]] = []
        m = _DATELINE_PLACE.match(text)
        dateline = None
        if m:
            found.append((m.start(1), m.end(1), LOC))
            dateline = m.start(1)
        # each pattern runs only where its head word occurs at all (a substring test is cheap,
        # a regex that starts at every capital letter is not)
        low = text.lower()
        if any(stem in low for stem in _FEATURE_STEMS):
            for m in _NAMED_FEATURE.finditer(text):
                found.append((m.start("name"), m.end("name"), LOC))
        if "лини" in low:
            for m in _NAMED_LINE.finditer(text):
                found.append((m.start(), m.end(), LOC))
        regions = []
        coordinated = _COORDINATED_REGIONS.finditer(text) if " и " in text and any(
            stem in low for stem in _REGION_HEADS) else ()
        for m in coordinated:
            # «над Брянской и Курской областями»: two regions sharing one plural head
            for adj in ("a", "b"):
                normal = _region_normal(m.group(adj), m.group("head"))
                if normal:
                    stop = m.end(adj) if adj == "a" else m.end()
                    found.append((m.start(adj), stop, LOC))
                    regions.append((m.start(adj), normal))
        if not found:
            return spans
        out = list(spans)
        for start, stop, type in found:
            inside = _inside(out, start, stop)
            if inside is None:
                continue
            for x in inside:
                out.remove(x)
            span = self._span(text, start, stop, type, "pattern")
            for at, normal in regions:
                if at == start:
                    span.normal = normal
            if start == dateline:
                titled = "-".join(p.capitalize() for p in span.text.split("-"))
                span.normal = normalize(" ".join(w.capitalize() if "-" not in w else w for w in titled.split()), LOC)
            if start > 0 and (text[start - 1] == "«" or text[start - 1].isspace()) and _NAMED_FEATURE.match(
                    text, max(0, start - 12), stop):
                # a name in apposition keeps its own form: «на реке Туманная»
                if any(w.tag.case == "nomn" for w in _parse(span.text.lower())) or text[start - 1:start] == "«":
                    span.normal = span.text
            out.append(span)
        out.sort(key=lambda x: x.start)
        return out

    @staticmethod
    def _merge_org_parent(text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        """«Института цитологии» + «РАН», «Генассамблея» + «ООН»: a body and the organisation it
        belongs to (an abbreviation right after it) are one ORG."""
        out: list[EntitySpan] = []
        i = 0
        while i < len(spans):
            s = spans[i]
            nxt = spans[i + 1] if i + 1 < len(spans) else None
            if (
                s.type == ORG and nxt is not None and nxt.type == ORG and not s.loc_part
                and text[s.stop:nxt.start] in (" ", "\u00a0") and _GENITIVE_ABBR.match(nxt.text)
                and not _is_abbreviation(s.text.split()[0]) and not s.text.isupper()
            ):
                out.append(EntitySpan(s.start, nxt.stop, ORG, text[s.start:nxt.stop], s.normal + " " + nxt.text,
                                      "merge"))
                i += 2
                continue
            out.append(s)
            i += 1
        return out

    @staticmethod
    def _facility_types(text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        """Facilities are places: a power plant («Запорожская АЭС») or a named site after its
        kind («шахте «Листвяжная»», «аэропорт Шереметьево») is LOC whatever natasha said."""
        for s in spans:
            if s.type != ORG:
                continue
            last = s.text.split()[-1] if s.text.split() else ""
            if _PLANT_ABBR.fullmatch(last) or _FACILITY_BEFORE.search(text, max(0, s.start - 30), s.start):
                s.type = LOC
        return spans

    @staticmethod
    def _split_glued_persons(text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
        full = [s for s in spans if s.type == PER and len(s.words) >= 2]
        if len(full) < 3:
            return spans
        out = []
        for s in spans:
            words = s.text.split()
            if s.type == PER and len(words) == 2:
                others = [f.words for f in full if f is not s and f.normal != s.normal]
                surnames: dict[str, tuple[str, ...]] = {}
                for w in others:
                    surnames.setdefault(w[0] if is_east_asian_name(w) else w[-1], tuple(w))
                a = _surname_owner(words[0], surnames)
                b = _surname_owner(words[1], surnames)
                if a and b and a != b:
                    cut = s.start + s.text.index(words[1], len(words[0]))
                    first_stop = s.start + len(words[0])
                    out.append(EntityFinder._span(text, s.start, first_stop, PER, "split"))
                    out.append(EntityFinder._span(text, cut, s.stop, PER, "split"))
                    continue
            out.append(s)
        return out


def _surname_owner(word: str, surnames: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    for v in person_variants(word):
        if v in surnames:
            return surnames[v]
    return None


def _last_word_before(text: str, pos: int) -> tuple[int, str] | None:
    j = pos
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == pos:
        return None
    k = j
    while k > 0 and text[k - 1].isalpha():
        k -= 1
    word = text[k:j]
    if not word or not word[0].islower():
        return None
    return k, word


def _country_of_adjective(word: str, adjectives: dict[str, str]) -> str | None:
    low = word.lower().replace("ё", "е")
    for stem, country in adjectives.items():
        if low.startswith(stem) and len(low) - len(stem) <= 4:
            return country
    return None


def _inside(spans: list[EntitySpan], start: int, stop: int) -> list[EntitySpan] | None:
    """The spans lying within [start, stop), which a new span there replaces; None when
    a span crosses its edge (the new span would cut it, so it is not added)."""
    inside = []
    for s in spans:
        if s.start >= start and s.stop <= stop:
            inside.append(s)
        elif s.start < stop and s.stop > start:
            return None
    return inside
