"""Replay pacing and --loop copies (pure logic; the broker side is in tests/integration)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from svodka import text as textlib
from svodka.timeutil import to_iso
from svodka.records import Article
from svodka.ingest.replay import Pacer, copy_dict, make_copy, replay_order, replay_time, with_copies

UTC = timezone.utc
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def art(n: int, published: datetime | None) -> Article:
    return Article(id=f"a{n}", source=f"s{n}", text=f"текст {n}",
                   published_at=to_iso(published or T0), date_source="text" if published else "ingest")


def test_default_is_all_at_once():
    pacer = Pacer()
    assert not pacer.paced
    assert [pacer.due(T0 + timedelta(days=i)) for i in range(5)] == [0.0] * 5


def test_rate():
    pacer = Pacer(rate=50)
    dues = [pacer.due() for _ in range(200)]
    assert dues[0] == 0.0
    assert dues[1] == pytest.approx(0.02)
    assert dues[-1] == pytest.approx(199 / 50)


def test_speedup_divides_gaps():
    pacer = Pacer(speedup=1000)
    times = [T0, T0 + timedelta(seconds=500), T0 + timedelta(seconds=1500), T0 + timedelta(seconds=1500)]
    assert [pacer.due(t) for t in times] == pytest.approx([0.0, 0.5, 1.5, 1.5])


def test_speedup_1e6_over_the_seed_dates_takes_about_a_minute_without_max_gap():
    # 2023-10-19 → 2025-11-07 is 750 days: 65 s at 1e6. --max-gap bounds it.
    dates = [datetime(2023, 10, 19, 5, 56, tzinfo=UTC), datetime(2025, 7, 12, tzinfo=UTC),
             datetime(2025, 10, 28, tzinfo=UTC), datetime(2025, 11, 7, tzinfo=UTC)]
    pacer = Pacer(speedup=1e6)
    last = [pacer.due(d) for d in dates][-1]
    assert last == pytest.approx((dates[-1] - dates[0]).total_seconds() / 1e6)
    assert 60 < last < 70
    capped = Pacer(speedup=1e6, max_gap=0.3)
    assert [capped.due(d) for d in dates] == pytest.approx([0.0, 0.3, 0.6, 0.9])


def test_speedup_undated_and_out_of_order_do_not_wait():
    pacer = Pacer(speedup=10)
    assert pacer.due(T0) == 0.0
    assert pacer.due(None) == 0.0
    assert pacer.due(T0 - timedelta(seconds=100)) == 0.0  # earlier than the last: no wait, no rewind
    assert pacer.due(T0 + timedelta(seconds=20)) == pytest.approx(2.0)


def test_rate_is_a_ceiling_on_speedup():
    pacer = Pacer(rate=2, speedup=1)
    dues = [pacer.due(T0), pacer.due(T0), pacer.due(T0 + timedelta(seconds=5)), pacer.due(T0 + timedelta(seconds=5))]
    assert dues == pytest.approx([0.0, 0.5, 5.0, 5.5])


@pytest.mark.parametrize("kwargs", [{"rate": 0}, {"rate": -1}, {"speedup": 0}, {"max_gap": -1}])
def test_invalid(kwargs):
    with pytest.raises(ValueError):
        Pacer(**kwargs)


def test_replay_order_by_date_with_undated_last_in_input_order():
    items = [art(0, None), art(1, T0 + timedelta(days=3)), art(2, T0), art(3, None), art(4, T0 + timedelta(days=1))]
    assert [a.id for a in replay_order(items)] == ["a2", "a4", "a1", "a0", "a3"]
    assert replay_time(items[0]) is None
    assert replay_time(items[2]) == T0


def test_copies():
    original = art(1, T0)
    copies = list(with_copies(original, 3))
    assert [c.id for c in copies] == ["a1", "a1-1", "a1-2", "a1-3"]
    assert [c.copy for c in copies] == [0, 1, 2, 3]
    assert [c.replay_of for c in copies] == [None, "a1", "a1", "a1"]
    assert copies[2].id == textlib.copy_id("a1", 2)
    assert all(c.text == original.text and c.content_sha256 == original.content_sha256 for c in copies)
    assert list(with_copies(original, 0)) == [original]
    with pytest.raises(ValueError):
        make_copy(original, 0)


def test_copy_dict_is_the_copy_record():
    original = art(7, T0)
    original.extra = {"k": [1, 2]}
    for k in (1, 5):
        assert copy_dict(original.to_dict(), k) == make_copy(original, k).to_dict()
    assert Article.from_dict(copy_dict(original.to_dict(), 2)) == make_copy(original, 2)
