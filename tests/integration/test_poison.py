"""Poison records on every topic a stage reads, published with a real Kafka producer into the
real stack (``svodka up``: dedup, extract, sink, chDB): each ends in ``dead_letters`` with a
reason that names what is wrong, and good records published right after are stored.

Per topic at least 12 malformed records: wrong types in every field family (ids, texts,
times, counts, floats, lists, nested mentions and figures), huge strings, bad timestamps,
unknown kinds and versions, not JSON, JSON nested 100,000 deep, empty and null values.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time

import pytest
from aiokafka import AIOKafkaProducer

from svodka.records import Article, DeadLetter, Duplicate, EnrichedArticle, Figure, Mention
from svodka.timeutil import now_iso
from tests.kit.kafka import svodka_env
from tests.kit.seeds import SEEDS_DIR as SEEDS
from svodka_services.cli import stack
from tests.kit.processes import last_json, settings_for, sink_sql, sql, svodka

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

DEEP = "[" * 100_000 + "]" * 100_000


def article(tag: str) -> dict:
    return Article(id=tag, source=f"poison/{tag}.txt", text="Министр обороны сообщил о поставке 100 ракет.",
                   title="Поставка ракет", published_at="2025-07-12T00:00:00+00:00", date_source="header",
                   ingested_at=now_iso()).to_dict()


def enriched(tag: str) -> dict:
    return EnrichedArticle(
        id=tag, source=f"poison/{tag}.txt", title="Поставка ракет", published_at="2025-07-12T00:00:00+00:00",
        date_source="header", ingested_at=now_iso(), lang="ru", length=45,
        mentions=[Mention("Лавров", "Лавров", "Сергей Лавров", "per:сергей-лавров", "PER", 0, 6, 0)],
        figures=[Figure("100 ракет", 100.0, 100.0, "ракет", "", "exact", 20, 29, 0, ["Сергей Лавров"], "")],
    ).to_dict()


def duplicate(tag: str) -> dict:
    return Duplicate(id=tag, dup_of="original-0001", similarity=0.93, method="near", source=f"poison/{tag}.txt",
                     title="Поставка ракет", published_at="2025-07-12T00:00:00+00:00", ingested_at=now_iso()).to_dict()


def dead_letter(tag: str) -> dict:
    return DeadLetter(id=tag, stage="producer", source=f"poison/{tag}.txt", reason="binary: contains NUL bytes",
                      payload_head="\x00").to_dict()


def tagged(tag: str, base: dict, **changes) -> bytes:
    """``base`` with ``changes`` (None deletes a field), the tag first so a dead letter's
    payload_head shows it."""
    data = {"_tag": tag, **copy.deepcopy(base)}
    for name, value in changes.items():
        if value is _DELETE:
            data.pop(name, None)
        else:
            data[name] = value
    return json.dumps(data, ensure_ascii=False).encode()


_DELETE = object()


def nested(base: dict, field: str, index: int, **changes) -> dict:
    data = copy.deepcopy(base)
    item = data[field][index]
    for name, value in changes.items():
        if value is _DELETE:
            item.pop(name)
        else:
            item[name] = value
    return data[field]


def untagged_poison(tag: str) -> list[tuple[str, bytes | None]]:
    """Poison that cannot carry a tag readable in its payload_head."""
    return [(f"{tag}-empty", b""), (f"{tag}-null", None)]


def raw_poison(tag: str) -> list[tuple[str, bytes]]:
    """Malformed Article records (articles.raw for dedup, articles.unique for extract)."""
    base = article(f"{tag}-ok")
    cases = {
        "not-json": f'{tag}-not-json {{"id": '.encode(),
        "a-list": json.dumps([f"{tag}-a-list", base]).encode(),
        "unknown-kind": tagged(f"{tag}-unknown-kind", base, kind="bogus"),
        "version-99": tagged(f"{tag}-version-99", base, schema_version=99),
        "no-text": tagged(f"{tag}-no-text", base, text=_DELETE),
        "text-number": tagged(f"{tag}-text-number", base, text=5),
        "id-number": tagged(f"{tag}-id-number", base, id=12345),
        "id-huge": tagged(f"{tag}-id-huge", base, id="x" * 5000),
        "title-huge": tagged(f"{tag}-title-huge", base, title="Ы" * 100_000),
        "published-number": tagged(f"{tag}-published-number", base, published_at=12345),
        "published-words": tagged(f"{tag}-published-words", base, published_at="вчера вечером"),
        "ingested-bad-date": tagged(f"{tag}-ingested-bad-date", base, ingested_at="2025-13-45T99:00:00"),
        "copy-negative": tagged(f"{tag}-copy-negative", base, copy=-1),
        "copy-string": tagged(f"{tag}-copy-string", base, copy="1"),
        "extra-list": tagged(f"{tag}-extra-list", base, extra=[1, 2]),
        "date-source-null": tagged(f"{tag}-date-source-null", base, date_source=None),
        "deep": f'{{"_tag": "{tag}-deep", "x": {DEEP}}}'.encode(),
    }
    return list(cases.items())


def enriched_poison(tag: str) -> list[tuple[str, bytes]]:
    base = enriched(f"{tag}-ok")
    cases = {
        "not-json": f"{tag}-not-json \xff".encode("latin-1"),
        "unknown-kind": tagged(f"{tag}-unknown-kind", base, kind="figure"),
        "article-kind": tagged(f"{tag}-article-kind", article(f"{tag}-article-kind")),
        "title-number": tagged(f"{tag}-title-number", base, title=5),
        "published-number": tagged(f"{tag}-published-number", base, published_at=12345),
        "published-year-9999": tagged(f"{tag}-published-year-9999", base, published_at="9999-01-01T00:00:00+00:00"),
        "extracted-words": tagged(f"{tag}-extracted-words", base, extracted_at="скоро"),
        "length-string": tagged(f"{tag}-length-string", base, length="45"),
        "length-negative": tagged(f"{tag}-length-negative", base, length=-45),
        "length-bool": tagged(f"{tag}-length-bool", base, length=True),
        "length-2-64": tagged(f"{tag}-length-2-64", base, length=2**64),
        "lang-null": tagged(f"{tag}-lang-null", base, lang=None),
        "mentions-object": tagged(f"{tag}-mentions-object", base, mentions={"a": 1}),
        "mention-number": tagged(f"{tag}-mention-number", base, mentions=[5]),
        "mention-start-float": tagged(f"{tag}-mention-start-float", base,
                                      mentions=nested(base, "mentions", 0, start=1.5)),
        "mention-no-type": tagged(f"{tag}-mention-no-type", base, mentions=nested(base, "mentions", 0, type=_DELETE)),
        "figure-low-words": tagged(f"{tag}-figure-low-words", base, figures=nested(base, "figures", 0, low="много")),
        "figure-low-nan": tagged(f"{tag}-figure-low-nan", base, figures=nested(base, "figures", 0, low=1.5)).replace(
            b'"low": 1.5', b'"low": NaN'),
        "figure-entities-numbers": tagged(f"{tag}-figure-entities-numbers", base,
                                          figures=nested(base, "figures", 0, entities=[1, 2])),
        "title-huge": tagged(f"{tag}-title-huge", base, title="Ж" * 200_000),
        "deep": f'{{"_tag": "{tag}-deep", "x": {DEEP}}}'.encode(),
    }
    return list(cases.items())


def duplicate_poison(tag: str) -> list[tuple[str, bytes]]:
    base = duplicate(f"{tag}-ok")
    cases = {
        "not-json": f"{tag}-not-json".encode(),
        "unknown-kind": tagged(f"{tag}-unknown-kind", base, kind="triplicate"),
        "version-0": tagged(f"{tag}-version-0", base, schema_version=0),
        "similarity-words": tagged(f"{tag}-similarity-words", base, similarity="high"),
        "similarity-infinite": tagged(f"{tag}-similarity-infinite", base, similarity=1e400),
        "dup-of-number": tagged(f"{tag}-dup-of-number", base, dup_of=7),
        "no-dup-of": tagged(f"{tag}-no-dup-of", base, dup_of=_DELETE),
        "method-null": tagged(f"{tag}-method-null", base, method=None),
        "published-words": tagged(f"{tag}-published-words", base, published_at="позавчера"),
        "ingested-number": tagged(f"{tag}-ingested-number", base, ingested_at=1720742400),
        "id-huge": tagged(f"{tag}-id-huge", base, id="д" * 3000),
        "title-list": tagged(f"{tag}-title-list", base, title=["a"]),
        "deep": f'{{"_tag": "{tag}-deep", "x": {DEEP}}}'.encode(),
    }
    return list(cases.items())


def dlq_poison(tag: str) -> list[tuple[str, bytes]]:
    base = dead_letter(f"{tag}-ok")
    cases = {
        "not-json": f"{tag}-not-json }}".encode(),
        "unknown-kind": tagged(f"{tag}-unknown-kind", base, kind="dead"),
        "stage-number": tagged(f"{tag}-stage-number", base, stage=5),
        "reason-null": tagged(f"{tag}-reason-null", base, reason=None),
        "no-reason": tagged(f"{tag}-no-reason", base, reason=_DELETE),
        "at-words": tagged(f"{tag}-at-words", base, at="вчера"),
        "at-number": tagged(f"{tag}-at-number", base, at=0),
        "id-object": tagged(f"{tag}-id-object", base, id={"a": 1}),
        "source-huge": tagged(f"{tag}-source-huge", base, source="s" * 50_000),
        "payload-head-huge": tagged(f"{tag}-payload-head-huge", base, payload_head="п" * 100_000),
        "version-string": tagged(f"{tag}-version-string", base, schema_version="1"),
        "a-number": f"{tag}-a-number 42".encode(),
        "deep": f'{{"_tag": "{tag}-deep", "x": {DEEP}}}'.encode(),
    }
    return list(cases.items())


POISON = {
    "articles.raw": ("dedup", raw_poison("poison-raw")),
    "articles.unique": ("extract", raw_poison("poison-unique")),
    "articles.enriched": ("stories", enriched_poison("poison-enriched")),
    "articles.storied": ("sink", enriched_poison("poison-storied")),
    "articles.duplicates": ("sink", duplicate_poison("poison-duplicates")),
    "articles.dlq": ("sink", dlq_poison("poison-dlq")),
}


async def publish(bootstrap: str, records: list[tuple[str, str, bytes | None]]) -> list[tuple[str, int, int]]:
    """Send (topic, key, value) records; return each one's (topic, partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 << 20)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key.encode()) for topic, key, value in records]
        return [(m.topic, m.partition, m.offset) for m in await asyncio.gather(*futures)]
    finally:
        await producer.stop()


@pytest.fixture
def env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka)
    yield env
    svodka(env, "down", "-q", check=False)


def test_poison_on_every_topic_is_dead_lettered_and_good_records_after_it_are_stored(env):
    svodka(env, "up", "-q")
    bootstrap = env["SVODKA_KAFKA_BOOTSTRAP"]
    records = []
    for topic, (_, cases) in POISON.items():
        assert len(cases) >= 12, topic
        records += [(topic, name, value) for name, value in cases]
        records += [(topic, name, value) for name, value in untagged_poison(topic)]
    where = asyncio.run(publish(bootstrap, records))

    # Good records right after the poison, on the sink's topic directly and through the whole pipeline.
    good = EnrichedArticle.from_dict(enriched("good-after-poison"))
    asyncio.run(publish(bootstrap, [("articles.enriched", good.id, good.to_json())]))
    published = time.monotonic()
    [sink] = stack.StackState.load(settings_for(env)).live("sink")
    deadline = published + 10
    while time.monotonic() < deadline:
        answer = sink_sql(sink, f"SELECT count() FROM articles WHERE id = '{good.id}'", timeout=5)
        if answer and answer.get("rows") == [[1]]:
            break
        time.sleep(0.2)
    stored_after = time.monotonic() - published
    print(f"good enriched article stored {stored_after:.1f} s after it was published behind the poison")
    assert stored_after < 10, "the good record was not stored within 10 s of the poison"
    ingest = last_json(svodka(env, "ingest", str(SEEDS), "--wait", "--json", "--wait-timeout", "180"))
    assert ingest["stored"] + ingest["duplicates"] == ingest["published"] == 5, ingest

    # Every poison record is in dead_letters with its reason.
    letters = sql(env, "SELECT stage, source, reason, payload_head FROM dead_letters")
    missing, report = [], []
    for (topic, name, value), (t, partition, offset) in zip(records, where):
        stage = POISON[topic][0]
        if stage == "sink":
            found = [r for r in letters if r["stage"] == "sink" and r["source"] == f"{t}[{partition}]@{offset}"]
        elif value:
            found = [r for r in letters if r["stage"] == stage and tag_of(value) in r["payload_head"]]
        else:
            found = [r for r in letters if r["stage"] == stage and r["payload_head"] == ""]
        if not found or not found[0]["reason"]:
            missing.append((topic, name))
        else:
            report.append(f"{topic:20} {name:28} -> {found[0]['reason'][:110]}")
    print("\n".join(report))
    assert not missing, f"not dead-lettered: {missing}"
    # A null and an empty value on one topic are two failures: both reasons are kept.
    for stage in ("dedup", "extract"):
        empty = {r["reason"] for r in letters if r["stage"] == stage and r["payload_head"] == ""}
        assert len(empty) >= 2, (stage, empty)
    # The failures name the field.
    reasons = " | ".join(r["reason"] for r in letters)
    for fragment in ("published_at: expected a string or null, got 12345", "title: expected a string", "figures[0].low",
                     "mentions[0].start: expected an integer", "similarity: expected a number",
                     "not an ISO 8601 time", "characters, over the limit", "unknown record kind",
                     "nested too deeply", "empty message"):
        assert fragment in reasons, fragment


def tag_of(value: bytes) -> str:
    """The marker a poison payload carries in its first bytes."""
    text = value[:200].decode("utf-8", "replace")
    for start in ('"_tag": "', '["'):
        if text.startswith("{" + start) or text.startswith(start):
            rest = text.split(start, 1)[1]
            return rest.split('"', 1)[0]
    return text.split(" ", 1)[0]
