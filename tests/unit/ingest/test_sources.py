"""Reading inputs into articles: encodings, the seed format, JSON (lines), directories, bad inputs."""

from __future__ import annotations

import codecs
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from svodka.ingest import sources
from svodka import text as textlib
from svodka.records import letter_id, Article, DeadLetter
from svodka.ingest.sources import BadInput, Ignored
from tests.kit.seeds import seed_paths

UTC = timezone.utc
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
LONG_RU = ("Министр иностранных дел России Сергей Лавров заявил, что отношения Москвы с Северной Кореей "
           "достигли нового уровня, поскольку растет обеспокоенность по поводу углубления военных связей.")


def read(args, **kw) -> list:
    return list(sources.read_inputs([str(a) for a in args], ingested=NOW, **kw))


def articles(items) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def bad(items) -> list[BadInput]:
    return [i for i in items if isinstance(i, BadInput)]


# -- decoding -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [LONG_RU, "Привет", "Путин", "Съезд", "Мир", "Да", "ОНИ", "Москва, 7 ноября",
                                  "ВНИМАНИЕ: Щука"])
@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_single_byte_cyrillic_is_detected(text, encoding):
    decoded = sources.decode_bytes(text.encode(encoding))
    assert (decoded.text, decoded.encoding) == (text, encoding)


def test_utf8_with_and_without_bom_and_utf16():
    assert sources.decode_bytes(LONG_RU.encode("utf-8")) == sources.Decoded(LONG_RU, "utf-8")
    assert sources.decode_bytes(codecs.BOM_UTF8 + LONG_RU.encode("utf-8")) == sources.Decoded(LONG_RU, "utf-8-sig")
    assert sources.decode_bytes(LONG_RU.encode("utf-16")) == sources.Decoded(LONG_RU, "utf-16")
    assert sources.decode_bytes(b"plain ascii") == sources.Decoded("plain ascii", "utf-8")


def test_declared_charset_is_tried_first_but_not_believed_blindly():
    data = LONG_RU.encode("cp1251")
    assert sources.decode_bytes(data, "windows-1251").encoding == "cp1251"
    assert sources.decode_bytes(data, "utf-8").encoding == "cp1251"  # a lie: not valid UTF-8
    assert sources.decode_bytes(LONG_RU.encode("koi8-r"), "windows-1251").encoding == "koi8-r"  # not Russian as 1251
    assert sources.decode_bytes("café".encode("latin-1"), "iso-8859-1") == sources.Decoded("café", "iso8859-1")


@pytest.mark.parametrize("data, reason", [
    (b"", sources.EMPTY),
    (b"abc\x00def", sources.BINARY),
    (bytes(range(1, 32)) * 4, sources.BINARY),
    (bytes(range(0x80, 0xC0)) * 4, sources.UNDECODABLE),  # cp1251 signs / KOI8 box drawing
    (b"\xc3\x28 \xe0\xcf\xc6\xd4 \xc1\xf8\xd2\xfa \xcb\xe5\xe4\xdf\xdb", sources.UNDECODABLE),  # random letter case
])
def test_not_text(data, reason):
    with pytest.raises(sources.DecodeError) as info:
        sources.decode_bytes(data)
    assert info.value.reason == reason


# -- plain text and the seed format ----------------------------------------------------------


def test_seed_header_gives_published_at(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(" date 2025-07-12 Глава МИД РФ Сергей Лавров 11 июля приехал в Северную Корею.\n\nВторой абзац.\n",
                    encoding="utf-8")
    [article] = articles(read([path]))
    assert article.published_at == "2025-07-12T00:00:00+00:00"
    assert article.date_source == "header"
    assert article.text.startswith("Глава МИД РФ") and "date" not in article.text[:10]
    assert article.title == ""  # the first line ends with a period
    assert article.content_sha256 == textlib.sha256_hex(article.text)
    assert article.id == textlib.article_id("a.txt", article.text)
    assert article.source == str(path)
    assert article.ingested_at == "2026-01-15T12:00:00.000+00:00"
    assert article.encoding == "utf-8"


def test_seeds_read_with_titles_dates_and_stable_ids(seeds_dir, monkeypatch):
    relative = articles(read([seeds_dir]))
    assert len(relative) == 5
    by_name = {Path(a.source).name[:3]: a for a in relative}
    assert by_name["000"].date_source == "header" and by_name["003"].date_source == "header"
    assert (by_name["002"].date_source, by_name["002"].published_at) == ("text", "2023-10-19T05:56:00+00:00")
    # «в пятницу, 7 ноября»: the weekday fixed the year (issue 13 names that evidence "weekday")
    assert (by_name["004"].date_source, by_name["004"].published_at) == ("weekday", "2025-11-07T00:00:00+00:00")
    assert (by_name["001"].date_source, by_name["001"].published_at) == ("ingest", "2026-01-15T12:00:00+00:00")
    assert by_name["003"].title == '"Все идет по плану": Путин сделал заявление об отношениях с КНДР'
    assert by_name["002"].title.startswith("Министр иностранных дел России приветствует")
    assert by_name["001"].title == ""  # a 400-character first line is not a headline
    # the same ids from seeds/, /abs/path/seeds/ and each file given on its own
    monkeypatch.chdir(seeds_dir.parent)
    assert [a.id for a in articles(read(["seeds/"]))] == [a.id for a in relative]
    assert [a.id for a in articles(read([seeds_dir.resolve()]))] == [a.id for a in relative]
    singles = articles(read([p.relative_to(seeds_dir.parent) for p in seed_paths()]))
    assert [a.id for a in singles] == [a.id for a in relative]


def test_cp1251_and_koi8_files(tmp_path):
    (tmp_path / "w.txt").write_bytes(("Заголовок новости\n" + LONG_RU).encode("cp1251"))
    (tmp_path / "k.txt").write_bytes(("Заголовок новости\n" + LONG_RU).encode("koi8-r"))
    (tmp_path / "b.txt").write_bytes(codecs.BOM_UTF8 + ("Заголовок новости\r\n" + LONG_RU).encode("utf-8"))
    got = {Path(a.source).name: a for a in articles(read([tmp_path]))}
    assert {n: a.encoding for n, a in got.items()} == {"w.txt": "cp1251", "k.txt": "koi8-r", "b.txt": "utf-8-sig"}
    assert {a.text for a in got.values()} == {"Заголовок новости\n" + LONG_RU}
    assert {a.title for a in got.values()} == {"Заголовок новости"}


@pytest.mark.parametrize("first, title", [
    ("Путин сделал заявление", "Путин сделал заявление"),
    ("Что будет дальше?", "Что будет дальше?"),
    ("Это первое предложение.", ""),
    ("Продолжение следует…", ""),
    ("Слово " * 40, ""),
])
def test_title_heuristic(first, title):
    assert sources.guess_title(first.strip() + "\nТекст статьи.") == title
    assert sources.guess_title(first.strip()) == ""  # nothing after it: the line is the article


# -- JSON --------------------------------------------------------------------------------------


def test_jsonl_with_extra_fields_and_bad_lines(tmp_path):
    lines = [
        {"text": "Первая новость 19.10.2023", "title": "Один", "lang": "ru", "tags": ["a"]},
        {"text": "Вторая новость", "url": "https://example.org/2", "published_at": "2024-05-06T07:08:09+03:00",
         "source": "РБК"},
        "{not json",
        {"title": "без текста"},
        {"text": ""},
        [1, 2],
        {"text": "Третья", "published_at": "когда-то"},
    ]
    body = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    path = tmp_path / "d.jsonl"
    path.write_text(body + "\n\n", encoding="utf-8")
    items = read([path])
    good, wrong = articles(items), bad(items)
    assert [a.text for a in good] == ["Первая новость 19.10.2023", "Вторая новость", "Третья"]
    first, second, third = good
    assert first.extra == {"lang": "ru", "tags": ["a"]}
    assert first.title == "Один"
    assert (first.published_at, first.date_source) == ("2023-10-19T00:00:00+00:00", "text")
    assert first.id == textlib.article_id("d.jsonl:1", first.text)
    assert first.source == f"{path}:1"
    assert second.id == textlib.article_id("https://example.org/2", second.text)  # the url is the origin
    assert (second.published_at, second.date_source) == ("2024-05-06T04:08:09+00:00", "header")
    assert (second.source, second.url, second.extra) == ("РБК", "https://example.org/2", {"input": f"{path}:2"})
    assert third.extra == {"published_at_raw": "когда-то"}
    assert [(b.source, b.reason) for b in wrong] == [
        (f"{path}:3", sources.INVALID_JSON), (f"{path}:4", sources.NO_TEXT),
        (f"{path}:5", sources.NO_TEXT), (f"{path}:6", sources.INVALID_JSON)]
    assert wrong[0].head == b"{not json"
    assert f"{path}:3" in wrong[0].detail


def test_json_list_and_object(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([{"text": "Раз", "x": 1}, {"text": "Два"}, {"nope": 1}],
                                                   ensure_ascii=False), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps({"text": "Один объект", "title": "T"}, ensure_ascii=False),
                                       encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"text": "обрыв', encoding="utf-8")
    items = read([tmp_path])
    good = {a.text: a for a in articles(items)}
    assert set(good) == {"Раз", "Два", "Один объект"}
    assert good["Раз"].id == textlib.article_id("list.json#1", "Раз") and good["Раз"].extra == {"x": 1}
    assert good["Два"].id == textlib.article_id("list.json#2", "Два")
    assert good["Один объект"].id == textlib.article_id("one.json", "Один объект")
    assert sorted((Path(b.source).name, b.reason) for b in bad(items)) == [
        ("broken.json", sources.INVALID_JSON), ("list.json#3", sources.NO_TEXT)]


def test_stdin_text_jsonl_and_html():
    [plain] = read(["-"], stdin=io.BytesIO("Заголовок\nТекст из stdin.".encode("cp1251")))
    assert (plain.source, plain.encoding, plain.title) == ("-", "cp1251", "Заголовок")
    assert plain.id == textlib.article_id("-", plain.text)
    lines = b'{"text": "\xd0\xb0"}\n{"text": "b", "k": 2}\n'
    got = read(["-"], stdin=io.BytesIO(lines))
    assert [a.text for a in got] == ["а", "b"] and got[1].id == textlib.article_id("-:2", "b")
    [bracketed] = read(["-"], stdin=io.BytesIO("[Обновлено] Текст новости".encode()))
    assert bracketed.text == "[Обновлено] Текст новости"
    [page] = read(["-"], stdin=io.BytesIO(b"<!doctype html><html><title>T</title><body><p>Hello there</p></body></html>"))
    assert (page.title, page.text) == ("T", "Hello there")
    [too_big] = read(["-"], stdin=io.BytesIO(b"x" * 101), max_bytes=100)
    assert too_big.reason == sources.TOO_LARGE


# -- directories and bad files ------------------------------------------------------------------


def test_directory_walk_glob_and_ignored(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in ("a.txt", "sub/b.txt", "sub/deeper/c.TXT", "sub/noext", "x.md", ".dot.txt", ".hidden/h.txt",
                 "sub/d.jsonl"):
        (tmp_path / name).write_text('{"text": "jsonl"}' if name.endswith("jsonl") else f"Текст {name}",
                                     encoding="utf-8")
    walked = list(sources.walk(str(tmp_path)))
    found = [i.origin for i in walked if isinstance(i, sources.LocalInput)]
    assert found == ["a.txt", "sub/b.txt", "sub/d.jsonl", "sub/noext", "sub/deeper/c.TXT"]
    assert sorted(i.reason for i in walked if isinstance(i, Ignored)) == ["extension", "hidden"]
    by_glob = [i.origin for i in sources.walk(str(tmp_path), "*.txt") if isinstance(i, sources.LocalInput)]
    assert by_glob == ["a.txt", "sub/b.txt"]  # fnmatch is case-sensitive on POSIX
    assert [i.origin for i in sources.walk(str(tmp_path), "*.md") if isinstance(i, sources.LocalInput)] == ["x.md"]
    assert [i.origin for i in sources.walk(str(tmp_path), "sub/*.txt")
            if isinstance(i, sources.LocalInput)] == ["sub/b.txt"]


def test_bad_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\n")
    (tmp_path / "header-only.txt").write_bytes(b" date 2025-01-01 \n")
    (tmp_path / "binary").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "big.txt").write_bytes("Длинный текст. ".encode() * 100)
    (tmp_path / "garbage.txt").write_bytes(bytes(range(0x80, 0xC0)) * 3)
    (tmp_path / "ok.txt").write_text("Нормальный текст", encoding="utf-8")
    items = read([tmp_path], max_bytes=1000)
    assert [a.source for a in articles(items)] == [str(tmp_path / "ok.txt")]
    reasons = {Path(b.source).name: b.reason for b in bad(items)}
    assert reasons == {"empty.txt": "empty", "blank.txt": "empty", "header-only.txt": "empty", "binary": "binary",
                       "big.txt": "too_large", "garbage.txt": "undecodable"}
    big = next(b for b in bad(items) if b.reason == "too_large")
    assert len(big.head) == 200 and "1000" in big.detail


def test_unreadable_file(tmp_path):
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    [item] = read([tmp_path])
    assert (item.reason, item.source) == (sources.UNREADABLE, str(tmp_path / "dangling.txt"))
    assert "No such file" in item.detail


def test_dead_letter_record():
    item = BadInput("dir/x.bin", sources.BINARY, "contains NUL bytes", b"\xff\xfe\x00abc" + b"z" * 300)
    letter = item.dead_letter(at="2026-01-01T00:00:00.000+00:00")
    assert isinstance(letter, DeadLetter)
    assert letter.id == letter_id("producer", "dir/x.bin", sources.BINARY)  # unique per input and reason
    assert BadInput("dir/x.bin", sources.EMPTY, "0 bytes").dead_letter().id != letter.id
    assert (letter.stage, letter.source, letter.reason) == ("producer", "dir/x.bin", "binary: contains NUL bytes")
    assert letter.payload_head == (b"\xff\xfe\x00abc" + b"z" * 194).decode("utf-8", errors="replace")
    assert DeadLetter.from_json(letter.to_json()) == letter


def test_articles_round_trip_as_records(seeds_dir):
    for article in articles(read([seeds_dir])):
        assert Article.from_json(article.to_json()) == article


def test_html_file(tmp_path):
    html = ('<html><head><meta charset="windows-1251"><title>Заголовок</title>'
            '<link rel="canonical" href="https://news.example/a"></head><body><header>Шапка сайта</header>'
            "<div><p>Абзац первый.</p><p>Абзац второй, 7 ноября 2025 года.</p></div></body></html>")
    (tmp_path / "a.htm").write_bytes(html.encode("cp1251"))
    [page] = read([tmp_path])
    assert (page.title, page.text, page.encoding) == ("Заголовок", "Абзац первый.\nАбзац второй, 7 ноября 2025 года.",
                                                      "cp1251")
    assert (page.url, page.extra) == ("https://news.example/a", {})
    assert (page.published_at, page.date_source) == ("2025-11-07T00:00:00+00:00", "text")
    assert page.id == textlib.article_id("a.htm", page.text)
