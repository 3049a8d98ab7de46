"""When two reported figures state the same quantity: units, values and rounding.

A figure is reduced to a ``Quantity``: the unit's head noun (the last word of the unit
lemma phrase, the last part of a hyphenated compound: «специалист-инженер» → «инженер»,
«жилой дом» → «дом»), whether that head counts people («человек», «житель», «пассажир»
are all animate in pymorphy2's dictionary), a value interval and its *shape* (a point or a
range).

``same_value`` is true when one statement can be a rewording of the other:

* a range matches only a range, a point only a point («10–12 тысяч» and «около 11 тысяч»
  are different statements even though 11 lies inside 10–12);
* rounding: each side's precision is the place of its last significant digit (1200 → 100,
  «1,2 тысячи» → 100, «3 тысячи» → 1000, 15,5 → 0.1); values within half the coarser
  precision are equal (3100 and «3 тысячи»), «около» widens that to 5%;
* direction: «более 3000» admits any value from 3000 up to the next rounding step, «до
  15 тысяч» any value up to it, in the same way.

Units convert where the conversion is a definition (a basis point is 0.01 percentage
point); nothing else is converted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

__all__ = ["PEOPLE", "Quantity", "quantity", "same_unit", "same_value"]

PEOPLE = "человек"  # the generic head for counted people
MIN_DISTINCT_VALUE = 10  # below this an equal value says little (два, три, пять …)
_CONVERSIONS = {"базисный пункт": ("процентный пункт", 0.01)}


@dataclass(frozen=True)
class Quantity:
    head: str  # head noun lemma of the unit ("" when nothing is counted)
    unit: str  # the whole unit phrase, after conversion
    low: float
    high: float
    is_range: bool
    qualifier: str  # exact | approx | at_least | at_most
    animate: bool


def quantity(unit: str, low: float | None, high: float | None, qualifier: str) -> Quantity | None:
    """The quantity of a figure, or None when it has no value."""
    if low is None and high is None:
        return None
    lo = float(low if low is not None else high)
    hi = float(high if high is not None else low)
    unit = (unit or "").strip().lower().replace("ё", "е")
    if unit in _CONVERSIONS:
        unit, factor = _CONVERSIONS[unit]
        lo, hi = lo * factor, hi * factor
    head = unit.split()[-1].split("-")[-1] if unit else ""
    return Quantity(head=head, unit=unit, low=lo, high=hi, is_range=hi > lo, qualifier=qualifier or "exact",
                    animate=_animate(head))


@functools.lru_cache(maxsize=50_000)
def _animate(head: str) -> bool:
    if not head:
        return False
    if head == PEOPLE:
        return True
    from svodka.extract.entities import morph  # the shared analyser

    # any noun reading that is animate: «военный», «пожарный» are animate nouns in one
    # of their readings (adjectives in another)
    return any(p.tag.POS == "NOUN" and "anim" in p.tag for p in morph().parse(head))


@functools.lru_cache(maxsize=100_000)
def precision(value: float) -> float:
    """The place of the last significant digit: 1200 → 100, 3000 → 1000, 15.5 → 0.1, 7 → 1."""
    if value == 0:
        return 1.0
    value = abs(value)
    if value != int(value):
        text = f"{value:.6f}".rstrip("0")
        return 10.0 ** -(len(text.split(".")[1]))
    p = 1.0
    n = round(value)
    while n % 10 == 0 and n:
        n //= 10
        p *= 10
    return p


def _tolerance(q: Quantity, value: float) -> float:
    # Only a round number (1200, «3 тысячи») stands for its neighbours; 15 is not 15,5.
    step = precision(value)
    tol = step / 2 if step >= 10 else 0.0
    if q.qualifier == "approx":
        tol = max(tol, 0.05 * abs(value))
    return tol


def _close(a: Quantity, av: float, b: Quantity, bv: float) -> bool:
    tol = max(_tolerance(a, av), _tolerance(b, bv))
    if abs(av - bv) <= tol + 1e-9:
        return True
    # «более 3000» (at_least) admits 3100; «до 15 тысяч» (at_most) admits 14 500
    for x, xv, y, yv in ((a, av, b, bv), (b, bv, a, av)):
        step = precision(xv)
        if x.qualifier == "at_least" and xv <= yv <= xv + step + 1e-9:
            return True
        if x.qualifier == "at_most" and xv - step - 1e-9 <= yv <= xv:
            return True
    return False


def same_value(a: Quantity, b: Quantity) -> bool:
    if a.is_range != b.is_range:
        return False
    if a.is_range:
        return _close(a, a.low, b, b.low) and _close(a, a.high, b, b.high)
    return _close(a, a.low, b, b.low)


def same_unit(a: Quantity, b: Quantity, loose: bool) -> bool:
    """Same head noun. ``loose`` (inside one story) also lets any two people-counting
    units match («850 человек» / «около 850 жителей»), and any two units at all when
    the values are equal and not small: «16 спутников» / «шестнадцать малых аппаратов»,
    «14 афтершоков» / «14 повторных толчков» (outlets name a thing differently, rarely
    two things of one story by the same number)."""
    if a.head == b.head:
        return True
    if not loose:
        return False
    if a.animate and b.animate:
        return True
    return (a.low, a.high) == (b.low, b.high) and a.low >= MIN_DISTINCT_VALUE
