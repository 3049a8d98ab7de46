"""Reading one number: digits or number words, a sign, a multiplier, a second part.

``read_number(text, match, limit)`` turns a match of ``NUMBER_RE`` into a
:class:`Num`. What it reads, in order:

* a sign glued to the digits («+31», «–3,4%», «−5») when the character before
  the sign is not a letter, digit or dash (so «Су-34», «2022-2024» and
  «19-24» are not negative numbers); an em dash «—» is punctuation, never a
  sign;
* the digits (thousand separators: space, no-break and thin spaces) or a run
  of number words («двадцать пять»);
* a multiplier right after it («тыс.», «млн», «тысяч»);
* a second part of one number written in two («1 тыс. 250», «2 млн 300
  тыс.»): digits smaller than the multiplier right after it.
"""

from __future__ import annotations

import re

from svodka.extract.numerals import (
    ABBREVIATED_MULTIPLIERS,
    MULTIPLIER_WORDS,
    NUMBER_WORD,
    SMALL_WORDS,
    UNAMBIGUOUS_SINGLE_MULTIPLIERS,
    parse_number_words,
)

__all__ = ["Num", "NUMBER_RE", "read_number", "number_at", "DASH_AFTER", "UP_TO_AFTER", "DIGIT_CONT",
           "TIME_LIKE", "SIGNS", "is_year_like"]

SEP = "[ \u00a0\u202f\u2009]"
DIGITS = rf"\d{{1,3}}(?:{SEP}\d{{3}}(?!\d))+(?:,\d+)?|\d+(?:[.,]\d+)?"
NUMBER_RE = re.compile(
    rf"(?P<d>(?<![\w.,/\\]){DIGITS})|(?P<w>(?<![\w-])(?:{NUMBER_WORD})(?:[ \u00a0]+(?:{NUMBER_WORD}))*(?![\w]))",
    re.I,
)
NUMBER_AT = re.compile(
    rf"(?P<sign>[+\-‐‑–−](?=\d)|(?:минус|плюс)[ \u00a0]+(?=\d))?(?:(?P<d>{DIGITS})|(?P<w>(?:{NUMBER_WORD})(?:[ \u00a0]+(?:{NUMBER_WORD}))*(?![\w])))",
    re.I,
)
HYPHEN_WORD_NUMBER = re.compile(rf"[-‐‑–](?:{NUMBER_WORD})(?![\w])", re.I)
_MULT_WORD_ALT = "|".join(sorted(MULTIPLIER_WORDS, key=len, reverse=True))
MULTIPLIER_AFTER = re.compile(
    rf"[ \u00a0]?(?:(?P<abbr>тыс|млн|млрд|трлн)\.?(?![\w])|(?P<word>{_MULT_WORD_ALT})(?![\w]))",
    re.I,
)
# a range: «25−30», «5%–7%», «+19-24», «+24…+26» (an ellipsis joins ranges in weather tables)
DASH_AFTER = re.compile(r"[ \u00a0]*(?:%[ \u00a0]*)?(?:[-‐‑–—−]|…|\.\.\.)[ \u00a0]*(?=[+\-‐‑–−]?[\dа-яё])", re.I)
UP_TO_AFTER = re.compile(r"[ \u00a0]+до[ \u00a0]+", re.I)
DIGIT_CONT = re.compile(r"[.,:]\d|[-‐‑–]\d+[-‐‑–]\d")
TIME_LIKE = re.compile(r"^\d{1,2}\.\d{2}$")
_WS = re.compile(r"[ \u00a0\u202f\u2009]")

# A sign is a plus or a hyphen/minus/en dash glued to the digits; what stands
# before it must not be a letter, a digit or another dash.
SIGNS = {"+": 1.0, "-": -1.0, "‐": -1.0, "‑": -1.0, "–": -1.0, "−": -1.0}
_SIGN_BEFORE_OK = re.compile(r"(?:^|[\s(\[«\"/:;,])$")
# The second part of a number written in two («1 тыс. 250»): up to three digits
# right after the multiplier, not starting a range, a date or a decimal.
_SECOND_PART = re.compile(r"[ \u00a0](\d{1,3})(?![\d.,:\-‐‑–%])")


class Num:
    """A number as read: its value, span, and how it was written."""

    __slots__ = ("value", "bare", "factor", "start", "end", "words", "small", "mult", "bare_mult", "signed")

    def __init__(self, value: float, bare: float, factor: float, start: int, end: int, words: bool,
                 small: bool, mult: bool, bare_mult: bool, signed: bool = False):
        self.value = value  # with the sign and multipliers applied
        self.bare = bare  # before a trailing multiplier: «30 тысяч» → 30
        self.factor = factor  # the trailing multiplier: «30 тысяч» → 1000
        self.start = start
        self.end = end
        self.words = words
        self.small = small  # a lone «один/два» form: idiomatic more often than not
        self.mult = mult  # a multiplier was written
        self.bare_mult = bare_mult  # a lone «тысячи/тысяч/миллиона…»: needs a qualifier
        self.signed = signed  # written with + or −: a temperature or a change, a figure even without a unit


def _to_float(digits: str) -> float:
    return float(_WS.sub("", digits).replace(",", "."))


_SIGN_WORD_BEFORE = re.compile(r"(?<![\w-])(минус|плюс)[ \u00a0]+$", re.I)
# «минус 12 градусов», «плюс 3»: a sign spelled out; the longest is six characters and a space
SIGN_WORD_WINDOW = 8


def sign_before(text: str, pos: int, floor: int = 0) -> tuple[float, int]:
    """(sign, new start) for a sign glued before ``pos`` or spelled out («минус 12»); (1.0, pos) if none."""
    mw = _SIGN_WORD_BEFORE.search(text, max(floor, pos - SIGN_WORD_WINDOW), pos)
    if mw:
        return (-1.0 if mw.group(1).lower() == "минус" else 1.0), mw.start()
    if pos <= floor or text[pos - 1] not in SIGNS:
        return 1.0, pos
    if not _SIGN_BEFORE_OK.search(text, max(floor, pos - 2), pos - 1) and pos - 1 > floor:
        return 1.0, pos
    return SIGNS[text[pos - 1]], pos - 1


def read_number(text: str, m: re.Match, limit: int, floor: int = 0) -> Num | None:
    """Value of a matched number with its sign, a multiplier and a second part after it."""
    factor = 1.0
    bare_mult = False
    sign, start = 1.0, m.start("d") if m.group("d") is not None else m.start("w")
    if m.group("d") is not None:
        if m.re is NUMBER_AT and m.group("sign"):
            word = m.group("sign").strip().lower()
            sign = SIGNS.get(word, -1.0 if word == "минус" else 1.0)
            start = m.start()
        elif m.re is NUMBER_RE:
            sign, start = sign_before(text, m.start(), floor)
        bare = _to_float(m.group("d"))
        words = small = has_mult = False
    else:
        tokens = m.group("w").lower().replace("ё", "е").split()
        words = True
        small = len(tokens) == 1 and tokens[0] in SMALL_WORDS
        has_mult = any(t in MULTIPLIER_WORDS for t in tokens)
        if tokens[-1] in MULTIPLIER_WORDS:
            factor = MULTIPLIER_WORDS[tokens[-1]]
            head = parse_number_words(tokens[:-1]) if len(tokens) > 1 else 1.0
            if head is None:
                return None
            bare = head
            bare_mult = len(tokens) == 1 and tokens[0] not in UNAMBIGUOUS_SINGLE_MULTIPLIERS
        else:
            value = parse_number_words(tokens)
            if value is None:
                return None
            bare = value
    end = m.end()
    mm = MULTIPLIER_AFTER.match(text, end, limit)
    if mm:
        if mm.group("abbr"):
            factor *= ABBREVIATED_MULTIPLIERS[mm.group("abbr").lower()]
        else:
            factor *= MULTIPLIER_WORDS[mm.group("word").lower().replace("ё", "е")]
        end = mm.end()
        has_mult = True
        small = False
    value = bare * factor
    if factor >= 1000 and not words:
        # «1 тыс. 250 единиц», «2 млн 300 тыс.»: one number written in two parts
        ms = _SECOND_PART.match(text, end, limit)
        if ms:
            part = float(ms.group(1))
            mm2 = MULTIPLIER_AFTER.match(text, ms.end(), limit)
            part_factor = 1.0
            if mm2:
                part_factor = (ABBREVIATED_MULTIPLIERS.get((mm2.group("abbr") or "").lower())
                               or MULTIPLIER_WORDS.get((mm2.group("word") or "").lower().replace("ё", "е"), 1.0))
            if part * part_factor < factor:
                value += part * part_factor
                end = mm2.end() if mm2 and part_factor > 1 else ms.end()
                factor, bare = 1.0, value
    value = round(sign * value, 6)
    bare = sign * bare
    signed = m.group("d") is not None and start != m.start("d")
    return Num(value, bare, factor, start, end, words, small, has_mult, bare_mult, signed=signed)


def number_at(text: str, pos: int, limit: int) -> Num | None:
    m = NUMBER_AT.match(text, pos, limit)
    if not m:
        return None
    return read_number(text, m, limit)


def is_year_like(num: Num, text: str) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", text[num.start: num.end]))
