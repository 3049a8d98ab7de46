"""The dashboard's pure pieces: highlighted segments of a Russian text, and SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from svodka.dashboard.charts import Bar, Estimate, bars, estimates, human_number, nice_max
from svodka.dashboard.highlight import Span, segments

TEXT = "По данным разведки, КНДР отправит 25−30 тысяч северокорейских солдат в Россию."


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_segments_give_back_the_whole_text():
    spans = [Span(*at("КНДР"), "LOC", "Северная Корея"), Span(*at("Россию"), "LOC", "Россия")]
    segs = segments(TEXT, spans)
    assert "".join(s.text for s in segs) == TEXT
    assert [(s.text, s.span.title) for s in segs if s.span] == [("КНДР", "Северная Корея"), ("Россию", "Россия")]


def test_a_figure_wins_over_a_mention_inside_it_and_bad_offsets_are_dropped():
    figure = Span(*at("25−30 тысяч северокорейских солдат"), "figure", "25–30 тыс. солдат")
    inside = Span(*at("северокорейских"), "LOC", "Северная Корея")
    segs = segments(TEXT, [inside, figure, Span(5, 500, "PER"), Span(10, 10, "ORG"), Span(-1, 3, "LOC")])
    marked = [s for s in segs if s.span]
    assert [s.span.kind for s in marked] == ["figure"]
    assert "".join(s.text for s in segs) == TEXT


def test_numbers_read_the_russian_way():
    assert human_number(25000) == "25 тыс."
    assert human_number(1_500_000) == "1,5 млн"
    assert human_number(40) == "40" and human_number(0.25) == "0,25"
    assert [nice_max(v) for v in (0, 7, 23, 30000, 0.3)] == [1.0, 10, 25, 50000, 0.5]


def test_bar_chart_is_svg_with_a_bar_per_bucket():
    svg = bars([Bar("01.07", 3), Bar("02.07", 0), Bar("03.07", 5, href="/x?a=1&b=2")], label="статьи <по> дням")
    root = ET.fromstring(svg)  # well-formed XML: labels and links are escaped
    rects = [e for e in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert len(rects) == 3
    assert "style=" not in svg  # the pages' CSP forbids inline styles


def test_estimates_draw_ranges_as_ranges_and_open_bounds_as_arrows():
    day = lambda d: datetime(2025, 7, d, tzinfo=timezone.utc)  # noqa: E731
    svg = estimates([Estimate(day(1), 25000, 30000, "exact", "25−30 тысяч солдат", "/article/a"),
                     Estimate(day(3), 100, None, "at_least", "не менее 100 ракет"),
                     Estimate(day(5), 4000, 4000, "approx", "около 4 тысяч"),
                     Estimate(day(6), 11000, 11000, "exact", "11 тысяч")])
    root = ET.fromstring(svg)
    groups = {g.get("class") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert groups == {"estimate range", "estimate at_least", "estimate approx", "estimate exact"}
    assert 'href="/article/a"' in svg
    assert ET.fromstring(estimates([])) is not None  # no data: axes only
