"""An article's text cut into plain and highlighted segments, for the article page.

Mentions and figures arrive as character offsets into the stored text (``start``/``stop``).
They can overlap (a figure «25−30 тысяч северокорейских солдат» may contain a mention), and
HTML cannot show crossing spans, so the segments are flat: figures win over mentions they
overlap (the figure is the rarer, richer fact), then earlier spans over later ones.
Offsets outside the text, or empty, are dropped rather than trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Span", "Segment", "segments"]

# Lower wins when spans overlap.
PRIORITY = {"figure": 0, "PER": 1, "ORG": 1, "LOC": 1}


@dataclass(frozen=True)
class Span:
    start: int
    stop: int
    kind: str  # figure | PER | ORG | LOC
    title: str = ""  # shown on hover: the canonical name, or the figure's reading
    href: str = ""


@dataclass(frozen=True)
class Segment:
    text: str
    span: Span | None = None  # None: plain text


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """The text as consecutive segments; joined, they give back ``text`` exactly."""
    n = len(text)
    valid = [s for s in spans if 0 <= s.start < s.stop <= n]
    valid.sort(key=lambda s: (PRIORITY.get(s.kind, 2), s.start, -(s.stop - s.start)))
    taken: list[Span] = []
    for span in valid:
        if all(span.stop <= t.start or span.start >= t.stop for t in taken):
            taken.append(span)
    taken.sort(key=lambda s: s.start)
    out: list[Segment] = []
    pos = 0
    for span in taken:
        if span.start > pos:
            out.append(Segment(text[pos:span.start]))
        out.append(Segment(text[span.start:span.stop], span))
        pos = span.stop
    if pos < n:
        out.append(Segment(text[pos:]))
    return out
