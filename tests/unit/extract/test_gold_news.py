"""The issue 13 floors on the hand-annotated news gold (tests/gold/news, docs/figures.md),
scored by bench/bench_quality.py's own code so the test and the benchmark cannot disagree."""

from __future__ import annotations

import importlib.util

import pytest

from tests.kit import models
from tests.kit.seeds import REPO


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("bench_quality", REPO / "bench" / "bench_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores(quality):
    extractor = models.extractor()
    return quality.run_news(extractor, quality.NEWS_GOLD), quality.run_seeds(extractor)


def test_the_news_gold_has_sixty_texts_over_eight_topics(quality):
    texts = quality.load_news(quality.NEWS_GOLD)
    assert len(texts) >= 60 and len({t["topic"] for t in texts}) >= 8


def test_figures_on_the_news_gold_meet_the_issue_13_floors(scores):
    news, _ = scores
    s = news.summary()
    report = "\n".join(news.notes)
    assert s["precision"] >= 0.95 and s["recall"] >= 0.95, (s, report)
    assert s["unit"] >= 0.92 and s["action"] >= 0.85, (s, report)


def test_entities_and_dates_on_the_news_gold_meet_the_floors(scores):
    news, _ = scores
    s = news.summary()
    assert s["entity_recall"] >= 0.95, (s, "\n".join(news.notes))
    assert s["date"] >= 0.95 and s["date_source"] >= 0.95, (s, "\n".join(news.notes))


def test_the_seeds_gold_does_not_regress(scores):
    _, seeds = scores
    s = seeds.summary()
    assert s["precision"] >= 0.95 and s["recall"] >= 0.95 and s["entity_recall"] >= 0.95, (s, "\n".join(seeds.notes))
