"""One pymorphy2 analyser per process, with its caches and one case map.

Every component that needs morphology (entity normal forms, the figure rules,
the resolver) is handed the same :class:`Morphology` — the way natasha passes
one ``MorphVocab`` around. Building the analyser loads its dictionaries (about
0.3 s and 15 MB), so ``Morphology.shared()`` builds it once per process and
``Extractor`` passes that object on; nothing else creates one.

Case names are reduced to the six cases of school grammar by one table
(``CASES``): the second genitive, accusative and locative («чаю», «в лесу»)
and the vocative count as the case they stand for. Before this module the
entity and figure code had two analysers with two tables that disagreed on
«voct» and «acc2».

Parses are cached per word (lower case); the cache is bounded, so a long
stream of new words cannot grow memory without limit.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

__all__ = ["Morphology", "CASES", "PROPER"]

# pymorphy2 case grammeme → the case it counts as
CASES = {
    "nomn": "nomn", "voct": "nomn",
    "gent": "gent", "gen1": "gent", "gen2": "gent",
    "datv": "datv",
    "accs": "accs", "acc2": "accs",
    "ablt": "ablt",
    "loct": "loct", "loc1": "loct", "loc2": "loct",
}
# grammemes of proper names: such a parse is never a counted object
PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Init", "Abbr"})

# Enough for the distinct words of a day's news stream; each entry is a few
# hundred bytes of parses.
CACHE_WORDS = 65536


class Morphology:
    """A pymorphy2 analyser with cached ``parse``/``inflect`` and the shared case map."""

    _shared: "Morphology | None" = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        # natasha imports yargy, whose import patches pymorphy2 0.9 for
        # Python ≥ 3.11 (inspect.getargspec is gone); import it first.
        import natasha  # noqa: F401
        import pymorphy2

        self.analyzer = pymorphy2.MorphAnalyzer()
        self.parse = lru_cache(maxsize=CACHE_WORDS)(self._parse)
        self.inflect_word = lru_cache(maxsize=CACHE_WORDS)(self._inflect_word)
        self.is_known = lru_cache(maxsize=CACHE_WORDS)(self.analyzer.word_is_known)

    @classmethod
    def shared(cls) -> "Morphology":
        """The process's one analyser (built on first use, thread-safe)."""
        if cls._shared is None:
            with cls._lock:
                if cls._shared is None:
                    cls._shared = cls()
        return cls._shared

    def _parse(self, word: str) -> tuple:
        return tuple(self.analyzer.parse(word))

    def _inflect_word(self, word: str, index: int, grams: frozenset[str]) -> str | None:
        parse = self.parse(word)[index]
        try:
            form = parse.inflect(set(grams))
        except (ValueError, KeyError):  # pymorphy2 refuses some gram sets
            return None
        return form.word if form is not None else None

    @staticmethod
    def case(tag_or_parse: Any) -> str | None:
        """The case of a parse (or a tag), by ``CASES``; None when it has none."""
        tag = getattr(tag_or_parse, "tag", tag_or_parse)
        return CASES.get(tag.case) if tag.case else None

    @staticmethod
    def inflect(parse: Any, grams: set[str]) -> Any:
        """``parse.inflect(grams)``, or None where pymorphy2 refuses the gram set."""
        try:
            return parse.inflect(grams)
        except (ValueError, KeyError):
            return None

    @staticmethod
    def is_dictionary_word(parse: Any) -> bool:
        """True for a parse from the dictionary, False for a guess from the word's ending."""
        return type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
