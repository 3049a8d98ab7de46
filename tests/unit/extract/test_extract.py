"""The Extractor end to end on the seeds, and the gold entity evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.extract.canonical import key
from svodka.records import Article, EnrichedArticle
from svodka.text import split_seed_header
from tests.kit import models
from tests.kit.seeds import REPO, seed_paths

SEEDS = seed_paths()
GOLD = REPO / "tests" / "gold" / "entities.yaml"


def seed_text(path: Path) -> tuple[str | None, str]:
    return split_seed_header(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extractor():
    return models.extractor()


@pytest.fixture(scope="module")
def enriched(extractor):
    return {p.name: extractor.extract_text(seed_text(p)[1], id=p.stem, source=str(p)) for p in SEEDS}


# ----------------------------------------------------------------- structure and offsets


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_mentions_have_valid_offsets(path, enriched):
    text = seed_text(path)[1]
    result = enriched[path.name]
    assert isinstance(result, EnrichedArticle)
    assert result.lang == "ru"
    assert result.length == len(text)
    assert result.mentions, "a news article has entities"
    from razdel import sentenize

    n_sentences = len(list(sentenize(text)))
    for m in result.mentions:
        assert text[m.start:m.stop] == m.text, m
        assert m.type in ("PER", "ORG", "LOC")
        assert m.canonical and m.canonical_id.startswith(m.type.lower() + ":"), m
        assert m.normal
        assert 0 <= m.sentence < n_sentences
    starts = [m.start for m in result.mentions]
    assert starts == sorted(starts)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_figures_have_valid_offsets(path, enriched):
    text = seed_text(path)[1]
    result = enriched[path.name]
    assert result.figures, "every seed reports at least one figure"
    for f in result.figures:
        assert text[f.start:f.stop] == f.text, f


def test_figures_see_canonical_entities(enriched):
    result = enriched[SEEDS[0].name]
    names = {m.canonical for m in result.mentions}
    linked = {e for f in result.figures for e in f.entities}
    assert linked, "figures in the first seed share sentences with entities"
    assert linked <= names


def test_sentence_index_points_at_the_mentions_sentence(extractor):
    text = "Первое предложение о погоде. Лавров прибыл в Пхеньян. Третье предложение."
    result = extractor.extract_text(text)
    by_text = {m.text: m.sentence for m in result.mentions}
    assert by_text["Лавров"] == 1
    assert by_text["Пхеньян"] == 1


def test_extract_copies_article_fields(extractor):
    article = Article(id="a1", source="file:x.txt", text=seed_text(SEEDS[0])[1], title="Лавров в КНДР",
                      published_at="2025-07-12T00:00:00+00:00", date_source="header",
                      ingested_at="2025-07-12T01:00:00+00:00", replay_of="a0")
    result = extractor.extract(article)
    assert (result.id, result.source, result.title, result.published_at, result.date_source,
            result.ingested_at, result.replay_of) == (
        "a1", "file:x.txt", "Лавров в КНДР", "2025-07-12T00:00:00+00:00", "header",
        "2025-07-12T01:00:00+00:00", "a0")
    assert result.extracted_at.endswith("+00:00")
    again = EnrichedArticle.from_json(result.to_json())
    assert again == result


@pytest.mark.parametrize("text, lang", [
    ("Міністр закордонних справ Росії Сергій Лавров прибув до Пхеньяна з триденним візитом, "
     "про це повідомило агентство ЦТАК.", "uk"),
    ("Russian Foreign Minister Sergei Lavrov arrived in Pyongyang for a three-day visit, "
     "the state news agency KCNA said.", "en"),
    ("Der russische Außenminister Sergej Lawrow ist zu einem dreitägigen Besuch in Pjöngjang eingetroffen.",
     "other"),
])
def test_non_russian_text_gets_language_only(extractor, text, lang):
    result = extractor.extract_text(text)
    assert result.lang == lang
    assert result.mentions == [] and result.figures == []
    assert result.length == len(text)


def test_empty_text(extractor):
    result = extractor.extract_text("")
    assert (result.lang, result.length, result.mentions, result.figures) == ("other", 0, [], [])


def test_long_text_is_chunked_with_exact_offsets(extractor):
    paragraph = seed_text(SEEDS[0])[1]
    text = "\n\n".join([paragraph] * 20)  # ~50k characters: several NER chunks
    result = extractor.extract_text(text)
    assert len(text) > 2 * 20_000
    for m in result.mentions:
        assert text[m.start:m.stop] == m.text
    assert sum(1 for m in result.mentions if m.canonical_id == "per:сергей-лавров") >= 20 * 5


# ----------------------------------------------------------------- gold


def test_gold_entities_recall(enriched, capsys):
    yaml = pytest.importorskip("yaml")
    gold = yaml.safe_load(GOLD.read_text(encoding="utf-8"))["seeds"]
    assert set(gold) == {p.name for p in SEEDS}
    tp = fp = fn = 0
    report = []
    for name, entities in gold.items():
        expected = {(e["type"], key(e["canonical"])) for e in entities}
        got = {(m.type, key(m.canonical)) for m in enriched[name].mentions}
        tp += len(expected & got)
        fn += len(expected - got)
        fp += len(got - expected)
        if expected - got:
            report.append(f"{name}: missed {sorted(expected - got)}")
        if got - expected:
            report.append(f"{name}: extra {sorted(got - expected)}")
    recall = tp / (tp + fn)
    precision = tp / (tp + fp) if tp + fp else 0.0
    summary = f"gold canonical entities: recall {recall:.3f}, precision {precision:.3f} ({tp} of {tp + fn})"
    with capsys.disabled():
        print("\n" + summary)
        for line in report:
            print("  " + line)
    assert recall >= 0.9, summary + "\n" + "\n".join(report)
