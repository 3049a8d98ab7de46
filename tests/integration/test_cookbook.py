"""Every query of docs/sql.md, and every report, against the seeds' results.

The store is filled in-process with the same code the services run: the Extractor on the
seeds and the sink's Writer (plus one reprint and one dead letter), without Kafka — the
Kafka path is covered by tests/e2e.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from svodka.store import connect
from svodka.store.query import readonly_client, run_query
from svodka.store.schema import migrate
from svodka.store.writer import Batch, Writer
from svodka.records import DeadLetter, Duplicate
from svodka_services.cli.extract_output import articles_from_paths
from svodka_services.cli.main import main as svodka_main
from tests.kit import models
from tests.kit.seeds import REPO, SEEDS_DIR as SEEDS


def cookbook() -> list[tuple[str, str]]:
    text = (REPO / "docs" / "sql.md").read_text(encoding="utf-8")
    return re.findall(r"^## (.+?)\n.*?```sql\n(.*?)```", text, flags=re.S | re.M)


@pytest.fixture(scope="module")
def store(chdb_url):
    client = connect(chdb_url, create_database=True)  # the default database, as the CLI uses
    migrate(client)
    extractor = models.extractor()
    articles = [a for a in articles_from_paths([str(SEEDS)]) if not isinstance(a, str)]
    enriched = [extractor.extract(a) for a in articles]
    assign_stories(enriched)
    by_name = {Path(a.source).name: e for a, e in zip(articles, enriched)}
    original = by_name["000_cd478b14cef4147d.txt"]
    Writer(client).write(Batch(
        articles=enriched,
        duplicates=[Duplicate(id="reprint-1", dup_of=original.id, similarity=0.91, method="near",
                              source="https://example.org/reprint", title="Лавров в КНДР",
                              published_at="2025-07-13T00:00:00+00:00")],
        dead_letters=[DeadLetter(id="bad-1", stage="producer", source="inbox/empty.txt", reason="empty file")]))
    return readonly_client(chdb_url)


def assign_stories(enriched) -> None:
    """Story and claim ids as the stories stage gives them (its pure core, in time order)."""
    from svodka.stories import LocalAssigner

    assigner = LocalAssigner()
    for article in sorted(enriched, key=lambda a: (a.published_at or "", a.id)):
        result = assigner.assign(article)
        article.story_id, article.story_score = result.story_id, result.score
        for figure, claim in zip(article.figures, result.claims):
            figure.claim_id, figure.revises = claim.claim_id, claim.revises


def run(store, sql: str) -> list[dict]:
    result = run_query(store, sql, timeout_s=30, embedded=True)
    return [dict(zip(result.columns, row)) for row in result.rows]


def test_cookbook_has_enough_queries():
    assert len(cookbook()) >= 8


@pytest.mark.parametrize("title,sql", cookbook(), ids=[t.split(".")[0] for t, _ in cookbook()])
def test_cookbook_query(store, title, sql):
    rows = run(store, sql)
    assert rows, f"query «{title}» returned nothing on the seeds"
    number = int(title.split(".")[0])
    if number == 1:
        weeks = {r["week"] for r in rows}
        assert all(sum(r["week"] == w for r in rows) <= 5 for w in weeks)
        assert all(any(r["week"] == w and r["entity"] == "Северная Корея" for r in rows) for w in weeks)
    if number == 2:
        people = {r["person"] for r in rows}
        assert {"Сергей Лавров", "Ким Чен Ын", "Владимир Путин"} <= people
    if number == 3:
        values = {(r["min_value"], r["max_value"]) for r in rows}
        assert any(lo <= 2000 and hi >= 30000 for lo, hi in values) or len(rows) >= 2, rows
        assert sum(r["figures"] for r in rows) >= 4
    if number == 4:
        assert rows[0]["reprints"] == 1 and rows[0]["reprinted_as"] == ["https://example.org/reprint"]
    if number == 5:
        assert sum(r["mentions"] for r in rows) == run(
            store, "SELECT count() AS n FROM mentions WHERE canonical = 'Северная Корея'")[0]["n"]
    if number == 6:
        assert any(r["reported_by"] == "украинская разведка" for r in rows)
    if number == 8:
        assert sum(r["ranges"] for r in rows) >= 1  # «25−30 тысяч солдат»
    if number == 9:
        assert sum(r["figures"] for r in rows) == run(store, "SELECT count() AS n FROM figures")[0]["n"]
    if number == 10:
        assert rows[0]["stage"] == "producer"
    if number == 12:  # the seeds are five outlets' reports of one visit, plus a reprint
        assert rows[0]["articles"] >= 2 and rows[0]["outlets"] >= 2
        assert sum(r["articles"] for r in rows) == 6
    if number == 13:
        assert all(r["articles"] >= 1 and r["first_outlet"] for r in rows)
    if number == 14:
        assert any("25−30 тысяч солдат" in r["text"] for r in rows)
    if number == 15:
        assert "reprint" in {r["kind"] for r in rows} or len(rows) >= 2


def test_aggregates_match_base_tables(store):
    assert run(store, "SELECT sum(mentions) AS n FROM mentions_per_day") == run(
        store, "SELECT count() AS n FROM mentions")
    per_day = run(store, "SELECT sum(articles) AS n FROM mentions_per_day WHERE canonical = 'Сергей Лавров'")
    distinct = run(store, "SELECT uniqExact(article_id, toDate(published_at)) AS n FROM mentions "
                          "WHERE canonical = 'Сергей Лавров'")
    assert per_day == distinct


@pytest.fixture
def cli(chdb_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SVODKA_CLICKHOUSE_URL", chdb_url)
    monkeypatch.setenv("SVODKA_HOME", str(tmp_path / "home"))  # no stack running there

    def call(*args: str) -> str:
        capsys.readouterr()
        code = svodka_main(list(args))
        out = capsys.readouterr()
        assert code == 0, out.err
        return out.out

    return call


def test_reports(store, cli, tmp_path):
    top = cli("report", "top-entities", "--limit", "5")
    assert "Северная Корея" in top
    assert "Сергей Лавров" in cli("report", "top-entities", "--type", "PER", "--limit", "3")
    # Any spelling of the entity resolves to the same canonical entity.
    assert cli("report", "timeline", "КНДР", "--format", "csv") == cli("report", "timeline", "Северная Корея",
                                                                      "--format", "csv")
    weekly = cli("report", "timeline", "Лаврова", "--by", "week", "--png", str(tmp_path / "t.png"))
    assert "mentions" in weekly and (tmp_path / "t.png").stat().st_size > 5000
    figures = cli("report", "figures", "--unit", "солдат", "--format", "json", "--png", str(tmp_path / "f.png"))
    assert "25−30 тысяч солдат" in figures and (tmp_path / "f.png").stat().st_size > 5000
    assert "Сергей Лавров" in cli("report", "co-mentions", "Ким Чен Ын")
    assert "баллистическая ракета" in cli("report", "figures", "--entity", "КНДР", "--format", "csv")
    summary = cli("report", "summary")
    assert "Top entities" in summary and "Figures found" in summary


def test_story_and_claim_reports(store, cli, tmp_path):
    import json

    stories = [json.loads(line) for line in cli("report", "stories", "--format", "json").splitlines()]
    assert stories and stories[0]["articles"] >= 2
    assert cli("report", "stories", "--entity", "КНДР", "--format", "csv") == cli(
        "report", "stories", "--entity", "Северная Корея", "--format", "csv")
    assert cli("report", "stories", "--since", "2100-01-01", "--format", "json").strip() == ""
    one = cli("report", "story", stories[0]["id"])
    assert "Articles in time order" in one and "Claims" in one and stories[0]["title"][:20] in one
    claims = cli("report", "claims", "--unit", "солдат", "--png", str(tmp_path / "c.png"))
    assert "25−30 тысяч солдат" in claims and (tmp_path / "c.png").stat().st_size > 5000
    assert "id" in cli("report", "claims", "--entity", "КНДР", "--format", "csv").splitlines()[0]
