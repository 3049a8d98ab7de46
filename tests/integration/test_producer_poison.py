"""Every kind of bad input the producer knows, mixed with good files in one directory, against a
real broker: each bad input is dead-lettered with its reason and the good ones are all published.
Before, a 100,000-level nested JSON file raised RecursionError out of the run (the good files
beside it were never published) and a FIFO blocked it for good."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from svodka_services.producer.publisher import exit_code
from tests.integration.test_producer import articles_in, letters_in, run_ingest, topics  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

GOOD = {
    "a-good.txt": "Губернатор Приморья сообщил о строительстве 3 новых школ.",
    "m-good.json": '{"text": "В Москве прошёл форум, собравший около 5 тысяч участников.", "title": "Форум"}',
    "z-good.jsonl": '{"text": "Экспорт зерна вырос на 12 процентов."}\n',
}


def test_every_bad_input_in_a_directory_is_dead_lettered_and_the_good_files_are_published(kafka, topics,
                                                                                         tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    for name, text in GOOD.items():
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
