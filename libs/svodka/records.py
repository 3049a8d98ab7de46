"""The messages that travel on the pipeline's topics, as versioned JSON.

Every record is a plain dataclass. On the wire it is a JSON object carrying
``kind`` and ``schema_version`` so a consumer can refuse what it does not
understand with a clear reason (and dead-letter it) instead of guessing.
See docs/records.md for the field-by-field description.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from svodka.text import sha256_hex
from svodka.timeutil import now_iso, parse_utc

SCHEMA_VERSION = 1

T = TypeVar("T", bound="Record")


class RecordError(ValueError):
    """A message could not be decoded into the record it claims to be."""


@dataclass
class Record:
    """Base class: JSON encoding with a kind tag and a schema version."""

    KIND: ClassVar[str] = "record"

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self)
        data["kind"] = self.KIND
        data["schema_version"] = SCHEMA_VERSION
        return data

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        if not isinstance(data, dict):
            raise RecordError(f"{cls.KIND}: expected a JSON object, got {type(data).__name__}")
        kind = data.get("kind", cls.KIND)
        if kind != cls.KIND:
            raise RecordError(f"expected a {cls.KIND!r} record, got kind={kind!r}")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise RecordError(f"{cls.KIND}: unsupported schema_version {version!r} (this build reads {SCHEMA_VERSION})")
        kwargs = _fields(cls, data)
        _check_fields(cls, kwargs, cls.KIND)
        try:
            return cls._build(kwargs)
        except TypeError as exc:  # a required field is missing
            raise RecordError(f"{cls.KIND}: {exc}") from None

    @classmethod
    def _build(cls: type[T], kwargs: dict[str, Any]) -> T:
        return cls(**kwargs)

    @classmethod
    def from_json(cls: type[T], payload: bytes | str | None) -> T:
        try:
            data = _loads(payload)
        except RecordError as exc:
            raise RecordError(f"{cls.KIND}: {exc}") from None
        return cls.from_dict(data)


@dataclass
class Article(Record):
    """A raw article as published by the producer to ``articles.raw``.

    ``id`` is stable for the same origin and normalised content, and is the
    Kafka key, so a replay lands on the same partition as the original.
    """

    KIND: ClassVar[str] = "article"

    id: str
    source: str
    text: str
    title: str = ""
    url: str = ""
    published_at: str | None = None  # ISO 8601, UTC
    date_source: str = "ingest"  # header | feed | text | weekday | relative | ingest
    ingested_at: str = ""
    content_sha256: str = ""
    encoding: str = "utf-8"
    replay_of: str | None = None  # original id for --loop copies
    copy: int = 0  # k for the k-th --loop copy, 0 for the original
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Duplicate(Record):
    """An article that dedup found to repeat one seen before (``articles.duplicates``)."""

    KIND: ClassVar[str] = "duplicate"

    id: str
    dup_of: str
    similarity: float
    method: str  # exact | near
    source: str = ""
    title: str = ""
    published_at: str | None = None
    ingested_at: str = ""


@dataclass
class Mention:
    """One named-entity mention inside an article (part of an EnrichedArticle)."""

    text: str
    normal: str
    canonical: str
    canonical_id: str
    type: str  # PER | ORG | LOC
    start: int
    stop: int
    sentence: int


@dataclass
class Figure:
    """One reported quantity: «25−30 тысяч солдат» is low=25000, high=30000, unit «солдат»."""

    text: str
    low: float | None
    high: float | None
    unit: str
    modifier: str
    qualifier: str  # exact | approx | at_least | at_most
    start: int
    stop: int
    sentence: int
    entities: list[str] = field(default_factory=list)  # canonical names in the same sentence
    reported_by: str = ""
    action: str = ""  # lemma of the governing verb («погибнуть», «составить»)
    location: str = ""  # canonical LOC named in the sentence
    object: str = ""  # for percentages: what it is a share of («вооружение»)
    claim_id: str = ""  # set by the stories stage: the claim this figure states (docs/stories.md)
    revises: str = ""  # the claim this figure's claim revises, if any


@dataclass
class EnrichedArticle(Record):
    """An article with its extraction, published by extract to ``articles.enriched``."""

    KIND: ClassVar[str] = "enriched"

    id: str
    source: str
    title: str
    published_at: str | None
    date_source: str
    ingested_at: str
    lang: str
    length: int
    mentions: list[Mention] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    replay_of: str | None = None
    extracted_at: str = ""
    text: str = ""  # the article's text, so readers can see mentions and figures where they stand
    url: str = ""
    story_id: str = ""  # set by the stories stage (articles.storied)
    story_score: float = 0.0  # similarity to the story when it joined; 0 for a story's first article

    @classmethod
    def _build(cls, kwargs: dict[str, Any]) -> "EnrichedArticle":
        kwargs["mentions"] = [_part(Mention, m) for m in kwargs.get("mentions", [])]
        kwargs["figures"] = [_part(Figure, f) for f in kwargs.get("figures", [])]
        return cls(**kwargs)


@dataclass
class DeadLetter(Record):
    """Something that could not be processed, with the stage and the reason (``articles.dlq``)."""

    KIND: ClassVar[str] = "dead_letter"

    id: str
    stage: str  # producer | dedup | extract | sink
    source: str
    reason: str
    payload_head: str = ""  # the first bytes of the input, for a human to look at
    at: str = field(default_factory=now_iso)

    MAX_REASON: ClassVar[int] = 2000  # characters: an error message, not a stack dump
    HEAD_BYTES: ClassVar[int] = 200  # enough for a human to recognise the input

    @classmethod
    def of(cls, stage: str, source: str, reason: str, payload: bytes | str = b"", *,
           id: str | None = None, at: str | None = None) -> "DeadLetter":
        """The dead letter every stage writes: ``source`` and ``reason`` cut to MAX_REASON
        characters, the first HEAD_BYTES bytes of ``payload`` (characters, for text) as its
        head, and ``id`` by default ``letter_id(stage, source, reason, SHA-256 of the
        payload)``: one per failure, the same again for a redelivery (stored once)."""
        raw = payload.encode("utf-8", "replace") if isinstance(payload, str) else payload
        head = payload[:cls.HEAD_BYTES] if isinstance(payload, str) else \
            payload[:cls.HEAD_BYTES].decode("utf-8", "replace")
        if id is None:
            id = letter_id(stage, source, reason, sha256_hex(raw))
        return cls(id=id, stage=stage, source=source[:cls.MAX_REASON], reason=reason[:cls.MAX_REASON],
                   payload_head=head, at=at or now_iso())


def letter_id(stage: str, *parts: object) -> str:
    """A dead letter's id, unique per failure: the stage and what tells this failure apart
    (topic/partition/offset, or source, reason and a payload hash). The same failure seen
    again (a redelivery) gets the same id, so it is stored once."""
    digest = hashlib.sha256("\x00".join([stage, *map(str, parts)]).encode("utf-8"))
    return digest.hexdigest()[:20]


# Field names per dataclass, looked up once: ``dataclasses.fields`` and ``asdict`` walk
# the class on every call, and an enriched article holds ~70 mentions (measured: asdict
# made encoding an enriched article 0.57 ms, two thirds of it avoidable).
_SCALARS = (str, int, float, bool, type(None))


@functools.cache
def _ordered(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _names(cls: type) -> frozenset[str]:
    return frozenset(_ordered(cls))


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The items of ``data`` that are fields of ``cls`` (newer writers may add others)."""
    names = _names(cls)
    return {k: v for k, v in data.items() if k in names}


def _part(cls: type, data: Any) -> Any:
    """A Mention or Figure from its dict (already type-checked); extra keys (a newer writer's) are dropped."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    try:
        return cls(**data)  # the common case: exactly our fields
    except TypeError:
        return cls(**_fields(cls, data))


# -- type checks on decoding ---------------------------------------------------------------
#
# A record that decodes is a record every later stage can use without another check: each
# field has its declared type (``bool`` is not an int, an int is a float), times are ISO 8601,
# counts and offsets fit ClickHouse's UInt32, floats are finite, and strings have sane
# lengths. A consumer that gets anything else dead-letters it with the reason, which names
# the field (``enriched: figures[2].low: expected a number or null, got 'много'``).

# Fields holding ISO 8601 instants ("" and null allowed where the type allows them).
TIME_FIELDS = frozenset({"published_at", "ingested_at", "extracted_at", "at"})
UINT32_MAX = 2**32 - 1
MAX_ITEMS = 100_000  # mentions or figures in one article; extract makes a few hundred at most
# Longest string per field name; the article text is bounded by Kafka's message size instead.
_MAX_CHARS_DEFAULT = 4096
_MAX_CHARS = {"text": None, "reason": 65536, "payload_head": 65536, "title": 4096, "source": 4096,
              "url": 8192, "id": 256, "dup_of": 256, "replay_of": 256, "canonical_id": 512}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "an object",
               list: "a list"}


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value[:40] + "…") if len(value) > 40 else repr(value)
    if isinstance(value, (dict, list)):
        return type(value).__name__
    return repr(value)


def _check_time(value: str) -> str | None:
    parsed = parse_utc(value)
    if parsed is None:
        return f"not an ISO 8601 time: {_describe(value)}"
    if not 1900 <= parsed.year <= 2299:  # DateTime64(3)'s range
        return f"year {parsed.year} is out of range (1900-2299)"
    return None


def _checker(name: str, hint: Any):
    """A function value -> why it is not of type ``hint`` (None when it is), built once per field
    (an enriched article has ~70 mentions: the checks run ~600 times per article)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [o for o in typing.get_args(hint) if o is not type(None)]
        nullable = len(inner) < len(typing.get_args(hint))
        check = _checker(name, inner[0]) if len(inner) == 1 else (lambda value: None)

        def union(value):
            if value is None and nullable:
                return None
            problem = check(value)
            if problem and nullable and problem.startswith("expected "):
                return problem.replace(", got ", " or null, got ", 1)
            return problem
        return union
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        check_item = _checker(name, item)

        def items(value):
            if not isinstance(value, list):
                return f"expected a list, got {_describe(value)}"
            if len(value) > MAX_ITEMS:
                return f"{len(value)} items, over the limit of {MAX_ITEMS}"
            for i, element in enumerate(value):
                problem = check_item(element)
                if problem:
                    return f"[{i}]{'' if problem.startswith('.') else ': '}{problem}"
            return None
        return items
    if origin is dict or hint is dict:
        return lambda value: None if isinstance(value, dict) else f"expected an object, got {_describe(value)}"
    if dataclasses.is_dataclass(hint):
        def part(value):
            if not isinstance(value, dict):
                return f"expected an object, got {_describe(value)}"
            try:
                _check_fields(hint, value, "")
            except RecordError as exc:
                return "." + str(exc)
            return None
        return part
    if hint is str:
        limit = _MAX_CHARS.get(name, _MAX_CHARS_DEFAULT)
        is_time = name in TIME_FIELDS

        def string(value):
            if not isinstance(value, str):
                return f"expected a string, got {_describe(value)}"
            if limit is not None and len(value) > limit:
                return f"{len(value)} characters, over the limit of {limit}"
            return _check_time(value) if is_time and value else None
        return string
    if hint is bool:
        return lambda value: None if isinstance(value, bool) else f"expected true or false, got {_describe(value)}"
    if hint is int:
        def integer(value):
            if not isinstance(value, int) or isinstance(value, bool):
                return f"expected an integer, got {_describe(value)}"
            return None if 0 <= value <= UINT32_MAX else f"{value} is out of range (0-{UINT32_MAX})"
        return integer
    if hint is float:
        def number(value):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return f"expected a number, got {_describe(value)}"
            return None if math.isfinite(value) else f"{value} is not a finite number"
        return number
    return lambda value: None  # Any, or a type this checker does not know


@functools.cache
def _checkers(cls: type) -> tuple[tuple[str, bool, Any], ...]:
    """(name, required, check) per field of ``cls``."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                  _checker(f.name, hints[f.name])) for f in dataclasses.fields(cls))


def _check_fields(cls: type, data: dict[str, Any], kind: str) -> None:
    """Raise RecordError naming the first field of ``data`` that is missing or not of its declared type."""
    for name, required, check in _checkers(cls):
        if name not in data:
            if required:
                raise RecordError(f"{kind}: {name}: missing" if kind else f"{name}: missing")
            continue
        problem = check(data[name])
        if problem:
            where = f"{name}{problem}" if problem.startswith(("[", ".")) else f"{name}: {problem}"
            raise RecordError(f"{kind}: {where}" if kind else where)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses become dicts (in field order), lists
    and dicts are walked; what ``dataclasses.asdict`` gives, without its deep copies."""
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _ordered(type(value))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _loads(payload: bytes | str | None) -> Any:
    """The JSON of a message; RecordError for a null (tombstone) value, bytes that are not
    JSON, and JSON nested too deeply for Python's parser (RecursionError)."""
    if payload is None:
        raise RecordError("empty message (a null value)")
    if not isinstance(payload, (bytes, bytearray, str)):
        raise RecordError(f"expected JSON bytes, got {type(payload).__name__}")
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise RecordError("JSON nested too deeply to read") from None


def decode(payload: bytes | str | None) -> "Record":
    """Any pipeline record from its JSON, by its ``kind`` (one parse; the sink reads
    three kinds from three topics). Raises RecordError naming what is wrong."""
    data = _loads(payload)
    kind = data.get("kind", "") if isinstance(data, dict) else ""
    cls = _KINDS.get(kind)
    if cls is None:
        raise RecordError(f"unknown record kind {kind!r}")
    return cls.from_dict(data)


_KINDS: dict[str, type[Record]] = {cls.KIND: cls for cls in (Article, Duplicate, EnrichedArticle, DeadLetter)}
