"""URLs: pages, feeds, charsets, retries and timeouts, against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

import pytest

from svodka.ingest import sources
from svodka import text as textlib
from svodka.runtime.localkafka import free_port
from svodka.records import Article
from svodka.ingest.sources import BadInput
from svodka.ingest.feeds import parse_feed
from svodka.ingest.html import extract_page, html_charset
from svodka.ingest.web import WebOptions, read_urls
from tests.kit.web import serving

@pytest.fixture
def web():
    with serving() as server:
        yield server


FAST = WebOptions(timeout=2.0, retries=2, backoff=0.05, concurrency=4)
HTML = {"Content-Type": "text/html; charset=utf-8"}

PAGE = """<!doctype html><html><head>
<title>Лавров в Пхеньяне — Новости</title>
<meta property="og:title" content="Лавров приехал в Пхеньян">
<meta property="article:published_time" content="2025-07-12T10:30:00+03:00">
<link rel="canonical" href="https://news.example/lavrov">
<style>p { color: red }</style><script>var p = "<p>не текст</p>";</script>
</head><body>
<header><nav><p>Главная | Политика | Экономика | Спорт | Культура | Все рубрики сайта</p></nav></header>
<article><h1>Лавров приехал в Пхеньян</h1>
<p>Глава МИД РФ Сергей Лавров 11 июля приехал в Северную Корею с трехдневным визитом.</p>
<p>Он встретился с Ким Чен Ыном &laquo;в теплой обстановке&raquo;.<br>Переговоры продлятся два дня.
<aside><p>Читайте также: очень длинный рекламный блок про что-то совсем другое и не относящееся к делу</p></aside>
<p>Фото встречи опубликовал МИД.</p></article>
<footer><p>© 2025 Новости. Все права защищены. Перепечатка запрещена без письменного разрешения.</p></footer>
</body></html>"""


# -- HTML reduction (no network) ----------------------------------------------------------


def test_extract_page_takes_the_article_and_drops_furniture():
    page = extract_page(PAGE)
    assert page.title == "Лавров приехал в Пхеньян"  # og:title over <title>
    assert page.text == ("Глава МИД РФ Сергей Лавров 11 июля приехал в Северную Корею с трехдневным визитом.\n"
                         "Он встретился с Ким Чен Ыном «в теплой обстановке».\nПереговоры продлятся два дня.\n"
                         "Фото встречи опубликовал МИД.")
    assert page.published.isoformat() == "2025-07-12T07:30:00+00:00"
    assert page.canonical_url == "https://news.example/lavrov"


def test_extract_page_without_article_takes_the_largest_paragraph_block():
    html = """<html><head><title> Заголовок
    страницы </title></head><body>
    <div class="sidebar"><p>Короткая ссылка</p><p>Еще одна</p></div>
    <div class="content"><p>Первый абзац новости, довольно длинный, чтобы победить.</p>
    <p>Второй абзац новости с подробностями.</p><time datetime="2024-02-03T04:05:06Z">3 февраля</time></div>
    <footer><p>Очень длинный подвал сайта, который мог бы победить по длине, если бы его не выбросили целиком.</p></footer>
    </body></html>"""
    page = extract_page(html)
    assert page.title == "Заголовок страницы"
    assert page.text == "Первый абзац новости, довольно длинный, чтобы победить.\nВторой абзац новости с подробностями."
    assert page.published.isoformat() == "2024-02-03T04:05:06+00:00"


def test_extract_page_fallbacks():
    page = extract_page("<html><body><h1>Только заголовок</h1><div>Текст в div<br>и строка</div>"
                        "<script>x()</script></body></html>")
    assert page.title == "Только заголовок"
    assert page.text == "Только заголовок\nТекст в div\nи строка"
    page = extract_page('<html><head><meta name="description" content="Описание страницы"></head><body>'
                        "<nav>меню</nav></body></html>")
    assert page.text == "Описание страницы"
    assert extract_page("<p>broken <b>markup</p></i><p>second").text == "broken markup\nsecond"


def test_html_charset():
    assert html_charset(b'<html><head><meta charset="windows-1251">') == "windows-1251"
    assert html_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">') == "koi8-r"
    assert html_charset(b"<html><body>") is None


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Лента</title>
<item><title>Первая</title><link>{link1}</link><guid>g1</guid>
  <pubDate>Thu, 19 Oct 2023 06:56:00 +0100</pubDate><description>Анонс первой</description></item>
<item><title>Вторая</title><link>{link2}</link><pubDate>Fri, 20 Oct 2023 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;Полный текст &lt;b&gt;второй&lt;/b&gt; новости из ленты.&lt;/p&gt;</description></item>
<item><title>Третья</title><content:encoded><![CDATA[<p>Текст третьей</p><p>в два абзаца</p>]]></content:encoded>
  <pubDate>Sat, 21 Oct 2023 00:00:00 +0000</pubDate></item>
<item><title>Пустая</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Атом</title>
<entry><title>Запись один</title><link rel="alternate" href="{link}"/><id>urn:1</id>
  <published>2024-01-02T03:04:05+03:00</published><updated>2024-01-03T00:00:00Z</updated>
  <summary>Кратко</summary></entry>
<entry><title type="html">Запись &lt;i&gt;два&lt;/i&gt;</title><id>urn:2</id><updated>2024-01-04T00:00:00Z</updated>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Содержимое второй записи.</p></div></content></entry>
</feed>"""

RDF = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x/"><title>RDF</title></channel>
<item rdf:about="http://x/1"><title>Раз</title><description>Текст раз</description><dc:date>2022-05-06</dc:date></item>
</rdf:RDF>"""


def test_parse_feeds():
    items = parse_feed(RSS.format(link1="http://a/1", link2="http://a/2"))
    assert [i.title for i in items] == ["Первая", "Вторая", "Третья", "Пустая"]
    assert items[0].published.isoformat() == "2023-10-19T05:56:00+00:00"
    assert items[1].content == "Полный текст второй новости из ленты."
    assert items[2].content == "Текст третьей\nв два абзаца" and items[2].link == ""
    atom = parse_feed(ATOM.format(link="http://b/1"))
    assert [(i.title, i.link, i.guid) for i in atom] == [("Запись один", "http://b/1", "urn:1"),
                                                         ("Запись два", "", "urn:2")]
    assert atom[0].published.isoformat() == "2024-01-02T00:04:05+00:00"  # published wins over updated
    assert atom[1].published.isoformat() == "2024-01-04T00:00:00+00:00"
    assert atom[1].content == "Содержимое второй записи."
    [rdf] = parse_feed(RDF)
    assert (rdf.link, rdf.content, rdf.published.isoformat()) == ("http://x/1", "Текст раз", "2022-05-06T00:00:00+00:00")
    assert parse_feed("<html><body>no</body></html>") is None
    assert parse_feed("not xml at all <") is None


# -- fetching ------------------------------------------------------------------------------------


def fetch(urls: list[str], options: WebOptions = FAST) -> list[list[Article | BadInput]]:
    return asyncio.run(read_urls(urls, options))


def test_page(web):
    web.routes["/lavrov"] = (200, HTML, PAGE.encode("utf-8"))
    [[article]] = fetch([web.url("/lavrov")])
    url = web.url("/lavrov")
    assert isinstance(article, Article)
    assert article.id == textlib.article_id(url, article.text)
    assert (article.source, article.url, article.title) == (url, url, "Лавров приехал в Пхеньян")
    assert (article.published_at, article.date_source) == ("2025-07-12T07:30:00+00:00", "header")
    assert article.encoding == "utf-8"
    assert article.extra == {"canonical_url": "https://news.example/lavrov"}
    assert article.text.startswith("Глава МИД РФ")


def test_charsets_from_header_meta_and_detection(web):
    body = "<html><head><title>Новость</title></head><body><p>Текст новости на русском языке.</p></body></html>"
    web.routes["/header"] = (200, {"Content-Type": "text/html; charset=windows-1251"}, body.encode("cp1251"))
    meta = body.replace("<head>", '<head><meta charset="koi8-r">')
    web.routes["/meta"] = (200, {"Content-Type": "text/html"}, meta.encode("koi8-r"))
    web.routes["/none"] = (200, {"Content-Type": "text/html"}, body.encode("cp1251"))
    web.routes["/wrong"] = (200, {"Content-Type": "text/html; charset=utf-8"}, body.encode("koi8-r"))
    results = fetch([web.url(p) for p in ("/header", "/meta", "/none", "/wrong")])
    got = [(r[0].encoding, r[0].text, r[0].title) for r in results]
    assert got == [(enc, "Текст новости на русском языке.", "Новость") for enc in ("cp1251", "koi8-r", "cp1251", "koi8-r")]


def test_plain_text_json_and_redirect(web):
    web.routes["/seed.txt"] = (200, {"Content-Type": "text/plain; charset=utf-8"},
                               " date 2025-10-28 Заголовок\nТекст статьи.".encode())
    web.routes["/items.json"] = (200, {"Content-Type": "application/json"},
                                 '[{"text": "Из JSON", "tag": 1}]'.encode())
    web.routes["/old"] = (301, {"Location": "/seed.txt"}, b"")
    [[seed], [item], [moved]] = fetch([web.url("/seed.txt"), web.url("/items.json"), web.url("/old")])
    assert (seed.published_at, seed.date_source, seed.title) == ("2025-10-28T00:00:00+00:00", "header", "Заголовок")
    assert (item.text, item.extra, item.id) == ("Из JSON", {"tag": 1},
                                                textlib.article_id(web.url("/items.json") + "#1", "Из JSON"))
    assert moved.url == web.url("/seed.txt") and moved.source == web.url("/old")
    assert moved.id == textlib.article_id(web.url("/old"), moved.text)  # the URL as given is the origin


def test_http_errors_are_final_but_5xx_is_retried(web):
    web.routes["/flaky"] = lambda hit: (503, {}, b"busy") if hit == 1 else (200, HTML, b"<p>Recovered text</p>")
    web.routes["/down"] = (500, {}, b"boom")
    [[missing], [flaky], [down]] = fetch([web.url("/missing"), web.url("/flaky"), web.url("/down")])
    assert (missing.reason, missing.detail, missing.source) == (sources.HTTP_ERROR, "HTTP 404 Not Found",
                                                               web.url("/missing"))
    assert missing.head == b"not here"
    assert web.hits["/missing"] == 1
    assert flaky.text == "Recovered text" and web.hits["/flaky"] == 2
    assert (down.reason, web.hits["/down"]) == (sources.HTTP_ERROR, 3)
    assert down.detail == "HTTP 500 Internal Server Error (after 3 attempts)"


def test_unreachable_url_after_retries():
    url = f"http://127.0.0.1:{free_port()}/nothing"
    started = time.monotonic()
    [[bad]] = fetch([url])
    assert (bad.reason, bad.source) == (sources.UNREACHABLE, url)
    assert "ConnectError" in bad.detail and "after 3 attempts" in bad.detail
    assert time.monotonic() - started < 2


def test_slow_response_times_out(web):
    web.routes["/slow"] = (200, HTML, b"<p>too late</p>", 3.0)
    options = WebOptions(timeout=0.3, retries=1, backoff=0.05)
    started = time.monotonic()
    [[bad]] = fetch([web.url("/slow")], options)
    elapsed = time.monotonic() - started
    assert (bad.reason, bad.detail) == (sources.TIMEOUT, "no complete response within 0.3 s (after 2 attempts)")
    assert 0.6 <= elapsed < 2.0
    assert web.hits["/slow"] == 2


def test_too_large_and_unsupported_and_empty(web):
    web.routes["/big"] = (200, HTML, b"<p>" + b"x" * 5000 + b"</p>")
    web.routes["/img"] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n")
    web.routes["/empty"] = (200, HTML, b"")
    web.routes["/bin"] = (200, {}, b"\x00\x01\x02binary")
    results = fetch([web.url(p) for p in ("/big", "/img", "/empty", "/bin")],
                    WebOptions(timeout=2, retries=0, max_bytes=1000))
    assert [r[0].reason for r in results] == [sources.TOO_LARGE, sources.UNSUPPORTED, sources.EMPTY, sources.BINARY]


def test_rss_feed_expands_to_items(web):
    web.routes["/one"] = (200, HTML, PAGE.encode())
    web.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                               RSS.format(link1=web.url("/one"), link2=web.url("/gone")).encode())
    [items] = fetch([web.url("/feed.xml")])
    feed = web.url("/feed.xml")
    first, second, third, empty = items
    # 1: the linked page's text, the feed's title and date
    assert first.text.startswith("Глава МИД РФ") and first.title == "Первая"
    assert (first.published_at, first.date_source) == ("2023-10-19T05:56:00+00:00", "feed")
    assert (first.source, first.url, first.id) == (feed, web.url("/one"), textlib.article_id(web.url("/one"), first.text))
    assert first.extra == {"canonical_url": "https://news.example/lavrov", "feed": feed, "guid": "g1"}
    # 2: the link is a 404, so the item's description is the text
    assert second.text == "Полный текст второй новости из ленты."
    assert (second.date_source, second.url) == ("feed", web.url("/gone"))
    assert second.extra["link_error"] == "http_error: HTTP 404 Not Found"
    # 3: no link at all
    assert (third.text, third.id) == ("Текст третьей\nв два абзаца", textlib.article_id(f"{feed}#3", third.text))
    # 4: nothing to publish
    assert isinstance(empty, BadInput) and (empty.reason, empty.source) == (sources.NO_TEXT, f"{feed}#4")


def test_atom_feed_sniffed_from_generic_xml(web):
    web.routes["/entry"] = (200, HTML, "<p>Полная запись номер один.</p>".encode())
    web.routes["/atom"] = (200, {"Content-Type": "text/xml"}, ATOM.format(link=web.url("/entry")).encode())
    [[one, two]] = fetch([web.url("/atom")])
    assert (one.text, one.title, one.published_at, one.date_source) == (
        "Полная запись номер один.", "Запись один", "2024-01-02T00:04:05+00:00", "feed")
    assert (two.text, two.title, two.extra) == ("Содержимое второй записи.", "Запись два",
                                                {"feed": web.url("/atom"), "guid": "urn:2"})


def test_many_urls_bounded_concurrency(web):
    web.routes.update({f"/p{i}": (200, HTML, f"<p>Статья {i}</p>".encode(), 0.2) for i in range(8)})
    started = time.monotonic()
    results = fetch([web.url(f"/p{i}") for i in range(8)], WebOptions(concurrency=4, timeout=2))
    elapsed = time.monotonic() - started
    assert [r[0].text for r in results] == [f"Статья {i}" for i in range(8)]  # input order kept
    assert 0.4 <= elapsed < 1.5  # two waves of four
