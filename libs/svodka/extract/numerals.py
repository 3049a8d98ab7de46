"""Russian cardinal number words → values.

A closed word class, so the inflected forms are listed by hand rather than
asked of pymorphy2: that keeps number-word spotting a single precompiled regex
over the whole text, with no morphology on the hot path.

``WORD_VALUES`` maps every inflected form (lower case, ``е`` for ``ё``) to its
value; ``MULTIPLIER_WORDS`` are the forms of тысяча/миллион/миллиард/триллион,
which scale what precedes them; ``parse_number_words`` turns a run of such
words («двадцать пять тысяч», «полутора миллионов») into a number.

Deliberately left out: «ноль» (not a count), «семью» (mostly «семья»), «оба/обе» (never a reported count), the plural «одни/
одних» (“only, alone”), fractions («треть», «половина»), approximate nouns
(«десяток», «сотни»), and ordinals («третий», «шестым») — ordinals are not
quantities.
"""

from __future__ import annotations

import re
from typing import Iterable

# Each entry: value, then its forms (nominative first).
_FORMS: list[tuple[float, str]] = [
    (1, "один одна одно одну одного одной одному одним одном одною"),
    (2, "два две двух двум двумя"),
    (3, "три трех трем тремя"),
    (4, "четыре четырех четырем четырьмя"),
    (5, "пять пяти пятью"),
    (6, "шесть шести шестью"),
    (7, "семь семи"),  # «семью» is far more often «семья» (family)
    (8, "восемь восьми восьмью восемью"),
    (9, "девять девяти девятью"),
    (10, "десять десяти десятью"),
    (11, "одиннадцать одиннадцати одиннадцатью"),
    (12, "двенадцать двенадцати двенадцатью"),
    (13, "тринадцать тринадцати тринадцатью"),
    (14, "четырнадцать четырнадцати четырнадцатью"),
    (15, "пятнадцать пятнадцати пятнадцатью"),
    (16, "шестнадцать шестнадцати шестнадцатью"),
    (17, "семнадцать семнадцати семнадцатью"),
    (18, "восемнадцать восемнадцати восемнадцатью"),
    (19, "девятнадцать девятнадцати девятнадцатью"),
    (20, "двадцать двадцати двадцатью"),
    (30, "тридцать тридцати тридцатью"),
    (40, "сорок сорока"),
    (50, "пятьдесят пятидесяти пятьюдесятью"),
    (60, "шестьдесят шестидесяти шестьюдесятью"),
    (70, "семьдесят семидесяти семьюдесятью"),
    (80, "восемьдесят восьмидесяти восемьюдесятью восьмьюдесятью"),
    (90, "девяносто девяноста"),
    (100, "сто ста"),
    (200, "двести двухсот двумстам двумястами двухстах"),
    (300, "триста трехсот тремстам тремястами трехстах"),
    (400, "четыреста четырехсот четыремстам четырьмястами четырехстах"),
    (500, "пятьсот пятисот пятистам пятьюстами пятистах"),
    (600, "шестьсот шестисот шестистам шестьюстами шестистах"),
    (700, "семьсот семисот семистам семьюстами семистах"),
    (800, "восемьсот восьмисот восьмистам восьмьюстами восемьюстами восьмистах"),
    (900, "девятьсот девятисот девятистам девятьюстами девятистах"),
    (1.5, "полтора полторы полутора"),
    # collective numerals (двое/трое детей); «двое» stays small like «два»
    (2, "двое двоих двоим двоими"),
    (3, "трое троих троим троими"),
    (4, "четверо четверых четверым четверыми"),
    (5, "пятеро пятерых пятерым пятерыми"),
    (6, "шестеро шестерых шестерым шестерыми"),
    (7, "семеро семерых семерым семерыми"),
    (8, "восьмеро восьмерых"),
    (9, "девятеро девятерых"),
    (10, "десятеро десятерых"),
]

# Multiplier nouns. Singular forms mean "one thousand" on their own
# («тысячу солдат»); plural forms without a number before them are vague
# («тысячи людей», «миллионы долларов») and are not a figure.
_MULTIPLIERS: list[tuple[float, str, str]] = [
    (1e3, "тысяча тысячи тысяче тысячу тысячей тысячею", "тысячи тысяч тысячам тысячами тысячах"),
    (1e6, "миллион миллиона миллиону миллионом миллионе", "миллионы миллионов миллионам миллионами миллионах"),
    (1e9, "миллиард миллиарда миллиарду миллиардом миллиарде", "миллиарды миллиардов миллиардам миллиардами миллиардах"),
    (1e12, "триллион триллиона триллиону триллионом триллионе", "триллионы триллионов триллионам триллионами триллионах"),
]

# Abbreviated multipliers, only ever after a number («25 тыс.», «$5 млн»).
ABBREVIATED_MULTIPLIERS: dict[str, float] = {"тыс": 1e3, "млн": 1e6, "млрд": 1e9, "трлн": 1e12}

WORD_VALUES: dict[str, float] = {}
for _value, _forms in _FORMS:
    for _form in _forms.split():
        WORD_VALUES.setdefault(_form, _value)

MULTIPLIER_WORDS: dict[str, float] = {}
for _value, _singular, _plural in _MULTIPLIERS:
    for _form in _singular.split() + _plural.split():
        MULTIPLIER_WORDS[_form] = _value

#: Multiplier forms that mean exactly "one thousand/million…" standing alone:
#: singular, and not the genitive singular, which is also «тысячи» (thousands)
#: and, after «около/более/до», needs that qualifier to be a figure.
UNAMBIGUOUS_SINGLE_MULTIPLIERS: frozenset[str] = frozenset(
    f for _v, _singular, _plural in _MULTIPLIERS for f in _singular.split()[:1] + _singular.split()[2:]
    if f not in _plural.split()
)

ALL_WORDS: dict[str, float] = {**WORD_VALUES, **MULTIPLIER_WORDS}

#: Forms of 1 and 2 (and collective «двое»): too often idiomatic («один из», «между двумя странами»).
SMALL_WORDS: frozenset[str] = frozenset(w for w, v in WORD_VALUES.items() if v <= 2 and v != 1.5)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, factored by common prefixes.

    Python's ``re`` tries a flat alternation branch by branch at every position;
    the factored form rejects a non-number word after a character or two, which
    makes scanning a whole article several times faster. Longer words win over
    their prefixes («двадцать» over «два»); ``е`` also matches ``ё``.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            char = "[её]" if ch == "е" else re.escape(ch)
            branches.append(char + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            if len(branches) == 1 and not body.startswith("(?:"):
                body = "(?:" + body + ")"
            return body + "?"
        return body

    return "(?:" + emit(trie) + ")"


#: One number word, with ё allowed where the list has е.
NUMBER_WORD = _trie_pattern(ALL_WORDS)
_WORD_SPLIT = re.compile(r"[ \u00a0]+")


def word_value(word: str) -> float | None:
    """Value of a single number word (any case, ё or е), or None."""
    return ALL_WORDS.get(word.lower().replace("ё", "е"))


def parse_number_words(words: str | list[str]) -> float | None:
    """Value of a run of number words: «двадцать пять тысяч» → 25000.

    Units, tens and hundreds add up; a multiplier word scales what came before
    it (or 1 when nothing did: «тысяча» → 1000) and closes that group, so
    «две тысячи пятьсот» → 2500 and «полтора миллиона» → 1 500 000.
    Returns None when a word is not a number word.
    """
    if isinstance(words, str):
        words = [w for w in _WORD_SPLIT.split(words.strip()) if w]
    total = 0.0
    current = 0.0
    seen = False
    for word in words:
        value = word_value(word)
        if value is None:
            return None
        seen = True
        key = word.lower().replace("ё", "е")
        if key in MULTIPLIER_WORDS:
            group = current or 1.0
            total += group * value
            current = 0.0
        else:
            current += value
    if not seen:
        return None
    return total + current
