"""What the figure rules ask of morphology, over the process's one ``Morphology``.

``Words(morph)`` answers questions about single lower-case words (is it an
adjective, a common noun, which cases can it be in, its adjective or noun
parse) and caches the answers per word; one ``Words`` lives in each
``FigureFinder``. Nothing here builds an analyser.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from svodka.extract.morphology import PROPER, Morphology

__all__ = ["Words", "yo"]

ALL_CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})
# readings this much less likely than the best one are ignored («новых» as the noun «новое»)
UNLIKELY_SHARE = 0.05
# a noun reading under this share of the adjective reading is ignored when
# the word is also an adjective («золотых»: 0.05 against 0.67)
RARE_NOUN_SHARE = 0.2
CACHE_WORDS = 65536


def yo(s: str) -> str:
    return s.replace("ё", "е").replace("Ё", "Е")


def is_adj(p: Any) -> bool:
    return p.tag.POS in ("ADJF", "PRTF")


def is_noun(p: Any) -> bool:
    return p.tag.POS == "NOUN" and not (PROPER & p.tag.grammemes)


class Words:
    """Cached word-level morphology for the figure rules."""

    def __init__(self, morph: Morphology) -> None:
        self.morph = morph
        self.case = morph.case
        self.parses = morph.parse
        self.word_class = lru_cache(maxsize=CACHE_WORDS)(self._word_class)
        self.inflect = morph.inflect_word
        self.verb_cache: dict[str, tuple[Any, bool]] = {}  # context.py: a word's verb reading

    def _word_class(self, word: str) -> tuple[bool, bool, bool, frozenset[str]]:
        """(has adjective parse, has common-noun parse, is pronominal/ordinal adjective, cases)."""
        ps = self.parses(word)
        adj = [p for p in ps if is_adj(p)]
        noun = [p for p in ps if is_noun(p)]
        best = max((p.score for p in ps), default=0.0)
        adj = [p for p in adj if p.score >= UNLIKELY_SHARE * best]
        noun = [p for p in noun if p.score >= UNLIKELY_SHARE * best]
        if adj and noun and max(p.score for p in noun) < RARE_NOUN_SHARE * max(p.score for p in adj):
            noun = []  # «золотых» is the adjective, not the coin

        pron = bool(adj) and all(("Apro" in p.tag or "Anum" in p.tag) for p in adj) and not noun
        cases = frozenset(c for p in adj + noun if (c := self.case(p)))
        if any("Fixd" in p.tag for p in noun):
            cases = ALL_CASES
        return bool(adj), bool(noun), pron, cases

    def adj_index(self, word: str) -> int | None:
        for i, p in enumerate(self.parses(word)):
            if is_adj(p):
                return i
        return None

    def noun_index(self, word: str) -> int | None:
        for i, p in enumerate(self.parses(word)):
            if is_noun(p):
                return i
        return None

    def adj_form(self, word: str, grams: frozenset[str]) -> str:
        i = self.adj_index(word)
        if i is None:
            return word
        form = self.inflect(word, i, grams)
        if form is None:
            form = self.parses(word)[i].normal_form
        return yo(form)

    def adj_lemma(self, word: str) -> str:
        """Masculine nominative singular of an adjective or participle («погибших» → «погибший»)."""
        i = self.adj_index(word)
        if i is None:
            return yo(word)
        p = self.parses(word)[i]
        if p.tag.POS == "PRTF" or "Supr" in p.tag:
            return self.adj_form(word, frozenset({"masc", "sing", "nomn"}))
        return yo(p.normal_form)

    def is_verb_form(self, word: str) -> Any:
        """The best verb-like parse (finite, infinitive, participle, gerund) if it is the likeliest reading."""
        ps = self.parses(word)
        if not ps:
            return None
        top = ps[0]
        if top.tag.POS in ("VERB", "INFN", "PRTS", "GRND"):
            return top
        return None
