"""SVG charts for the dashboard, rendered on the server as strings (no JavaScript, no CDN).

Two kinds, which is all the pages need:
- ``bars``: counts per time bucket (mentions of an entity per day/week/month, articles per day);
- ``estimates``: reported figures over time, one mark per figure: a dot for an exact value, a
  vertical bar with caps for a range («25−30 тысяч»), an open-ended bar with an arrow for
  «не менее» / «до», a hollow dot for «около». Every mark links to its article.

Only SVG presentation attributes are used (no ``style=``), so the pages keep a strict
Content-Security-Policy. Text is escaped; numbers are formatted the Russian way (25 тыс., 1,5 млн).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

__all__ = ["Bar", "Estimate", "bars", "estimates", "human_number", "nice_max"]

FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#555"'


@dataclass(frozen=True)
class Bar:
    label: str  # the bucket, e.g. 2025-07-12
    value: float
    title: str = ""  # hover text
    href: str = ""


@dataclass(frozen=True)
class Estimate:
    at: datetime
    low: float | None
    high: float | None
    qualifier: str  # exact | approx | at_least | at_most
    title: str  # hover text: the figure as written, the outlet
    href: str = ""


def human_number(value: float) -> str:
    """25000 → «25 тыс.», 1500000 → «1,5 млн», 0.4 → «0,4»."""
    v = abs(value)
    for size, word in ((1e9, "млрд"), (1e6, "млн"), (1e3, "тыс.")):
        if v >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{text} {word}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above value (axis tops that read well)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>")


def _y_axis(body: list[str], top: float, left: int, right: int, y0: int, y1: int) -> None:
    for i in range(5):
        value = top * i / 4
        y = y1 - (y1 - y0) * i / 4
        body.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{escape(human_number(value))}</text>')


def bars(data: Sequence[Bar], *, width: int = 1100, height: int = 240, label: str = "") -> str:
    """A bar chart of counts per bucket, buckets in the given order."""
    left, right, top_pad, bottom = 52, width - 10, 12, height - 28
    body: list[str] = []
    top = nice_max(max((b.value for b in data), default=0))
    _y_axis(body, top, left, right, top_pad, bottom)
    if data:
        slot = (right - left) / len(data)
        bar_w = max(1.0, slot * 0.8)
        every = max(1, math.ceil(len(data) / max(1, (right - left) // 70)))
        for i, b in enumerate(data):
            h = (bottom - top_pad) * (b.value / top)
            x = left + i * slot + (slot - bar_w) / 2
            rect = (f'<rect class="bar" x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="#3b6ea8"><title>{escape(b.title or f"{b.label}: {human_number(b.value)}")}</title></rect>')
            body.append(f'<a href="{escape(b.href)}">{rect}</a>' if b.href else rect)
            if i % every == 0:
                body.append(f'<text x="{x + bar_w / 2:.1f}" y="{bottom + 16}" text-anchor="middle" {FONT}>'
                            f'{escape(b.label)}</text>')
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#999"/>')
    return _svg(width, height, body, label or "столбчатая диаграмма")


def estimates(data: Sequence[Estimate], *, width: int = 1100, height: int = 300, label: str = "") -> str:
    """Reported values over time; ranges drawn as ranges, open bounds as arrows."""
    left, right, top_pad, bottom = 60, width - 16, 14, height - 30
    body: list[str] = []
    values = [v for e in data for v in (e.low, e.high) if v is not None]
    top = nice_max(max(values, default=0) * 1.1)
    _y_axis(body, top, left, right, top_pad, bottom)
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#999"/>')
    if not data:
        return _svg(width, height, body, label or "оценки во времени")
    times = [e.at.timestamp() for e in data]
    t0, t1 = min(times), max(times)
    span = (t1 - t0) or 86400.0
    t0, t1 = t0 - span * 0.05, t1 + span * 0.05

    def x_of(t: float) -> float:
        return left + (right - left) * (t - t0) / (t1 - t0)

    def y_of(v: float) -> float:
        return bottom - (bottom - top_pad) * (v / top)

    ticks = 5
    for i in range(ticks + 1):
        t = t0 + (t1 - t0) * i / ticks
        when = datetime.fromtimestamp(t, tz=data[0].at.tzinfo)
        body.append(f'<text x="{x_of(t):.1f}" y="{bottom + 18}" text-anchor="middle" {FONT}>'
                    f'{when:%d.%m.%Y}</text>')
    for e in data:
        x = x_of(e.at.timestamp())
        low, high = e.low, e.high
        marks: list[str] = []
        if low is not None and high is not None and high != low:
            y_lo, y_hi = y_of(low), y_of(high)
            marks += [f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_lo:.1f}" y2="{y_hi:.1f}" stroke="#b5462f" '
                      f'stroke-width="3"/>',
                      f'<line x1="{x - 5:.1f}" x2="{x + 5:.1f}" y1="{y_lo:.1f}" y2="{y_lo:.1f}" stroke="#b5462f" '
                      f'stroke-width="2"/>',
                      f'<line x1="{x - 5:.1f}" x2="{x + 5:.1f}" y1="{y_hi:.1f}" y2="{y_hi:.1f}" stroke="#b5462f" '
                      f'stroke-width="2"/>']
            kind = "range"
        else:
            value = low if low is not None else high
            if value is None:
                continue
            y = y_of(value)
            if e.qualifier in ("at_least", "at_most"):
                # an open bound: a bar from the value towards where the truth may lie, with an arrow head
                direction = -1 if e.qualifier == "at_least" else 1
                end = y + direction * 22
                marks += [f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:.1f}" y2="{end:.1f}" stroke="#7a5aa6" '
                          f'stroke-width="2"/>',
                          f'<path d="M{x - 4:.1f},{end - direction * 6:.1f} L{x:.1f},{end:.1f} '
                          f'L{x + 4:.1f},{end - direction * 6:.1f}" fill="none" stroke="#7a5aa6" stroke-width="2"/>',
                          f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#7a5aa6"/>']
                kind = e.qualifier
            elif e.qualifier == "approx":
                marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="#2f7d4a" '
                             f'stroke-width="2"/>')
                kind = "approx"
            else:
                marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#2f7d4a"/>')
                kind = "exact"
        group = f'<g class="estimate {kind}"><title>{escape(e.title)}</title>{"".join(marks)}</g>'
        body.append(f'<a href="{escape(e.href)}">{group}</a>' if e.href else group)
    return _svg(width, height, body, label or "оценки во времени")
