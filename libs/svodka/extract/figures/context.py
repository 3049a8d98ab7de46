"""What a figure is about: the ``action`` it is counted for, its ``location``, a percentage's ``object``.

Rules (docs/figures.md, «action, location, object»):

action
    The lemma (infinitive) of the verb that governs the figure: the nearest
    verb form before it in its clause; else the nearest one after it in the
    clause («12 человек погибли»); else the nearest one before it in the
    sentence (an elided verb: «…, ещё 17 — ранения»). A modal or phase verb
    followed by an infinitive hands over to it («удалось вывести» → «вывести»,
    «планирует поставить» → «поставить»). Reporting verbs («заявил»,
    «сообщил») are taken only in the figure's own clause («оценивают в 120
    тыс.»), never from elsewhere in the sentence: there they say who reported,
    not what was counted. «быть» is never the action. Verb forms are
    finite verbs, infinitives, short participles («уничтожены») and gerunds,
    taken when that is the word's likeliest reading. "" when the sentence has
    none (tables).
location
    The canonical name of the LOC mention in the figure's sentence nearest
    before the figure, else the nearest after it; "" if the sentence names no
    place.
object
    For percentages only: the genitive noun right after the number («40%
    вооружений» → «вооружение»), else the noun between the governing verb and
    the number («поднять пособия на 12%» → «пособие»), else the subject: the
    first nominative noun outside a prepositional phrase in the clause, then
    in the sentence («Цены на овощи … снизились на 3,4%» → «цена»).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from .attribution import REPORT_VERB
from .qualifiers import CLAUSE_BREAK, clause_start
from .words import Words, is_noun, yo

__all__ = ["action_of", "location_of", "object_of"]

_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_VERB_POS = ("VERB", "INFN", "PRTS", "GRND")
# Verbs that take an infinitive and hand the action over to it: modal, phase
# and intention verbs (a closed class).
MODAL_VERBS = frozenset(
    """мочь смочь удаться удасться планировать запланировать собираться намереваться начать начинать
    продолжить продолжать хотеть захотеть обещать пообещать обязаться решить готовиться стать
    предстоять предполагать рассчитывать пытаться попытаться успеть требоваться потребоваться
    предложить предлагать разрешить позволить""".split()
)
# nouns that only measure: the object is their genitive («уровень безработицы» → «безработица»)
MEASURE_NOUNS = frozenset("уровень доля объем число количество темп".split())
# How far before its clause an elided verb may stand: a sentence of coordinated counts
# («уничтожены 14 единиц …, 32 орудия и 56 беспилотников») stays within ~200 characters; the
# bound keeps a table that razdel reads as one long sentence linear, not quadratic.
ELIDED_VERB_WINDOW = 300
# a noun reading this much less likely than the best one is not taken («при» is not a noun)
NOUN_SHARE = 0.3


def _clause_end(text: str, pos: int, stop: int) -> int:
    m = CLAUSE_BREAK.search(text, pos, stop)
    return m.start() if m else stop


def _verbs(wd: Words, text: str, start: int, stop: int, reporting: bool = True) -> list[tuple[int, int, Any]]:
    """Verb forms in ``text[start:stop]``; ``reporting=False`` leaves out «заявил», «сообщил», ….

    «быть» is never taken: as a copula or an auxiliary it says nothing about
    what was counted. Between equally likely readings the indicative wins
    («нашли»: «найти», not the imperative of «наслать»).
    """
    out = []
    for m in _WORD.finditer(text, start, stop):
        best, is_reporting = _verb_reading(wd, m.group().lower())
        if best is None or (is_reporting and not reporting):
            continue
        out.append((m.start(), m.end(), best))
    return out


# enough for the verbs of a long stream of news; the cache is cleared when full
VERB_CACHE_WORDS = 65536


def _verb_reading(wd: Words, word: str) -> tuple[Any, bool]:
    """(the verb reading of ``word`` or None, is it a reporting verb), cached per word."""
    cache = wd.verb_cache
    hit = cache.get(word)
    if hit is not None:
        return hit
    ps = wd.parses(word)
    best = None
    if ps and ps[0].tag.POS in _VERB_POS:
        top = [p for p in ps if p.score >= ps[0].score - 1e-9 and p.tag.POS in _VERB_POS]
        best = next((p for p in top if "impr" not in p.tag), top[0])
        if best.normal_form == "быть":
            best = None
    result = (best, bool(REPORT_VERB.fullmatch(word)))
    if len(cache) >= VERB_CACHE_WORDS:
        cache.clear()
    cache[word] = result
    return result


def _lemma(wd: Words, text: str, verb: tuple[int, int, Any], stop: int) -> str:
    """The verb's infinitive, or the infinitive it governs right after it."""
    _, end, p = verb
    nxt = _WORD.match(text, end + 1, stop) if end + 1 <= stop else None
    while nxt and text[end:nxt.start()].strip() == "" and yo(p.normal_form) in MODAL_VERBS:
        q = wd.parses(nxt.group().lower())
        if q and q[0].tag.POS == "INFN":
            p, end = q[0], nxt.end()
            nxt = _WORD.match(text, end + 1, stop) if end + 1 <= stop else None
            continue
        break
    return yo(p.normal_form)


def action_of(wd: Words, text: str, start: int, stop: int, s_start: int, s_stop: int) -> tuple[str, int]:
    """(action lemma, offset of its verb or -1) for the figure at ``text[start:stop]``."""
    cs = clause_start(text, start, s_start)
    ce = _clause_end(text, stop, s_stop)
    if text[cs - 1:cs] == "(" and text[ce:ce + 1] == ")":
        # «прежний рекорд (762) принадлежал …»: a parenthesis belongs to the clause around it
        cs = clause_start(text, cs - 1, s_start)
        ce = _clause_end(text, ce + 1, s_stop)
        after = _verbs(wd, text, stop, ce)
        if after:
            return _lemma(wd, text, after[0], s_stop), -1
    before = _verbs(wd, text, cs, start)
    if before:
        return _lemma(wd, text, before[-1], ce), before[-1][1]
    after = _verbs(wd, text, stop, ce)
    if after:
        return _lemma(wd, text, after[0], s_stop), -1
    earlier = _verbs(wd, text, max(s_start, cs - ELIDED_VERB_WINDOW), cs, reporting=False)
    if earlier:
        return _lemma(wd, text, earlier[-1], cs), -1
    return "", -1


def location_of(start: int, mentions: Sequence[Any]) -> str:
    """The nearest LOC mention before ``start`` in the sentence's mentions, else the nearest after."""
    best_before = best_after = None
    for m in mentions:
        if m.type != "LOC" or not m.canonical:
            continue
        if m.stop <= start:
            if best_before is None or m.start > best_before.start:
                best_before = m
        elif m.start >= start:
            if best_after is None or m.start < best_after.start:
                best_after = m
    chosen = best_before or best_after
    if chosen is None:
        return ""
    # «в Курагинском районе Красноярского края»: the place is the first of a
    # chain of places, the ones after it (genitive) only say where it is
    for m in sorted(mentions, key=lambda x: -x.start):
        if m.type == "LOC" and m.canonical and m.stop <= chosen.start and m.stop >= chosen.start - 2:
            chosen = m
    return chosen.canonical


def _first_noun(wd: Words, text: str, start: int, stop: int, nominative: bool) -> str:
    in_pp = after_noun = False
    for m in _WORD.finditer(text, start, stop):
        word = m.group()
        ps = wd.parses(word.lower())
        if not ps:
            continue
        top = ps[0].tag.POS
        if top == "PREP":
            in_pp = True
            continue
        nouns = [p for p in ps if is_noun(p) and p.score >= NOUN_SHARE * ps[0].score]
        if nouns:
            if in_pp:
                in_pp = False  # the preposition's own noun
                after_noun = True
                continue
            wanted = ("nomn",) if nominative else ("accs", "nomn")
            pick = next((p for p in nouns if wd.case(p) in wanted), None)
            if pick is None:
                continue
            lemma = yo(pick.normal_form)
            if lemma in MEASURE_NOUNS:
                # «Уровень безработицы составил 6,3%»: the share is of what the measure measures
                nxt = _WORD.match(text, m.end() + 1, stop)
                if nxt and text[m.end():nxt.start()].strip() == "":
                    gen = [p for p in wd.parses(nxt.group().lower()) if is_noun(p) and wd.case(p) == "gent"]
                    if gen:
                        return yo(gen[0].normal_form)
            return lemma
        if word.isupper() and len(word) > 1 and not in_pp and not after_noun:
            return word  # «ВВП вырос на 2%» (not «по данным МВД»: a complement)
    return ""


def object_of(wd: Words, text: str, start: int, s_start: int, verb_end: int) -> str:
    """What a percentage at ``start`` is a share of, when the text after it does not say (see above)."""
    cs = clause_start(text, start, s_start)
    gap = re.search(r"[—–][ \u00a0]*$", text[max(s_start, cs - 3):cs])
    if gap:
        # «…, серебро — на +71%»: a gapped clause; its subject stands before the dash
        left = cs - len(gap.group())
        found = _first_noun(wd, text, clause_start(text, left, s_start), left, nominative=True)
        if found:
            return found
    if verb_end >= cs:
        found = _first_noun(wd, text, verb_end, start, nominative=False)
        if found:
            return found
    found = _first_noun(wd, text, cs, start, nominative=True)
    if found:
        return found
    if cs > s_start:
        return _first_noun(wd, text, max(s_start, cs - ELIDED_VERB_WINDOW), cs, nominative=True)
    return ""
