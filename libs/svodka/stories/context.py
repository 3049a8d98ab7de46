"""The words around a figure: what distinguishes «15 млрд рублей на ремонт школ» from
«15 млрд рублей на льготные кредиты», and whether a sentence restates an old number.

``figure_context`` is the term vector (svodka.stories.terms) of the figure's sentence
without the figure itself; the sentence is cut at . ! ? or a line break, at most
``REACH`` characters either side. ``is_background`` says whether the sentence reads as a
restatement of something reported before — «напомним», «ранее», «как сообщалось», «в
прошлом месяце», «в апреле» (a month before the article's) — the cue that lets a figure
join a claim of an earlier story instead of starting a new one.
"""

from __future__ import annotations

import re

from svodka.stories.terms import Vector, normalized, text_vector, top_terms

__all__ = ["CONTEXT_TERMS", "figure_context", "is_background", "sentence_around"]

REACH = 200
CONTEXT_TERMS = 16
_END = re.compile(r"[.!?\n]\s")
_RECALL = re.compile(
    r"\b(?:напомним|напомнила?|напомнили|ранее|как\s+сообщал|как\s+писал|как\s+стало\s+известно\s+ранее|"
    r"в\s+прошл(?:ом|ый|ого|ую)|тогда|прежн|уже\s+сообщал|по\s+данным\s+на\s+тот\s+момент)",
    re.IGNORECASE)
_MONTHS = ("январ", "феврал", "март", "апрел", "ма[йяе]", "июн", "июл", "август", "сентябр", "октябр", "ноябр",
           "декабр")
_MONTH = re.compile(r"\bв\s+(" + "|".join(f"{m}" for m in _MONTHS) + r")[а-я]*\b", re.IGNORECASE)


def sentence_around(text: str, start: int, stop: int) -> tuple[int, int]:
    """The bounds of the sentence holding text[start:stop] (at most REACH chars each side)."""
    lo = max(0, start - REACH)
    left = text[lo:start]
    ends = list(_END.finditer(left))
    s = lo + ends[-1].end() if ends else lo
    right = text[stop:stop + REACH]
    end = _END.search(right)
    e = stop + (end.start() + 1 if end else len(right))
    return s, e


def figure_context(text: str, start: int, stop: int) -> Vector:
    """The ``CONTEXT_TERMS`` heaviest terms of the figure's sentence outside the figure."""
    if not text:
        return {}
    s, e = sentence_around(text, start, stop)
    return normalized(top_terms(text_vector(text[s:start] + " " + text[stop:e]), CONTEXT_TERMS))


def is_background(text: str, start: int, stop: int, month: int | None) -> bool:
    """Whether the figure's sentence restates an earlier report (``month``: the
    article's month, 1–12, to tell «в апреле» written in May from the current month)."""
    if not text:
        return False
    s, e = sentence_around(text, start, stop)
    sentence = text[s:e]
    if _RECALL.search(sentence):
        return True
    if month is not None:
        for m in _MONTH.finditer(sentence):
            named = next(i for i, p in enumerate(_MONTHS, 1) if re.match(p, m.group(1), re.IGNORECASE))
            if named != month:
                return True
    return False
