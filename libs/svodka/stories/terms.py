"""Weighted term vectors of Russian news text: what a story's articles share.

A text becomes a sparse vector of Snowball stems (PyStemmer's Russian stemmer: «ставку»,
«ставки» → «ставк»), each weighted by how rare its surface word is in Russian at large —
``RARE_ZIPF - zipf`` with wordfreq's Zipf frequency (7.6 for «в», 4.0 for «инженеров», 0
for an unseen name). A static weight instead of document frequencies over the stream: the
weights do not depend on what came before, so replays and restarts weigh a text the same
way, and no per-term state is written per article. Term frequency is sublinear
(1 + ln tf); title words count ``TITLE_WEIGHT`` times. Numbers are terms too («1200»,
«15,5»): outlets reporting one event repeat its figures (weighted by wordfreq as well,
which makes a year like «2026» common and «1200» rare). Vectors are L2-normalised, so
``cosine`` is a dot product.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

import Stemmer
import wordfreq

__all__ = ["Token", "Vector", "add_into", "cosine", "name_weight", "normalized", "stem", "text_vector", "tokens", "top_terms", "vector"]

Vector = dict[str, float]

RARE_ZIPF = 6.0  # words at least this common (в, и, что, заявил …) weigh nothing
TITLE_WEIGHT = 2.0
MIN_NAME_WEIGHT = 0.5
# A number says "same event" less than a rare word does: look-alikes share round
# numbers («15 млрд рублей», «12 тысяч квадратных метров»). Measured on the gold feed:
# uncapped number weights (up to 6) lost 0.05 story F1 against a cap of 2.
MAX_NUMBER_WEIGHT = 2.0
MIN_WORD = 3  # shorter words are prepositions and particles
_WORD = re.compile(r"[а-яa-z]+(?:-[а-яa-z]+)*|\d+(?:[.,]\d+)?")  # on lower-cased text, ё as е
_stemmer = Stemmer.Stemmer("russian")


@functools.lru_cache(maxsize=200_000)
def _word_term(word: str) -> tuple[str, float]:
    """(stem, weight) of a lower-cased word or number; weight 0 for very common ones.
    wordfreq knows numbers too: «2026» (a year) is common, «1200» is not."""
    if word[0].isdigit():
        word = word.replace(".", ",")
        return word, min(MAX_NUMBER_WEIGHT, max(0.0, RARE_ZIPF - wordfreq.zipf_frequency(word, "ru")))
    zipf = wordfreq.zipf_frequency(word, "ru")
    return _stemmer.stemWord(word), max(0.0, RARE_ZIPF - zipf)


@functools.lru_cache(maxsize=50_000)
def name_weight(name: str) -> float:
    """How telling a name is: by its rarest word («Оренбургская область» → «оренбургская»),
    at least ``MIN_NAME_WEIGHT`` so that no entity vanishes."""
    zipfs = [wordfreq.zipf_frequency(w, "ru") for w in words(name) if len(w) >= 2]
    return max(MIN_NAME_WEIGHT, RARE_ZIPF - min(zipfs)) if zipfs else RARE_ZIPF


def stem(word: str) -> str:
    return _stemmer.stemWord(word.lower().replace("ё", "е"))


Token = tuple[int, str, float]  # (start offset, term, weight)


def tokens(text: str) -> list[Token]:
    """The weighted terms of a text with their offsets (words of weight 0 left out)."""
    lowered = text.lower().replace("ё", "е")
    if len(lowered) != len(text):  # a rare character changed length when lower-cased
        lowered = "".join(c.lower()[:1] or c for c in text).replace("ё", "е")
    out = []
    for match in _WORD.finditer(lowered):
        word = match.group()
        if len(word) < MIN_WORD and not word[0].isdigit():
            continue
        term, w = _word_term(word)
        if w > 0:
            out.append((match.start(), term, w))
    return out


def vector(body: list[Token], title: list[Token] = ()) -> Vector:
    """The normalised vector of a body's and a title's tokens."""
    counts: dict[str, int] = {}
    weight: dict[str, float] = {}
    for _, term, w in body:
        counts[term] = counts.get(term, 0) + 1
        weight[term] = w
    raw = {term: weight[term] * _SUBLINEAR[n] if n < len(_SUBLINEAR) else weight[term] * (1.0 + math.log(n))
           for term, n in counts.items()}
    for _, term, w in title:
        raw[term] = raw.get(term, 0.0) + TITLE_WEIGHT * w
    return normalized(raw)


_SUBLINEAR = [0.0] + [1.0 + math.log(n) for n in range(1, 64)]
_TERMS: dict[str, tuple[str, float]] = {}  # word → (term, weight): a plain dict is the fastest cache


def _term(word: str) -> tuple[str, float]:
    """(term, weight) of a lower-cased word, weight 0 for short or common words; cached."""
    found = _TERMS.get(word)
    if found is None:
        found = (word, 0.0) if len(word) < MIN_WORD and not word[0].isdigit() else _word_term(word)
        if len(_TERMS) < 500_000:
            _TERMS[word] = found
    return found


def text_vector(text: str, title: str = "") -> Vector:
    """The normalised term vector of a title and body: the same as ``vector(tokens(text),
    tokens(title))`` without offsets (one ``findall``, counting in C: the stage's hot path)."""
    get = _TERMS.get
    pairs = [get(word) or _term(word) for word in _WORD.findall(_lower(text))]
    weight = {term: w for term, w in pairs if w}
    counts = Counter(term for term, w in pairs if w)
    raw = {term: weight[term] * (_SUBLINEAR[n] if n < 64 else 1.0 + math.log(n)) for term, n in counts.items()}
    if title:
        for word in _WORD.findall(_lower(title)):
            term, w = get(word) or _term(word)
            if w:
                raw[term] = raw.get(term, 0.0) + TITLE_WEIGHT * w
    return normalized(raw)


def _lower(text: str) -> str:
    return text.lower().replace("ё", "е")


def normalized(vec: Mapping[str, float]) -> Vector:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {k: v / norm for k, v in vec.items()} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two normalised vectors (iterates the smaller)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def add_into(total: dict[str, float], vec: Mapping[str, float], weight: float = 1.0) -> None:
    for k, v in vec.items():
        total[k] = total.get(k, 0.0) + weight * v


def top_terms(vec: Mapping[str, float], n: int) -> Vector:
    """The ``n`` heaviest terms (ties by term, so the cut is deterministic)."""
    if len(vec) <= n:
        return dict(vec)
    # the n-th largest weight, then everything above it and the ties at it by term
    cut = heapq.nlargest(n, vec.values())[-1]
    above = {k: v for k, v in vec.items() if v > cut}
    ties = sorted(k for k, v in vec.items() if v == cut)[:n - len(above)]
    above.update((k, cut) for k in ties)
    return above


def words(text: str) -> Iterable[str]:
    for match in _WORD.finditer(text.lower().replace("ё", "е")):
        yield match.group()


def warm_up() -> None:
    """Load wordfreq's Russian table and the stemmer now (about two seconds)."""
    _word_term.cache_clear()
    wordfreq.zipf_frequency("инженер", "ru")
    text_vector("Прогрев словарей перед первой статьёй", "Прогрев")
    from svodka.stories.quantities import quantity

    quantity("инженер", 1, 1, "exact")  # pymorphy2 for units
