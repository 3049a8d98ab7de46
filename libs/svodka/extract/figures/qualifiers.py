"""Qualifiers: the words that say a figure is approximate, a floor or a ceiling.

``qualifier_before`` reads them just before the number («не менее 100»,
«около 5 тысяч», «до 40%»), ``QUALIFIER_AFTER`` just after it («100 с
лишним», «10 и более»). «до» marking the new level of a change («выросла до
8%») is exact: ``is_change_level`` decides that from a change verb in the
same clause. Conventions: package docstring, docs/figures.md.
"""

from __future__ import annotations

import re

__all__ = ["qualifier_before", "QUALIFIER_AFTER", "is_change_level", "clause_start", "CLAUSE_BREAK",
           "QUALIFIER_WINDOW"]

# The longest qualifier, «примерно около» / «не менее чем» plus «в»/«на» and
# spaces, is under 25 characters; 40 leaves room for no-break spaces and a
# currency sign without reaching into the previous phrase's words.
QUALIFIER_WINDOW = 40
# A clause is rarely longer than this; clause_start looks this far back before looking further.
CLAUSE_LOOKBACK = 200

_QUALIFIERS: list[tuple[str, str]] = [
    ("не менее чем", "at_least"), ("не менее", "at_least"), ("не меньше чем", "at_least"),
    ("не меньше", "at_least"), ("по меньшей мере", "at_least"), ("по крайней мере", "at_least"),
    ("как минимум", "at_least"), ("минимум", "at_least"), ("более чем", "at_least"),
    ("больше чем", "at_least"), ("более", "at_least"), ("больше", "at_least"), ("свыше", "at_least"),
    ("сверх", "at_least"), ("от", "at_least"),
    ("не более чем", "at_most"), ("не более", "at_most"), ("не больше чем", "at_most"),
    ("не больше", "at_most"), ("не свыше", "at_most"), ("не выше", "at_most"), ("менее чем", "at_most"),
    ("менее", "at_most"), ("меньше чем", "at_most"), ("меньше", "at_most"), ("максимум", "at_most"),
    ("как максимум", "at_most"), ("вплоть до", "at_most"), ("до", "at_most"),
    ("около", "approx"), ("примерно", "approx"), ("приблизительно", "approx"), ("порядка", "approx"),
    ("почти", "approx"), ("ориентировочно", "approx"), ("где-то", "approx"), ("примерно около", "approx"),
]
_QUALIFIER_BY_WORDS = {re.sub(r"\s+", " ", k): v for k, v in _QUALIFIERS}
_QUALIFIER_ALT = "|".join(
    re.escape(k).replace(r"\ ", r"[ \u00a0]+") for k, _ in sorted(_QUALIFIERS, key=lambda kv: -len(kv[0]))
)
_QUALIFIER_BEFORE = re.compile(
    rf"(?<![\w-])(?P<q>{_QUALIFIER_ALT})(?:[ \u00a0]+(?P<prep>в|на))?[ \u00a0]*$|(?P<tilde>~)[ \u00a0]?$",
    re.I,
)
QUALIFIER_AFTER = re.compile(
    r"[ \u00a0]+(?:(?P<least>с[ \u00a0]+лишним|с[ \u00a0]+небольшим|и[ \u00a0]+более|и[ \u00a0]+больше|или[ \u00a0]+более|и[ \u00a0]+свыше)"
    r"|(?P<most>и[ \u00a0]+менее|и[ \u00a0]+меньше|или[ \u00a0]+менее))(?![\w])",
    re.I,
)
# «до» after one of these (in the same clause) is the new level of a change, not a ceiling
_CHANGE_VERB = re.compile(
    r"(?<![\w])(?:вырос|вырас|возрос|возраст|снизи|сниж|сниз|увелич|уменьш|сократ|сокращ|повыс|повыш|"
    r"пониз|подня|подним|упал|упад|опуст|опуск|замедл|ускор|довед|довел|доведен|дошл|дошел|достиг|"
    r"подорож|подешев|нараст|расшир|урез|поднял|скатил|откатил|обвал|прибав|сбав)\w*",
    re.I,
)
CLAUSE_BREAK = re.compile(r"[;:—–()\[\]«»\"]|,(?!\d)|[.!?](?:\s|$)")
# «выручка упала на 15% — до 1,2 млрд»: a dash does not end the change
_CHANGE_CLAUSE_BREAK = re.compile(r"[;:()\[\]«»\"]|,(?!\d)|[.!?](?:\s|$)")
def qualifier_before(text: str, start: int, floor: int) -> tuple[str, int, str]:
    """(qualifier, start of the qualifier words, the words) for the text just before ``start``."""
    lo = max(floor, start - QUALIFIER_WINDOW)
    m = _QUALIFIER_BEFORE.search(text, lo, start)
    if not m:
        return "exact", start, ""
    if m.group("tilde"):
        return "approx", m.start("tilde"), "~"
    words = re.sub(r"\s+", " ", m.group("q").lower())
    qual = _QUALIFIER_BY_WORDS.get(words, "exact")
    if m.group("prep") and words in ("до", "от", "вплоть до"):
        return "exact", start, ""
    return qual, m.start("q"), words


def clause_start(text: str, pos: int, floor: int, breaks: re.Pattern | None = None) -> int:
    """Start of the clause holding ``pos`` (after the last break at or after ``floor``).

    Looks back ``CLAUSE_LOOKBACK`` characters first and further only when that holds no
    break, so a long sentence (a table razdel reads as one) costs per figure what a short one does.
    """
    pattern = breaks or CLAUSE_BREAK
    lo = max(floor, pos - CLAUSE_LOOKBACK)
    while True:
        last = -1
        for m in pattern.finditer(text, lo, pos):
            last = m.end()
        if last >= 0:
            return last
        if lo == floor:
            return floor
        lo = max(floor, lo - 4 * CLAUSE_LOOKBACK)




def is_change_level(text: str, qstart: int, s_start: int) -> bool:
    """True when «до» at ``qstart`` marks the new level of a change («выросла на 6,4%, до 1,2 трлн»).

    A comma or dash right before «до» does not end the change.
    """
    lead = re.search(r"[,—–][ \u00a0]*$", text[max(s_start, qstart - 4):qstart])
    upto = qstart - len(lead.group()) if lead else qstart
    clause = clause_start(text, upto, s_start, _CHANGE_CLAUSE_BREAK)
    return bool(_CHANGE_VERB.search(text, clause, qstart))
