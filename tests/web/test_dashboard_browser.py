"""The dashboard in a real browser (headless Debian Chromium) against a stack with the seeds stored.

Every page is loaded after signing in with the URL ``svodka up`` prints; each must render its
content (entity names, an SVG chart, highlighted spans, links that lead somewhere), raise no
console error, exception, failed resource or CSP violation, and is saved as a screenshot under
build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from tests.kit.browser import Browser
from tests.kit.http import SCREENSHOTS, http

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLE = "163bedc628a4e0f83010"  # seeds/002: Lavrov's visit to North Korea, 2023


@pytest.fixture(scope="module")
def browser(seeded):
    b = Browser()
    b.open(seeded.login)
    assert b.eval("location.pathname") == "/", "signing in did not land on the overview"
    assert b.take_errors() == []
    yield b
    b.close()


def visit(browser: Browser, seeded, path: str, shot: str) -> None:
    browser.open(seeded.dashboard + path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(SCREENSHOTS / f"{shot}.png")
    errors = browser.take_errors()
    assert errors == [], f"{path}: {errors}"
    assert browser.eval("document.documentElement.lang") == "ru"


def texts(browser: Browser, selector: str) -> list[str]:
    return browser.eval(f"Array.from(document.querySelectorAll({selector!r})).map(e => e.textContent.trim())")


def test_overview_shows_counts_top_entities_and_a_chart(browser, seeded):
    visit(browser, seeded, "/", "overview")
    cards = texts(browser, ".card b")
    assert cards[0] == "5"  # articles
    top = texts(browser, "table.list a.ent")
    assert "Северная Корея" in top or "Пхеньян" in top, top
    assert browser.eval("document.querySelectorAll('svg.chart rect.bar').length") > 3
    assert len(texts(browser, "ul.articles:not(.stories) li")) == 5
    assert texts(browser, "ul.articles.stories li")  # the stories stage runs in the stack: every article has one
    assert "Последняя запись" in browser.eval("document.querySelector('.fresh').textContent")


def test_entity_page_resolves_an_alias(browser, seeded):
    visit(browser, seeded, "/entity/" + quote("КНДР"), "entity")
    assert browser.eval("decodeURIComponent(location.pathname)") == "/entity/loc:северная-корея"
    assert browser.eval("document.querySelector('h1 .ent').textContent") == "Северная Корея"
    assert browser.eval("document.querySelectorAll('svg.chart rect.bar').length") > 0
    co = texts(browser, "section table.list a.ent")
    assert "Сергей Лавров" in co and "Россия" in co
    assert any("тысяч" in t for t in texts(browser, "section table.list td a")), "no figures near the entity"
    for by in ("week", "month"):
        visit(browser, seeded, f"/entity/{quote('КНДР')}?by={by}", f"entity-{by}")
        assert browser.eval("document.querySelector('.tabs a.on').getAttribute('href')") == f"?by={by}"


def test_figures_explorer_filters_and_draws_ranges(browser, seeded):
    visit(browser, seeded, "/figures?unit=" + quote("солдат"), "figures-soldiers")
    assert browser.eval("document.querySelectorAll('svg.chart g.estimate.range').length") >= 1  # «25−30 тысяч»
    links = browser.eval("Array.from(document.querySelectorAll('svg.chart a')).map(a => a.getAttribute('href'))")
    assert links and all(h.startswith("/article/") for h in links)
    rows = texts(browser, "table.list tbody tr")
    assert rows and all("солдат" in r for r in rows)
    visit(browser, seeded, "/figures?entity=" + quote("КНДР") + "&qualifier=approx", "figures-filtered")
    values = texts(browser, "table.list tbody td:nth-child(5)")
    assert values and set(values) == {"около"}
    visit(browser, seeded, "/figures", "figures")
    assert browser.eval("document.querySelectorAll('svg.chart g.estimate').length") > 0


def test_article_page_highlights_entities_and_figures(browser, seeded):
    visit(browser, seeded, f"/article/{ARTICLE}", "article")
    people = browser.eval("Array.from(document.querySelectorAll('article a.hl.PER')).map(a => [a.textContent, a.title])")
    assert ["Лаврова", "Сергей Лавров (персона)"] in people or any(t.startswith("Сергей Лавров") for _, t in people)
    kndr = browser.eval("Array.from(document.querySelectorAll('article a.hl.LOC')).filter(a => a.textContent == 'КНДР')"
                        ".map(a => a.title)")
    assert kndr and kndr[0].startswith("Северная Корея"), kndr  # canonical name on hover
    figures = texts(browser, "article mark.hl.figure")
    assert "более 1000 контейнеров" in figures
    # the text is the stored text, whole: highlighting dropped nothing
    length = browser.eval("document.querySelector('article.text').textContent.replace(/\\s+/g, '').length")
    assert length > 3000


def test_entities_list_and_search(browser, seeded):
    visit(browser, seeded, "/entities?q=" + quote("лавр"), "entities-search")
    assert "Сергей Лавров" in texts(browser, "table.list a.ent")
    visit(browser, seeded, "/entities?period=all", "entities")
    assert len(texts(browser, "table.list a.ent")) > 50
    visit(browser, seeded, "/entities", "entities-30-days")  # the newest 30 days: the one recent seed
    assert 0 < len(texts(browser, "table.list a.ent")) < 60


def test_stories_list_and_a_story_page(browser, seeded):
    visit(browser, seeded, "/stories", "stories")  # stories of two or more articles: the five seeds are five events
    assert "Сюжеты" in browser.eval("document.querySelector('h1').textContent")
    visit(browser, seeded, "/stories?all=1", "stories-all")
    links = browser.eval("Array.from(document.querySelectorAll('table.list tbody td a[href^=\"/story/\"]'))"
                         ".map(a => a.getAttribute('href'))")
    assert len(links) == 5, links
    visit(browser, seeded, links[0], "story")
    assert texts(browser, "table.list tbody td a[href^='/article/']")  # its articles in time order


def test_sql_box_runs_read_only_sql_and_refuses_writes(browser, seeded):
    visit(browser, seeded, "/sql", "sql")
    browser.eval("document.querySelector('textarea').value = "
                 "'SELECT canonical, count() AS n FROM mentions GROUP BY canonical ORDER BY n DESC LIMIT 3';"
                 "document.querySelector('form.sqlbox').submit()")
    deadline = time.time() + 10
    while time.time() < deadline and not browser.eval("document.querySelector('table.result') !== null"):
        time.sleep(0.1)
    assert texts(browser, "table.result th") == ["canonical", "n"]
    assert texts(browser, "table.result td")[0] == "Северная Корея"
    browser.screenshot(SCREENSHOTS / "sql-result.png")
    browser.eval("document.querySelector('textarea').value = 'DROP TABLE articles';"
                 "document.querySelector('form.sqlbox').submit()")
    deadline = time.time() + 10
    while time.time() < deadline and not browser.eval("document.querySelector('p.error') !== null"):
        time.sleep(0.1)
    assert "отклонён" in browser.eval("document.querySelector('p.error').textContent")
    browser.take_errors()  # the refused POST answers 400, which the browser logs; that is the point


def test_every_page_answers_within_300_ms_on_the_seeds(seeded):
    status, headers, _ = http(seeded.login)
    cookie = headers["Set-Cookie"].split(";")[0]
    pages = ["/", "/entities", "/entity/loc:" + quote("северная-корея") + "?by=week", "/entity/loc:" + quote("северная-корея"),
             "/figures", "/figures?unit=" + quote("солдат"), f"/article/{ARTICLE}", "/sql"]
    timings = {}
    for path in pages:
        http(seeded.dashboard + path, headers={"Cookie": cookie})  # warm the page's queries once
        # best of 5: the machine is shared (2 cores), the best run is the page's own cost
        best = min(http(seeded.dashboard + path, headers={"Cookie": cookie})[1]["_elapsed_ms"] for _ in range(5))
        timings[path] = round(best)
    print("page timings (ms, best of 5):", timings)
    slow = {p: t for p, t in timings.items() if t > 300}
    assert not slow, slow
