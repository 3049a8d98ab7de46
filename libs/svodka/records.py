"""The messages that travel on the pipeline's topics, as versioned JSON.

Every record is a plain dataclass. On the wire it is a JSON object carrying
``kind`` and ``schema_version`` so a consumer can refuse what it does not
understand with a clear reason (and dead-letter it) instead of guessing.
See docs/records.md for the field-by-field description.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

SCHEMA_VERSION = 1


def utc_now() -> str:
    """Now, as the ISO 8601 UTC string every record uses for times."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")

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
        try:
            return cls._build(_fields(cls, data))
        except TypeError as exc:  # a required field is missing
            raise RecordError(f"{cls.KIND}: {exc}") from None

    @classmethod
    def _build(cls: type[T], kwargs: dict[str, Any]) -> T:
        return cls(**kwargs)

    @classmethod
    def from_json(cls: type[T], payload: bytes | str) -> T:
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"{cls.KIND}: not valid JSON ({exc})") from None
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
    date_source: str = "ingest"  # header | feed | text | ingest
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
    # The body, for the stories stage's term vectors; the stories stage clears it on the
    # way to the sink (ClickHouse does not store bodies).
    text: str = ""
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
    at: str = field(default_factory=utc_now)


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
    """A Mention or Figure from its dict; extra keys (a newer writer's) are dropped."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    try:
        return cls(**data)  # the common case: exactly our fields
    except TypeError:
        return cls(**_fields(cls, data))


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


def decode(payload: bytes | str) -> "Record":
    """Any pipeline record from its JSON, by its ``kind`` (one parse; the sink reads
    three kinds from three topics). Raises RecordError naming what is wrong."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not valid JSON ({exc})") from None
    kind = data.get("kind", "") if isinstance(data, dict) else ""
    cls = _KINDS.get(kind)
    if cls is None:
        raise RecordError(f"unknown record kind {kind!r}")
    return cls.from_dict(data)


_KINDS: dict[str, type[Record]] = {cls.KIND: cls for cls in (Article, Duplicate, EnrichedArticle, DeadLetter)}
