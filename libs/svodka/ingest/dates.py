"""Publication dates: from a dateline in the text, from feed and page metadata.

Pure functions, no I/O. Everything returned is an aware ``datetime`` in UTC and
is written on the wire by ``svodka.timeutil.to_iso`` as ``YYYY-MM-DDTHH:MM:SS+00:00``.

The rules (also in docs/records.md):

* The dateline is the first date found in the *head* of the text (its first
  ``HEAD_CHARS`` characters): «Чт, 19 октября 2023 г., 06.56 по британскому
  летнему времени», «19 октября 2023», «19.10.2023 14:05», «2023-10-19T06:56Z»,
  or «в пятницу, 7 ноября» without a year.
* A date without a time is midnight UTC of that day (like the seed header).
  A time without a zone is Moscow time (UTC+3); a named zone («по московскому
  времени», «МСК», «по британскому летнему времени», «GMT», «UTC+2», …) wins.
* A day and month without a year take the year from context: the year whose
  weekday matches the one written next to the date («в пятницу, 7 ноября»)
  among the years the text mentions; else the latest year the text mentions
  (not after the reference time); else the reference year, or the year before
  if that would put the date in the future.
* Dates before 1990 or more than two days after the reference time are not
  datelines (they are history or plans) and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from svodka.extract.lexicon import (
    MONTH_NUMBERS,
    MONTH_WORD_RE,
    RELATIVE_DAYS,
    WEEKDAY_NUMBERS,
    WEEKDAY_WORD_RE,
    month_number,
)
from svodka.timeutil import UTC, parse_utc, utc_now
MOSCOW = timezone(timedelta(hours=3))
HEAD_CHARS = 1200
MIN_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)

# months and weekdays live in one lexicon shared with the extraction rules
_MONTHS = MONTH_NUMBERS
_MONTH_RE = MONTH_WORD_RE
_WEEKDAYS = WEEKDAY_NUMBERS
_WEEKDAY_RE = WEEKDAY_WORD_RE
_TIME_RE = r"(?:\s*,?\s*(?:в\s+)?(\d{1,2})[:.](\d{2})(?![.\d]))?"
_ZONES = [
    (r"по\s+британскому\s+летнему\s+времени|BST", 1),
    (r"по\s+британскому\s+времени|по\s+лондонскому\s+времени|по\s+гринвичу|GMT|UTC", 0),
    (r"по\s+московскому\s+времени|мск|MSK", 3),
    (r"по\s+центральноевропейскому\s+летнему\s+времени|CEST", 2),
    (r"по\s+центральноевропейскому\s+времени|CET", 1),
    (r"EDT", -4), (r"EST", -5), (r"PDT", -7), (r"PST", -8),
]
_ZONE_RE = re.compile(
    r"\s*\(?\s*(?:(?P<offset>(?:UTC|GMT)\s*(?P<sign>[+\-−])\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?)|"
    + "|".join(f"(?P<z{i}>{pattern})" for i, (pattern, _) in enumerate(_ZONES))
    + r")(?![\w])",
    re.IGNORECASE,
)

_FULL = re.compile(
    rf"(?<![\w.])(?:{_WEEKDAY_RE})?(\d{{1,2}})\s+{_MONTH_RE}\s+(\d{{4}})(?:\s*(?:г\.|года|год|г)(?![\w]))?{_TIME_RE}",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"(?<![\w.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)(?:\s*(?:г\.|года|г)(?![\w]))?"
    r"(?:\s*,?\s*(?:в\s+)?(\d{1,2}):(\d{2}))?",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"(?<![\w.])(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+\-]\d{2}:?\d{2})?)?(?![\d])"
)
_DAY_MONTH = re.compile(
    rf"(?<![\w.])(?:{_WEEKDAY_RE})?(\d{{1,2}})\s+{_MONTH_RE}(?!\w)(?!\s+\d{{4}}){_TIME_RE}",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
# «с 1 января», «до 15 мая», «к 9 мая»: a deadline or a plan, not when the text was written
_NOT_DATELINE_BEFORE = re.compile(r"(?<![\w-])(?:с|со|до|к|ко|по|после|начиная\s+с)\s+$", re.IGNORECASE)
# «вчера, 5 ноября», «вчера (5 ноября)»: the text was written the day after
_RELATIVE_BEFORE = re.compile(r"(?<![\w-])(вчера|позавчера|сегодня)\s*[,(]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Dateline:
    """A date found in the text: when (UTC), the text it was read from, and what fixed it.

    ``kind`` is the article's ``date_source``: "text" for a dateline with its
    year (or a year taken from the text), "weekday" when the weekday written
    next to a day and month chose the year («в пятницу, 7 ноября»),
    "relative" when «вчера»/«позавчера» before a dated day puts publication
    after it («вчера, 5 ноября» → 6 November).
    """

    when: datetime
    matched: str
    start: int
    kind: str = "text"


def from_header(value: str) -> datetime | None:
    """The seed header's ``YYYY-MM-DD`` as midnight UTC, or None if it is not a real date."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_datetime(value: str) -> datetime | None:
    """A date as metadata writes it: ISO 8601 (with or without zone; none = UTC),
    RFC 822 (RSS pubDate), ``DD.MM.YYYY``, or a Russian «19 октября 2023». None if not a date."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    when = parse_utc(value)
    if when is not None:
        return when
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is not None:
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    for pattern in (_NUMERIC, _FULL):
        match = pattern.fullmatch(value) or pattern.match(value)
        if match:
            found = _from_match(pattern, match, value, None)
            if found is not None:
                return found
    return None


def find_dateline(text: str, reference: datetime | None = None, head_chars: int = HEAD_CHARS) -> Dateline | None:
    """The first plausible date in the head of ``text``, or None.

    ``reference`` (default now) is "today" for the year-less dates and the
    future check; it is normally the ingest time. A date after «с», «до», «к»,
    «по», «после» is a deadline or a plan, not a dateline («с 1 января»).
    Without a dateline in the head, a weekday with a day and month anywhere in
    the text («в пятницу, 7 ноября») is used: the weekday fixes the year.
    """
    reference = reference or utc_now()
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    found = _first_date(text, text[:head_chars], reference, weekday_only=False)
    if found is None and len(text) > head_chars:
        found = _first_date(text, text, reference, weekday_only=True)
    return found


def _first_date(text: str, head: str, reference: datetime, weekday_only: bool) -> Dateline | None:
    candidates: list[tuple[int, re.Pattern, re.Match]] = []
    for pattern in ((_DAY_MONTH,) if weekday_only else (_FULL, _NUMERIC, _ISO, _DAY_MONTH)):
        for match in pattern.finditer(head):
            candidates.append((match.start(), pattern, match))
    candidates.sort(key=lambda c: c[0])
    for start, pattern, match in candidates:
        if _NOT_DATELINE_BEFORE.search(head, max(0, start - 20), start):
            continue
        weekday = pattern is _DAY_MONTH and bool(match.group(1))
        if weekday_only and not weekday:
            continue
        when = _from_match(pattern, match, head, reference, full_text=text)
        if when is None:
            continue
        kind = "weekday" if weekday else "text"
        rel = _RELATIVE_BEFORE.search(head, max(0, start - 20), start)
        if rel and pattern is _DAY_MONTH:
            when += timedelta(days=RELATIVE_DAYS[rel.group(1).lower()])
            kind = "relative"
        if when.year < MIN_YEAR or when > reference + FUTURE_SLACK:
            continue
        return Dateline(when=when, matched=match.group(0).strip(), start=start, kind=kind)
    return None


# -- internals -------------------------------------------------------------------------


def _month(word: str) -> int | None:
    return month_number(word)


def _zone_after(text: str, end: int) -> timezone:
    match = _ZONE_RE.match(text, end)
    if not match:
        return MOSCOW
    if match.group("offset"):
        sign = -1 if match.group("sign") in "-−" else 1
        minutes = int(match.group("hh")) * 60 + int(match.group("mm") or 0)
        return timezone(sign * timedelta(minutes=minutes))
    for i, (_, hours) in enumerate(_ZONES):
        if match.group(f"z{i}"):
            return timezone(timedelta(hours=hours))
    return MOSCOW


def _build(year: int, month: int, day: int, hour: str | None, minute: str | None,
           text: str, end: int) -> datetime | None:
    try:
        if hour is None:
            return datetime(year, month, day, tzinfo=UTC)
        h, m = int(hour), int(minute)
        if h > 23 or m > 59:
            return datetime(year, month, day, tzinfo=UTC)
        local = datetime(year, month, day, h, m, tzinfo=_zone_after(text, end))
        return local.astimezone(UTC)
    except ValueError:
        return None


def _from_match(pattern: re.Pattern, match: re.Match, text: str, reference: datetime | None,
                full_text: str | None = None) -> datetime | None:
    if pattern is _FULL:
        _weekday, day, month_word, year, hour, minute = match.groups()
        month = _month(month_word)
        if month is None:
            return None
        return _build(int(year), month, int(day), hour, minute, text, match.end())
    if pattern is _NUMERIC:
        day, month, year, hour, minute = match.groups()
        return _build(int(year), int(month), int(day), hour, minute, text, match.end())
    if pattern is _ISO:
        year, month, day, hour, minute, second, zone = match.groups()
        try:
            if hour is None:
                return datetime(int(year), int(month), int(day), tzinfo=UTC)
            tz = UTC
            if zone and zone != "Z":
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                            tzinfo=tz).astimezone(UTC)
        except ValueError:
            return None
    if pattern is _DAY_MONTH:
        if reference is None:
            return None
        weekday_word, day, month_word, hour, minute = match.groups()
        month = _month(month_word)
        if month is None:
            return None
        weekday = _WEEKDAYS.get(weekday_word.lower()) if weekday_word else None
        year = infer_year(int(day), month, weekday, full_text or text, reference)
        if year is None:
            return None
        return _build(year, month, int(day), hour, minute, text, match.end())
    return None


def infer_year(day: int, month: int, weekday: int | None, text: str, reference: datetime) -> int | None:
    """The year of «7 ноября» in ``text`` written before ``reference`` (see the module doc)."""
    ref_year = reference.year

    def valid(year: int) -> bool:
        try:
            when = datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            return False
        return when <= reference + FUTURE_SLACK

    mentioned = sorted({int(y) for y in _YEAR.findall(text) if MIN_YEAR <= int(y) <= ref_year}, reverse=True)
    if weekday is not None:
        for year in mentioned + list(range(ref_year, ref_year - 11, -1)):
            if valid(year) and date(year, month, day).weekday() == weekday:
                return year
    for year in mentioned:
        if valid(year):
            return year
    for year in (ref_year, ref_year - 1):
        if valid(year):
            return year
    return None
