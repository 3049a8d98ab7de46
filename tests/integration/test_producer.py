"""The producer against a real Kafka broker: every input kind, every bad input, the replay modes.

Each test publishes to its own topics and consumes them back with aiokafka to
check what Kafka holds (keys, JSON fields, dead letters), not what we meant to send.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from svodka import text as textlib
from svodka.settings import Settings
from svodka.runtime.localkafka import free_port
from svodka.records import Article, letter_id
from svodka.runtime.topics import ensure_topics
from svodka_services.producer.command import (
    IngestOptions, ProducerError, add_ingest_arguments, exit_code, ingest, options_from_args,
)
from tests.kit.kafka import Topics, articles_in, consume, letters_in, run_ingest
from tests.kit.web import serving

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[2]
SEED_COUNT = 5


# -- helpers ---------------------------------------------------------------------------------------


def producer_cmd(kafka, topics: Topics, *args: str) -> list[str]:
    return [sys.executable, "-m", "svodka_services.producer", "--bootstrap", kafka.bootstrap,
            "--topic", topics.raw, "--dlq-topic", topics.dlq, *args]


@pytest.fixture
def web():
    with serving() as server:
        yield server


# -- inputs ------------------------------------------------------------------------------------------


def test_seed_directory(kafka, topics, seeds_dir, monkeypatch):
    summary, err = run_ingest(kafka, topics, [seeds_dir])
    assert (summary.read, summary.published, summary.dead_lettered) == (SEED_COUNT, SEED_COUNT, 0)
    assert exit_code(summary) == 0
    assert "published 5" in err and "articles/s" in err
    got = articles_in(kafka, topics.raw)
    assert sorted(key for key, _, _ in got) == sorted(summary.ids)
    for key, article, record in got:
        assert key == article.id
        data = json.loads(record.value)
        assert (data["kind"], data["schema_version"]) == ("article", 1)
        assert article.id == textlib.article_id(Path(article.source).name, article.text)
        assert article.content_sha256 == textlib.sha256_hex(article.text)
        assert article.encoding == "utf-8" and article.copy == 0 and article.replay_of is None
        assert article.ingested_at and article.published_at
    sources = {Path(a.source).name[:3]: a for _, a, _ in got}
    assert {k: a.date_source for k, a in sources.items()} == {
        "000": "header", "001": "ingest", "002": "text", "003": "header", "004": "weekday"}
    assert sources["000"].published_at == "2025-07-12T00:00:00+00:00"
    assert sources["002"].published_at == "2023-10-19T05:56:00+00:00"
    assert sources["004"].published_at == "2025-11-07T00:00:00+00:00"  # «в пятницу, 7 ноября»: the weekday fixes the year
    # a replay from another spelling of the path: same ids, same partitions
    monkeypatch.chdir(seeds_dir.parent)
    again, _ = run_ingest(kafka, topics, ["seeds/"])
    assert sorted(again.ids) == sorted(summary.ids)
    partitions: dict[str, set[int]] = {}
    for key, _, record in articles_in(kafka, topics.raw):
        partitions.setdefault(key, set()).add(record.partition)
    assert len(partitions) == SEED_COUNT and all(len(p) == 1 for p in partitions.values())
    # one seed file on its own: the same id as from the directory
    single, _ = run_ingest(kafka, Topics(topics.raw + ".one", topics.dlq), [seeds_dir / "003_7560d287a176d7fc.txt"])
    [(key, article, _)] = articles_in(kafka, topics.raw + ".one")
    assert key == single.ids[0] == sources["003"].id
    assert (article.date_source, article.published_at) == ("header", "2025-10-28T00:00:00+00:00")


def test_directory_recursive_glob_json_html_and_encodings(kafka, topics, tmp_path):
    root = tmp_path / "news"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_bytes("Сводка дня\nВласти сообщили о новых мерах поддержки.".encode("cp1251"))
    (root / "sub" / "b.txt").write_bytes(codecs.BOM_UTF8 + "Второй текст новости, в UTF-8 с BOM.".encode())
    (root / "sub" / "deeper" / "k").write_bytes("Новость в кодировке КОИ-8, без расширения.".encode("koi8-r"))
    (root / "sub" / "deeper" / "c.jsonl").write_text(
        json.dumps({"text": "Из JSON lines", "title": "JL", "lang": "ru", "tags": ["x", "y"]}, ensure_ascii=False)
        + "\n" + json.dumps({"text": "Со ссылкой", "url": "https://ex.org/2", "published_at": "2024-02-03",
                             "source": "Агентство"}, ensure_ascii=False) + "\n", encoding="utf-8")
    (root / "list.json").write_text(json.dumps([{"text": "Первый из списка"}, {"text": "Второй", "n": 2}],
                                               ensure_ascii=False), encoding="utf-8")
    (root / "page.html").write_text('<html><head><title>Страница</title><meta name="pubdate" '
                                    'content="2024-04-05T06:07:08Z"></head><body><nav>меню</nav><article>'
                                    "<p>Текст страницы.</p></article></body></html>", encoding="utf-8")
    (root / "notes.md").write_text("не читается по умолчанию", encoding="utf-8")
    summary, _ = run_ingest(kafka, topics, [root])
    assert (summary.published, summary.dead_lettered, summary.ignored) == (8, 0, {"extension": 1})
    got = {a.text: a for _, a, _ in articles_in(kafka, topics.raw)}
    assert set(got) == {"Сводка дня\nВласти сообщили о новых мерах поддержки.", "Второй текст новости, в UTF-8 с BOM.",
                        "Новость в кодировке КОИ-8, без расширения.", "Из JSON lines", "Со ссылкой",
                        "Первый из списка", "Второй", "Текст страницы."}
    assert got["Сводка дня\nВласти сообщили о новых мерах поддержки."].encoding == "cp1251"
    assert got["Сводка дня\nВласти сообщили о новых мерах поддержки."].title == "Сводка дня"
    assert got["Второй текст новости, в UTF-8 с BOM."].encoding == "utf-8-sig"
    assert got["Новость в кодировке КОИ-8, без расширения."].encoding == "koi8-r"
    jl = got["Из JSON lines"]
    assert (jl.title, jl.extra) == ("JL", {"lang": "ru", "tags": ["x", "y"]})
    assert jl.id == textlib.article_id("sub/deeper/c.jsonl:1", "Из JSON lines")
    linked = got["Со ссылкой"]
    assert (linked.url, linked.source, linked.published_at, linked.date_source) == (
        "https://ex.org/2", "Агентство", "2024-02-03T00:00:00+00:00", "header")
    assert got["Второй"].extra == {"n": 2} and got["Второй"].id == textlib.article_id("list.json#2", "Второй")
    page = got["Текст страницы."]
    assert (page.title, page.published_at, page.date_source) == ("Страница", "2024-04-05T06:07:08+00:00", "header")

    only_txt, _ = run_ingest(kafka, Topics(topics.raw + ".txt", topics.dlq), [root], glob="*.txt")
    assert only_txt.published == 2 and only_txt.ignored == {"glob": 5}


def test_stdin_with_json_summary(kafka, topics):
    lines = "\n".join(json.dumps({"text": f"Новость из stdin {i}", "feed": "pipe"}, ensure_ascii=False)
                      for i in range(3))
    proc = subprocess.run(producer_cmd(kafka, topics, "--json", "-"), input=lines.encode(), capture_output=True,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    summary = json.loads(proc.stdout)
    assert (summary["read"], summary["published"], summary["dead_lettered"]) == (3, 3, 0)
    assert summary["skipped"] == {} and summary["articles_per_s"] > 0 and summary["bytes"] > 0
    got = sorted(articles_in(kafka, topics.raw), key=lambda g: g[1].source)
    assert [a.source for _, a, _ in got] == ["-:1", "-:2", "-:3"]
    assert [a.extra for _, a, _ in got] == [{"feed": "pipe"}] * 3
    assert sorted(summary["ids"]) == sorted(k for k, _, _ in got)
    assert b"published 3" in proc.stderr


def test_urls_page_rss_and_atom(kafka, topics, web):
    page = ("<html><head><meta property='og:title' content='Заголовок страницы'>"
            "<meta property='article:published_time' content='2025-03-04T05:06:07Z'></head><body>"
            "<article><p>Текст статьи со страницы.</p><p>Второй абзац.</p></article></body></html>")
    web.routes["/page"] = (200, {"Content-Type": "text/html; charset=windows-1251"}, page.encode("cp1251"))
    web.routes["/rss"] = (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Лента</title>
<item><title>Из ленты со ссылкой</title><link>{web.url('/page')}</link><pubDate>Mon, 06 Jan 2025 10:00:00 +0300</pubDate></item>
<item><title>Ссылка не открывается</title><link>{web.url('/gone')}</link><description>Описание вместо страницы.</description>
<pubDate>Tue, 07 Jan 2025 10:00:00 GMT</pubDate></item>
</channel></rss>""".encode())
    web.routes["/atom"] = (200, {"Content-Type": "application/atom+xml"}, """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title>Атом</title><id>urn:a:1</id>
<updated>2025-02-01T00:00:00Z</updated><content type="html">&lt;p&gt;Текст из Atom.&lt;/p&gt;</content></entry></feed>""".encode())
    summary, _ = run_ingest(kafka, topics, [web.url("/page"), web.url("/rss"), web.url("/atom")])
    assert (summary.read, summary.published, summary.dead_lettered) == (4, 4, 0)
    got = {(a.source, a.title): a for _, a, _ in articles_in(kafka, topics.raw)}
    direct = got[(web.url("/page"), "Заголовок страницы")]
    assert (direct.text, direct.encoding, direct.date_source, direct.published_at) == (
        "Текст статьи со страницы.\nВторой абзац.", "cp1251", "header", "2025-03-04T05:06:07+00:00")
    assert direct.id == textlib.article_id(web.url("/page"), direct.text)
    via_feed = got[(web.url("/rss"), "Из ленты со ссылкой")]
    assert via_feed.text == direct.text and via_feed.url == web.url("/page")
    assert (via_feed.date_source, via_feed.published_at) == ("feed", "2025-01-06T07:00:00+00:00")
    described = got[(web.url("/rss"), "Ссылка не открывается")]
    assert (described.text, described.date_source) == ("Описание вместо страницы.", "feed")
    assert described.extra["link_error"] == "http_error: HTTP 404 Not Found"
    atom = got[(web.url("/atom"), "Атом")]
    assert (atom.text, atom.published_at, atom.date_source) == ("Текст из Atom.", "2025-02-01T00:00:00+00:00", "feed")
    assert letters_in(kafka, topics.dlq) == []


# -- bad inputs -------------------------------------------------------------------------------------


def test_bad_inputs_are_dead_lettered_and_the_run_goes_on(kafka, topics, tmp_path, web):
    d = tmp_path / "in"
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00" + bytes(range(256)))
    (d / "big.txt").write_text("Очень длинная статья. " * 200, encoding="utf-8")
    (d / "garbage.txt").write_bytes(bytes(range(0x80, 0xC0)) * 2)
    (d / "mixed.jsonl").write_text('{"text": "Хорошая строка"}\n{"text": oops}\n{"title": "без текста"}\n',
                                   encoding="utf-8")
    (d / "ok.txt").write_text("Нормальная новость.", encoding="utf-8")
    web.routes["/slow"] = (200, {"Content-Type": "text/html"}, b"<p>late</p>", 3.0)
    unreachable = f"http://127.0.0.1:{free_port()}/x"
    urls = [unreachable, web.url("/missing"), web.url("/slow")]
    started = time.monotonic()
    summary, err = run_ingest(kafka, topics, [d, *urls], max_bytes=2000, http_timeout=0.5, http_retries=0)
    assert time.monotonic() - started < 15

    assert summary.published == 2
    assert exit_code(summary) == 1
    expected = {
        str(d / "empty.txt"): "empty", str(d / "binary"): "binary", str(d / "big.txt"): "too_large",
        str(d / "garbage.txt"): "undecodable", f"{d / 'mixed.jsonl'}:2": "invalid_json",
        f"{d / 'mixed.jsonl'}:3": "no_text", unreachable: "unreachable", web.url("/missing"): "http_error",
        web.url("/slow"): "timeout",
    }
    assert summary.dead_lettered == len(expected)
    assert summary.skipped == dict(Counter(expected.values()))
    letters = letters_in(kafka, topics.dlq)
    assert {letter.source: letter.reason.split(":", 1)[0] for _, letter, _ in letters} == expected
    for key, letter, _ in letters:
        assert key == letter.id == letter_id("producer", letter.source, letter.reason.split(":")[0])
        assert letter.stage == "producer" and letter.at
        assert f"dead-lettered {letter.source}: {letter.reason}" in err
    by_source = {letter.source: letter for _, letter, _ in letters}
    assert by_source[f"{d / 'mixed.jsonl'}:2"].payload_head == '{"text": oops}'
    assert by_source[f"{d / 'mixed.jsonl'}:2"].reason.startswith(f"invalid_json: {d / 'mixed.jsonl'}:2: ")
    assert by_source[str(d / "big.txt")].payload_head == ("Очень длинная статья. " * 10).encode()[:200].decode(
        "utf-8", errors="replace")
    assert by_source[web.url("/missing")].reason == "http_error: HTTP 404 Not Found"
    assert by_source[web.url("/slow")].reason == "timeout: no complete response within 0.5 s"
    assert sorted(summary.dead_letter_ids) == sorted(k for k, _, _ in letters)
    assert sorted(a.text for _, a, _ in articles_in(kafka, topics.raw)) == ["Нормальная новость.", "Хорошая строка"]


def test_record_over_the_kafka_message_limit_is_dead_lettered(kafka, topics, tmp_path):
    # 600 KB of cp1251 is 1.1 MB of UTF-8 JSON: over the broker's 1 MiB message limit
    path = tmp_path / "huge.txt"
    path.write_bytes(("Очень длинный текст новости. " * 21000).encode("cp1251"))
    summary, err = run_ingest(kafka, topics, [path], loop=2)
    assert (summary.published, summary.dead_lettered, summary.skipped) == (0, 1, {"too_large": 1})
    [(_, letter, _)] = letters_in(kafka, topics.dlq)
    assert letter.source == str(path) and "over Kafka's message limit" in letter.reason
    assert articles_in(kafka, topics.raw) == []


def test_exit_code_1_from_the_command(kafka, topics, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ok.txt").write_text("Текст", encoding="utf-8")
    proc = subprocess.run(producer_cmd(kafka, topics, str(tmp_path)), capture_output=True, cwd=REPO, timeout=60)
    assert proc.returncode == 1
    assert f"dead-lettered {tmp_path / 'empty.txt'}: empty".encode() in proc.stderr


# -- errors --------------------------------------------------------------------------------------------


def test_broker_down_is_a_clear_error_after_a_bounded_wait(topics, seeds_dir):
    bootstrap = f"127.0.0.1:{free_port()}"
    options = IngestOptions(topic=topics.raw, dlq_topic=topics.dlq, broker_timeout=1.5, stderr=io.StringIO())
    started = time.monotonic()
    with pytest.raises(ProducerError, match=f"cannot reach Kafka at {bootstrap}: "):
        asyncio.run(ingest([str(seeds_dir)], options, Settings().with_(kafka_bootstrap=bootstrap)))
    assert time.monotonic() - started < 5
    proc = subprocess.run([sys.executable, "-m", "svodka_services.producer", "--bootstrap", bootstrap,
                           "--broker-timeout", "1", str(seeds_dir)], capture_output=True, cwd=REPO, timeout=30)
    assert proc.returncode == 2
    assert f"svodka: error: cannot reach Kafka at {bootstrap}: ".encode() in proc.stderr
    assert proc.stderr.count(b"\n") == 1  # one clear line, no log noise


@pytest.mark.parametrize("args, message", [
    (["no/such/dir"], b"no such file or directory: no/such/dir"),
    (["--rate", "0", "seeds"], b"--rate: must be > 0"),
    (["--loop", "-1", "seeds"], b"--loop: must be >= 0"),
    (["ftp://example.org/x"], b"unsupported URL scheme"),
    ([], b"the following arguments are required"),
])
def test_usage_errors_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "svodka_services.producer", "--bootstrap", "127.0.0.1:1", *args],
                          capture_output=True, cwd=REPO, timeout=30)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_nothing_to_ingest_is_an_error(kafka, topics, tmp_path):
    (tmp_path / "a.md").write_text("x", encoding="utf-8")
    with pytest.raises(ProducerError, match=r"nothing to ingest: no input matched \(1 files ignored: extension 1\)"):
        run_ingest(kafka, topics, [tmp_path])


def test_flags_map_to_options():
    import argparse

    parser = add_ingest_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--rate", "50", "--loop", "39", "--speedup", "1e6", "--max-gap", "0.5",
                              "--max-bytes", "512k", "--json", "--no-progress", "--glob", "*.txt",
                              "--broker-timeout", "3", "a", "-"])
    options = options_from_args(args)
    assert args.paths == ["a", "-"]
    assert (options.rate, options.loop, options.speedup, options.max_gap, options.max_bytes) == (50, 39, 1e6, 0.5,
                                                                                                 512 * 1024)
    assert (options.json_summary, options.progress, options.glob, options.broker_timeout) == (True, False, "*.txt", 3)
    assert options_from_args(parser.parse_args(["x"])) == IngestOptions()


# -- replay modes ---------------------------------------------------------------------------------------


def test_speedup_publishes_the_seeds_in_date_order(kafka, topics, seeds_dir):
    asyncio.run(ensure_topics(kafka.bootstrap, [topics.raw], 1))  # one partition: offsets are publish order
    summary, _ = run_ingest(kafka, topics, [seeds_dir], speedup=1e6, max_gap=0.2)
    assert summary.published == SEED_COUNT
    got = [a for _, a, _ in articles_in(kafka, topics.raw)]
    dated = [a for a in got if a.date_source != "ingest"]
    assert [a.published_at for a in dated] == sorted(a.published_at for a in dated)
    assert [a.published_at[:10] for a in dated] == ["2023-10-19", "2025-07-12", "2025-10-28", "2025-11-07"]
    assert got[-1].date_source == "ingest"  # the undated seed goes last


def test_speedup_keeps_the_gaps_divided(kafka, topics, tmp_path):
    asyncio.run(ensure_topics(kafka.bootstrap, [topics.raw], 1))
    path = tmp_path / "dated.jsonl"
    rows = [("2024-01-01T00:25:00Z", "третья"), ("2024-01-01T00:00:00Z", "первая"), ("2024-01-01T00:08:20Z", "вторая")]
    path.write_text("\n".join(json.dumps({"text": t, "published_at": p}, ensure_ascii=False) for p, t in rows),
                    encoding="utf-8")
    summary, _ = run_ingest(kafka, topics, [path], speedup=1000)  # gaps of 500 s and 1000 s → 0.5 s and 1 s
    records = consume(kafka.bootstrap, topics.raw)
    assert [Article.from_json(r.value).text for r in records] == ["первая", "вторая", "третья"]
    stamps = [r.timestamp / 1000 for r in records]
    assert stamps[1] - stamps[0] == pytest.approx(0.5, abs=0.15)
    assert stamps[2] - stamps[1] == pytest.approx(1.0, abs=0.15)


def test_rate_50_over_200_looped_articles_takes_4_seconds(kafka, topics, seeds_dir):
    started = time.monotonic()
    summary, _ = run_ingest(kafka, topics, [seeds_dir], rate=50, loop=39)
    elapsed = time.monotonic() - started
    assert summary.published == 200
    assert 3.2 <= elapsed <= 4.8, elapsed
    got = articles_in(kafka, topics.raw)
    assert len(got) == 200 and len({k for k, _, _ in got}) == 200
    stamps = sorted(r.timestamp for _, _, r in got)
    assert (stamps[-1] - stamps[0]) / 1000 == pytest.approx(199 / 50, abs=0.4)
    originals = {a.id: a for _, a, _ in got if a.copy == 0}
    assert len(originals) == SEED_COUNT
    for key, article, _ in got:
        assert key == article.id
        if article.copy:
            original = originals[article.replay_of]
            assert article.id == textlib.copy_id(original.id, article.copy)
            assert (article.text, article.content_sha256, article.published_at) == (
                original.text, original.content_sha256, original.published_at)
    assert sorted(a.copy for _, a, _ in got if a.replay_of == next(iter(originals))) == list(range(1, 40))


def test_loop_as_fast_as_possible_with_progress(kafka, topics, seeds_dir):
    err = io.StringIO()
    options = IngestOptions(topic=topics.raw, dlq_topic=topics.dlq, loop=199, progress=True, stderr=err)
    summary = asyncio.run(ingest([str(seeds_dir)], options, Settings().with_(kafka_bootstrap=kafka.bootstrap, partitions=4)))
    assert summary.published == 1000 == len(summary.ids) == len(set(summary.ids))
    assert len(consume(kafka.bootstrap, topics.raw)) == 1000
    assert summary.articles_per_s > 200
    progress, _, summary_line = err.getvalue().rpartition("\n")[0].rpartition("\n")
    assert "\rsvodka: 1000/1000 articles" in progress
    assert summary_line.startswith("ingest: read 5, published 1000, ")


GOOD_FILES = {
    "a-good.txt": "Губернатор Приморья сообщил о строительстве 3 новых школ.",
    "m-good.json": '{"text": "В Москве прошёл форум, собравший около 5 тысяч участников.", "title": "Форум"}',
    "z-good.jsonl": '{"text": "Экспорт зерна вырос на 12 процентов."}\n',
}


def test_every_bad_input_in_a_directory_is_dead_lettered_and_the_good_files_are_published(kafka, topics, tmp_path):
    """Every kind of bad input the producer knows, mixed with good files: each is dead-lettered with
    its reason and the good ones are all published. Before, a 100,000-level nested JSON file raised
    RecursionError out of the run and a FIFO blocked it for good."""
    d = tmp_path / "mixed"
    d.mkdir()
    for name, text in GOOD_FILES.items():
        (d / name).write_text(text, encoding="utf-8")
    deep = "[" * 100_000 + "]" * 100_000
    (d / "deep.json").write_text(deep)  # RecursionError in the JSON parser
    (d / "deep-object.json").write_text('{"text": ' * 20_000 + '"x"' + "}" * 20_000)
    (d / "deep-line.jsonl").write_text('{"text": "Первая строка в порядке."}\n' + deep + "\n")
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text(" \n\t\n")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (d / "undecodable.txt").write_bytes(bytes(range(0x80, 0x100)) * 3)
    (d / "too-large.txt").write_text("Большая статья. " * 20_000, encoding="utf-8")  # 580 kB
    (d / "invalid.json").write_text('{"text": "нет конца')
    (d / "no-text.json").write_text('{"title": "только заголовок"}')
    (d / "text-number.json").write_text('{"text": 12345}')
    (d / "list-of-numbers.json").write_text("[1, 2]")
    (d / "empty-list.json").write_text("[]")
    os.mkfifo(d / "fifo.txt")  # opening it would block the run
    os.symlink("/nonexistent/file", d / "broken-link.txt")
    os.symlink("/dev/zero", d / "device.txt")  # would never end
    (d / "dir.txt").mkdir()  # a directory named like a file: walked into, nothing in it

    started = time.monotonic()
    summary, err = run_ingest(kafka, topics, [d], max_bytes=300_000)
    took = time.monotonic() - started
    assert took < 30, took

    expected = {
        "deep.json": "unprocessable", "deep-object.json": "unprocessable", "deep-line.jsonl:2": "unprocessable",
        "empty.txt": "empty", "blank.txt": "empty", "binary.txt": "binary", "undecodable.txt": "undecodable",
        "too-large.txt": "too_large", "invalid.json": "invalid_json", "no-text.json": "no_text",
        "text-number.json": "no_text", "list-of-numbers.json#1": "invalid_json",
        "list-of-numbers.json#2": "invalid_json", "empty-list.json": "empty", "fifo.txt": "unreadable",
        "broken-link.txt": "unreadable", "device.txt": "unreadable",
    }
    letters = letters_in(kafka, topics.dlq)
    got = {letter.source.removeprefix(f"{d}/"): letter.reason.split(":", 1)[0] for _, letter, _ in letters}
    assert got == expected, set(got.items()) ^ set(expected.items())
    for _, letter, _ in letters:
        assert letter.reason and letter.stage == "producer"
        assert f"dead-lettered {letter.source}" in err
    assert "RecursionError" in " ".join(letter.reason for _, letter, _ in letters)
    published = sorted(a.text for _, a, _ in articles_in(kafka, topics.raw))
    assert published == sorted(["Губернатор Приморья сообщил о строительстве 3 новых школ.",
                                "В Москве прошёл форум, собравший около 5 тысяч участников.",
                                "Экспорт зерна вырос на 12 процентов.", "Первая строка в порядке."])
    assert summary.published == 4 and summary.dead_lettered == len(expected)
    assert summary.skipped == dict(Counter(expected.values()))
    assert exit_code(summary) == 1  # partial: some input dead-lettered
