"""svodka.records: DeadLetter.of, the one way a stage builds a dead letter."""

from __future__ import annotations

from svodka.records import DeadLetter, decode, letter_id
from svodka.text import sha256_hex
from svodka.timeutil import parse_utc


def test_a_dead_letter_names_its_stage_and_reason_and_keeps_the_head_of_the_input():
    payload = ("Статья без конца: " + "слово " * 200).encode("utf-8")
    letter = DeadLetter.of("dedup", "articles.raw", "RecordError: нет поля text", payload)
    assert (letter.stage, letter.source, letter.reason) == ("dedup", "articles.raw", "RecordError: нет поля text")
    # one id per failure: the same failure again (a redelivery) gets the same id
    assert letter.id == letter_id("dedup", "articles.raw", "RecordError: нет поля text", sha256_hex(payload))
    assert letter.payload_head == payload[:200].decode("utf-8", "replace")
    assert parse_utc(letter.at) is not None
    assert decode(letter.to_json()) == letter


def test_a_long_reason_is_cut_and_an_explicit_id_and_text_payload_are_kept():
    letter = DeadLetter.of("extract", "file:a.txt", "x" * 5000, "Текст " * 100, id="a1", at="2025-07-12T00:00:00+00:00")
    assert len(letter.reason) == DeadLetter.MAX_REASON
    assert letter.id == "a1" and letter.at == "2025-07-12T00:00:00+00:00"
    assert letter.payload_head == ("Текст " * 100)[:200]
