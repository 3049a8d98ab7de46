"""What is not a figure: dates, years, times, ordinals, codes, references, and
measures that are not reported quantities (durations, ratios, calibers, magnitudes).

Two checks. ``excluded_number`` looks at the characters around a number
before anything else is read (it is cheap and rules out most numbers in a
text). ``excluded_unit`` looks at the counted object once it is known.
"""

from __future__ import annotations

import re

from svodka.extract.lexicon import MONTH_FORMS_RE, TIME_UNIT_LEMMAS

from .numbers import DIGIT_CONT, HYPHEN_WORD_NUMBER, MULTIPLIER_AFTER, TIME_LIKE, Num
from .units import ABBR_UNIT_RE

__all__ = ["excluded_number", "excluded_unit", "MONTH_AFTER", "YEAR_AFTER", "LOOK_AROUND"]

# How far the filters look on each side of a number: the longest thing they
# recognise, «постановления правительства №», is under 30 characters.
LOOK_AROUND = 30

MONTH_AFTER = re.compile(rf"[ \u00a0]*{MONTH_FORMS_RE}(?![\w])", re.I)
MONTH_BEFORE = re.compile(rf"(?<![\w]){MONTH_FORMS_RE}[ \u00a0,]*$", re.I)
YEAR_AFTER = re.compile(r"[ \u00a0]*(?:год(?:а|у|ом|е|ы|ов|ам|ах)?|гг?\.|г(?![\w]))", re.I)
AGO_AFTER = re.compile(
    r"[ \u00a0]+(?:лет|год[а]?|месяц(?:а|ев)?|недел[ьи]|дн(?:я|ей)|день|час(?:а|ов)?|минут[ы]?)[ \u00a0]+назад(?![\w])",
    re.I,
)
# Words that number a thing rather than count it. Only forms that put the
# number right after them as a label: «в доме 5 этажей» is a count, so «доме»
# is not here, while «дом 5» and «д. 5» are addresses.
REFERENCE_BEFORE = re.compile(
    r"(?<![\w])(?:стать(?:я|и|е|ю|ей)|ст\.|стр\.|с\.|страниц(?:а|ы|е|у)|№|#|номер(?:а|е|у|ом)?|"
    r"пункт(?:а|е|у|ом)?|п\.|пп\.|част(?:ь|и|ью)|ч\.|глава|гл\.|том|т\.|"
    r"раздел(?:а|е)?|параграф(?:а|е)?|§|рейс(?:а|е|ом)?|дом|д\.|кв\.|корпус|ул\.|"
    r"маршрут|верси(?:я|и|ю)|резолюци(?:я|и|ю)|приказ(?:а|е)?|указ(?:а|е)?|постановлени(?:е|я)|"
    r"протокол(?:а|е)?|энергоблок(?:а|е)?)"
    r"[ \u00a0]*$",
    re.I,
)
# A measure that describes a thing rather than counts it: the calibre of a
# gun or shell («калибра 240 мм»), the magnitude of an earthquake
# («магнитудой 6,1», «силой 7 баллов»), a ratio («в 2,3 раза»).
DESCRIPTIVE_BEFORE = re.compile(
    r"(?<![\w])(?:калибр\w*|магнитуд\w*)[ \u00a0]*(?:[-—–:][ \u00a0]*)?$", re.I
)
SEISMIC_CONTEXT = re.compile(r"(?<![\w])(?:землетрясен|толч|магнитуд|сейсм|афтершок)\w*", re.I)
# the one unit of length named after a unit of time
TIME_NAMED_LENGTHS = frozenset({"световой год"})
LATIN_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9]*[ \u00a0]+$")
CODE_BEFORE = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё0-9]*[-‐‑–][ \u00a0]?$")
_HYPHEN_SUFFIX = re.compile(r"[-‐‑–][ \u00a0]?[а-яё]", re.I)
_LETTER = re.compile(r"[A-Za-zА-Яа-яЁё]")


def excluded_number(text: str, num: Num, m: re.Match, floor: int) -> bool:
    """Dates, years, times, ordinals, codes, references: not figures."""
    mend = m.end()
    before = text[max(floor, num.start - LOOK_AROUND): num.start]
    after = text[mend: mend + LOOK_AROUND]
    if m.group("d") is not None:
        raw = m.group("d")
        if not num.signed:
            if CODE_BEFORE.search(before) or before.endswith(("№", "#", "+", "/", "\\", "-")):
                return True
        if DIGIT_CONT.match(after) or (before[-1:] in ".:" and before[-2:-1].isdigit()):
            return True  # 19.10.2023, 1.2.3, 14:30, phone numbers
        if _HYPHEN_SUFFIX.match(after):
            return True  # «80-й», «5-летний», «2024-м», «155-мм»
        if _LETTER.match(after) and not (MULTIPLIER_AFTER.match(after) or ABBR_UNIT_RE.match(after)):
            return True  # «5G», «2024г», «3D»
        if not num.mult:
            if TIME_LIKE.match(raw) and not ABBR_UNIT_RE.match(after):
                return True
            if re.fullmatch(r"\d+", raw):
                value = int(raw)
                if 1 <= value <= 31 and MONTH_AFTER.match(after):
                    return True
                if 1000 <= value <= 2100 and (YEAR_AFTER.match(after) or MONTH_BEFORE.search(before)):
                    return True
        if LATIN_BEFORE.search(before) and not num.mult and not re.match(r"[ \u00a0]?%", after):
            return True
    else:
        if MONTH_AFTER.match(after):
            return True  # «пять мая» is rarely written
        if _HYPHEN_SUFFIX.match(after) and not HYPHEN_WORD_NUMBER.match(after):
            return True  # «сто-процентный»
    if REFERENCE_BEFORE.search(before) or DESCRIPTIVE_BEFORE.search(before):
        return True
    if AGO_AFTER.match(text, num.end):
        return True
    return False


def excluded_unit(unit: str, text: str, s_start: int, s_stop: int) -> bool:
    """A counted object that makes the number a description, not a reported figure.

    Durations («семь дней», «12 лет», «два зимних месяца»: the head is a unit
    of time), ratios («в 2,3 раза»), and seismic «баллы» in a sentence about
    an earthquake. Rates keep their figure («120 тыс. человек в сутки»: the
    head is «человек»).
    """
    if not unit:
        return False
    head = unit.split(" в ")[0].split(" за ")[0].split()[-1]
    if unit in TIME_NAMED_LENGTHS:
        return False
    if head in TIME_UNIT_LEMMAS or head == "раз":
        return True
    if head == "балл" and SEISMIC_CONTEXT.search(text, s_start, s_stop):
        return True
    return False
