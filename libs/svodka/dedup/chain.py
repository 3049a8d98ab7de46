"""Deduplication logic, pure: which key identifies "the same text", and the decision.

Exact duplicates share ``exact_key``: the hash of the normalised text (see
svodka.text.normalize: case, white space, quotes and dashes, ё/е, boilerplate
lines). ``--loop`` copies of a load test carry their copy number k in the key,
so each copy is a distinct article for every stage.

Rule for who is the original: first seen wins. The first article with a key is
unique; a later article with the same key and another id is its duplicate, even
if its published_at is earlier (a late-arriving original) — reordering the past
would retract rows analysts already counted. An article that arrives again with
the *same* id is a redelivery or a replay, not a duplicate: it is passed on as
unique again and the idempotent sink stores it once.

Near duplicates (same story, lightly edited) are found with MinHash-LSH and
then verified exactly:

* shingles are word bigrams of the normalised text, each kept as a 32-bit hash
  (``Fingerprinter.shingle_hashes``, a sorted array without repeats);
* a datasketch ``MinHash`` of ``BANDS * ROWS`` permutations over those hashes is
  cut into ``BANDS`` bands of ``ROWS`` values; each band gives an 8-byte band key
  (which also encodes the band number and the ``--loop`` copy k);
* two articles are *candidates* when they share a band key, and *near
  duplicates* when the exact Jaccard similarity of their shingle sets is at
  least the threshold (``DedupParams.threshold``, ``Settings.dedup.threshold``).

The stream applies this as a chain (services/dedup/app.py): exact stage, then
band 1, band 2, … band 8, each stage owning the state for its keys; the steps
``exact_step`` and ``band_step`` below are that chain's decisions, and
``LocalDeduper`` runs the same chain in memory (tests, benchmark). The first
seen rule holds per bucket: an article is compared only with entries registered
in the bucket before it, so of two near duplicates the later one is the
duplicate (docs/dedup.md argues why the chain never marks both).

State is bounded by a window of event time (published_at, else ingested_at):
entries older than the window, measured back from the article being checked,
are dropped from a bucket when it is touched and ignored in the first-seen
table; a periodic sweep deletes what the stream no longer touches.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import cramjam
import numpy as np
from datasketch import MinHash

from svodka.records import Article, Duplicate
from svodka.settings import DedupSettings
from svodka.text import normalize, sha256_hex, split_seed_header
from svodka.timeutil import now_ms, to_ms

# -- parameters ---------------------------------------------------------------------------
# Measured on the seeds and their perturbed copies (docs/dedup.md, tests/unit/test_dedup.py):
# with word bigrams a 10% word edit keeps Jaccard ≈ 0.68, a removed paragraph ≥ 0.82, an
# added line ≥ 0.97, while the closest distinct seeds (same visit, other outlets) are ≤ 0.04.
SHINGLE_WORDS = 2
BANDS = 8
ROWS = 2
DEFAULT_THRESHOLD = DedupSettings.threshold  # SVODKA_DEDUP_THRESHOLD
DEFAULT_WINDOW_DAYS = DedupSettings.window_days  # SVODKA_DEDUP_WINDOW_DAYS
MINHASH_SEED = 1  # every worker must use the same permutations: part of the state format
MAX_SHINGLES = 8192  # longer texts keep their 8192 smallest hashes (a bottom-k sample)
MAX_BUCKET_ENTRIES = 64  # a full bucket takes no more entries (see band_step); the byte cap
MAX_BUCKET_BYTES = 512 * 1024  # also keeps a changelog record well under Kafka's 1 MB
FUTURE_SLACK_MS = 2 * 86_400_000  # a published_at this far after ingestion is not believed
DAY_MS = 86_400_000

_MIX64 = np.uint64(0x9E3779B97F4A7C15)
_U32 = np.dtype("<u4")


class DedupConfigError(ValueError):
    """A dedup parameter is out of range."""


@dataclass(frozen=True)
class DedupParams:
    threshold: float = DEFAULT_THRESHOLD
    window_days: float = DEFAULT_WINDOW_DAYS

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise DedupConfigError(f"the dedup threshold must be in (0, 1], got {self.threshold}")
        if self.window_days <= 0:
            raise DedupConfigError(f"the dedup window must be positive, got {self.window_days} days")

    @property
    def window_ms(self) -> int:
        return int(self.window_days * DAY_MS)

    @classmethod
    def from_settings(cls, settings: DedupSettings) -> "DedupParams":
        return cls(threshold=settings.threshold, window_days=settings.window_days)


# -- keys ---------------------------------------------------------------------------------

def exact_key(article: Article) -> str:
    _, body = split_seed_header(article.text)
    return _exact_key_of(normalize(body), article.copy)


def _exact_key_of(normalized: str, copy: int) -> str:
    key = sha256_hex(normalized)
    return f"{key}:{copy}" if copy else key


def order_ms(article: Article | Mapping) -> int:
    """The article's event time in ms: published_at, else ingested_at, else now.

    A published_at more than two days after ingestion is a parsing accident, not a
    date (it would push the stream time ahead and expire everything): ingested_at wins.
    """
    get = article.get if isinstance(article, Mapping) else article.__getattribute__
    published, ingested = to_ms(get("published_at")), to_ms(get("ingested_at"))
    if published is not None and (ingested is None or published <= ingested + FUTURE_SLACK_MS):
        return published
    if ingested is not None:
        return ingested
    return now_ms()


# -- fingerprints -------------------------------------------------------------------------

@dataclass(frozen=True)
class Fingerprint:
    exact_key: str
    hashes: np.ndarray  # sorted unique uint32 shingle hashes (maybe empty)
    band_keys: tuple[bytes, ...]  # BANDS keys of 8 bytes; () when the text has no words
    order: int  # event time, ms


class Fingerprinter:
    """Shingles, MinHash and band keys; one per process (it caches word hashes)."""

    def __init__(self, bands: int = BANDS, rows: int = ROWS, seed: int = MINHASH_SEED) -> None:
        self.bands, self.rows = bands, rows
        self._minhash = MinHash(num_perm=bands * rows, seed=seed, hashfunc=int, scheme="affine32")
        self._words: dict[str, int] = {}

    def word_hashes(self, words: list[str]) -> list[int]:
        cache = self._words
        if len(cache) > 500_000:  # a vocabulary, not a leak: start over when it gets big
            cache.clear()
        hashes = list(map(cache.get, words))
        if None in hashes:
            for i, h in enumerate(hashes):
                if h is None:
                    word = words[i]
                    hashes[i] = cache[word] = zlib.crc32(word.encode("utf-8"))
        return hashes

    def shingle_hashes(self, normalized: str) -> np.ndarray:
        """32-bit hashes of the word bigrams (one word: its hash), sorted, without repeats.

        Words are the text's white-space separated tokens: ``normalize`` has already
        unified case, quotes, dashes and spacing, so punctuation left on a token is
        the text's own (and costs nothing to keep, where a regex tokenizer costs more
        than the MinHash)."""
        words = normalized.split()
        if not words:
            return np.empty(0, dtype=np.uint32)
        h = np.array(self.word_hashes(words), dtype=np.uint64)
        if len(words) >= SHINGLE_WORDS:
            # (h[i], h[i+1]) as one 64-bit number, multiplicatively hashed down to 32 bits.
            h = (((h[:-1] << np.uint64(32)) | h[1:]) * _MIX64) >> np.uint64(32)
        h = np.sort(h.astype(np.uint32))
        if len(h) > 1:
            h = h[np.concatenate(([True], h[1:] != h[:-1]))]
        return h[:MAX_SHINGLES]

    def band_keys(self, hashes: np.ndarray, copy: int = 0) -> tuple[bytes, ...]:
        if not len(hashes):
            return ()
        mh = self._minhash
        mh.clear()
        mh.update_batch(hashes.tolist())
        values = mh.hashvalues.astype(_U32).tobytes()
        step = 4 * self.rows
        suffix = copy.to_bytes(8, "little", signed=False)
        return tuple(hashlib.blake2b(bytes((i,)) + values[i * step:(i + 1) * step] + suffix, digest_size=8).digest()
                     for i in range(self.bands))

    def fingerprint(self, article: Article) -> Fingerprint:
        _, body = split_seed_header(article.text)
        normalized = normalize(body)
        hashes = self.shingle_hashes(normalized)
        return Fingerprint(_exact_key_of(normalized, article.copy), hashes,
                           self.band_keys(hashes, article.copy), order_ms(article))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if not len(a) or not len(b):
        return 1.0 if len(a) == len(b) else 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def partition_of(key: bytes, partitions: int) -> int:
    """The partition that owns a state key (exact keys are hex, band keys are hashes)."""
    return zlib.crc32(key) % partitions


# -- the record that travels the chain ----------------------------------------------------
# header: next stage (0 = exact, i = band i-1), band count, flags, id length, exact-key length,
# shingle count, payload length, event time; then id, exact key, band keys, hashes, payload.
# The payload (the article's JSON, needed wherever the chain may stop) travels snappy-compressed.
_HOP = struct.Struct("<BBBHHIIq")
EXACT_STAGE = 0
_SNAPPY = 1


class Hop:
    """One article on its way through the chain, decoded lazily from its bytes."""

    __slots__ = ("raw", "stage", "nbands", "id", "exact_key", "order", "_flags", "_keys_at", "_hashes_at",
                 "_nhashes", "_payload_at", "_entry")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        try:
            stage, nbands, flags, id_len, key_len, nhashes, payload_len, order = _HOP.unpack_from(raw)
        except struct.error:
            raise ValueError("truncated dedup record") from None
        at = _HOP.size
        self.id = raw[at:at + id_len].decode("utf-8")
        at += id_len
        self.exact_key = raw[at:at + key_len]
        at += key_len
        self._keys_at = at
        at += 8 * nbands
        self._hashes_at, self._nhashes = at, nhashes
        at += 4 * nhashes
        self._payload_at = at
        if at + payload_len != len(raw) or stage > nbands:
            raise ValueError("malformed dedup record")
        self.stage, self.nbands, self.order, self._flags = stage, nbands, order, flags
        self._entry: bytes | None = None

    @staticmethod
    def encode(article_id: str, fp: Fingerprint, payload: bytes) -> bytes:
        ident, key = article_id.encode("utf-8"), fp.exact_key.encode("ascii")
        packed = bytes(cramjam.snappy.compress_raw(payload))
        return b"".join((_HOP.pack(EXACT_STAGE, len(fp.band_keys), _SNAPPY, len(ident), len(key), len(fp.hashes),
                                   len(packed), fp.order),
                         ident, key, *fp.band_keys, fp.hashes.astype(_U32).tobytes(), packed))

    def band_key(self, band: int) -> bytes:
        at = self._keys_at + 8 * band
        return self.raw[at:at + 8]

    @property
    def hashes_bytes(self) -> bytes:
        return self.raw[self._hashes_at:self._hashes_at + 4 * self._nhashes]

    @property
    def hashes(self) -> np.ndarray:
        return np.frombuffer(self.raw, dtype=_U32, count=self._nhashes, offset=self._hashes_at)

    @property
    def payload(self) -> bytes:
        """The article's original JSON."""
        data = self.raw[self._payload_at:]
        return bytes(cramjam.snappy.decompress_raw(data)) if self._flags & _SNAPPY else data

    @property
    def nhashes(self) -> int:
        return self._nhashes

    @property
    def entry(self) -> bytes:
        """This article as a bucket entry (the same bytes in every band)."""
        if self._entry is None:
            ident = self.id.encode("utf-8")
            self._entry = _ENTRY.pack(len(ident), self._nhashes, self.order) + ident + self.hashes_bytes
        return self._entry

    @property
    def wire(self) -> bytes:
        """The record as it travels to its next stage."""
        return self.raw if self.raw[0] == self.stage else bytes((self.stage,)) + self.raw[1:]

    def at_stage(self, stage: int) -> bytes:
        return bytes((stage,)) + self.raw[1:]

    @property
    def next_key(self) -> bytes:
        """The state key of the stage this record is going to."""
        return self.exact_key if self.stage == EXACT_STAGE else self.band_key(self.stage - 1)


ENVELOPE_MAGIC = b"SVDD\x01"
_LEN = struct.Struct("<I")
MAX_ENVELOPE_BYTES = 900_000


def pack_envelopes(records: list[bytes], limit: int = MAX_ENVELOPE_BYTES) -> Iterator[bytes]:
    """Batch records for one partition into messages of at most ``limit`` bytes (or one record)."""
    parts, size = [ENVELOPE_MAGIC], len(ENVELOPE_MAGIC)
    for rec in records:
        if size + 4 + len(rec) > limit and len(parts) > 1:
            yield b"".join(parts)
            parts, size = [ENVELOPE_MAGIC], len(ENVELOPE_MAGIC)
        parts += (_LEN.pack(len(rec)), rec)
        size += 4 + len(rec)
    if len(parts) > 1:
        yield b"".join(parts)


def unpack_envelope(message: bytes) -> Iterator[bytes]:
    if not message.startswith(ENVELOPE_MAGIC):
        raise ValueError("not a dedup envelope")
    at, end = len(ENVELOPE_MAGIC), len(message)
    while at < end:
        (n,) = _LEN.unpack_from(message, at)
        at += 4
        if at + n > end:
            raise ValueError("truncated dedup envelope")
        yield message[at:at + n]
        at += n


# -- state values ---------------------------------------------------------------------------
# first-seen: event time (int64) + the first id.
_FIRST = struct.Struct("<q")


def encode_first(article_id: str, order: int) -> bytes:
    return _FIRST.pack(order) + article_id.encode("utf-8")


def decode_first(value: bytes) -> tuple[str, int]:
    (order,) = _FIRST.unpack_from(value)
    return value[_FIRST.size:].decode("utf-8"), order


# bucket: entries in registration order, each id length, shingle count, event time, id, hashes.
_ENTRY = struct.Struct("<HIq")


@dataclass
class Entry:
    id: str
    order: int
    hashes: bytes  # little-endian uint32, sorted

    def encode(self) -> bytes:
        ident = self.id.encode("utf-8")
        return _ENTRY.pack(len(ident), len(self.hashes) // 4, self.order) + ident + self.hashes


def decode_bucket(value: bytes | None) -> list[Entry]:
    entries: list[Entry] = []
    if not value:
        return entries
    at, end = 0, len(value)
    while at < end:
        id_len, n, order = _ENTRY.unpack_from(value, at)
        at += _ENTRY.size
        ident = value[at:at + id_len].decode("utf-8")
        at += id_len
        entries.append(Entry(ident, order, value[at:at + 4 * n]))
        at += 4 * n
    return entries


def encode_bucket(entries: list[Entry]) -> bytes:
    return b"".join(e.encode() for e in entries)


def newest_order(value: bytes, first_seen: bool) -> int:
    """The newest event time in a state value (the sweep deletes values whose newest is expired)."""
    if first_seen:
        return _FIRST.unpack_from(value)[0]
    return max((e.order for e in decode_bucket(value)), default=0)


# -- the chain's decisions ------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """What one stage decided for one article.

    ``dup_of`` set: a duplicate (stop). Otherwise the article goes on to the next stage.
    ``state`` is the new value to store under the stage's key (None: leave it as it is).
    """

    dup_of: str | None = None
    similarity: float = 1.0
    state: bytes | None = None


def exact_step(hop: Hop, first: bytes | None, params: DedupParams) -> Step:
    """First-seen table: key = exact key, value = (first id, its event time)."""
    if first is not None:
        first_id, first_order = decode_first(first)
        if first_id == hop.id:
            return Step()  # a replay of the first one: on, unchanged
        if first_order >= hop.order - params.window_ms:
            return Step(dup_of=first_id, similarity=1.0)
        # the first one is older than the window: forgotten, this one is the new first
    return Step(state=encode_first(hop.id, hop.order))


def band_step(hop: Hop, bucket: bytes | None, params: DedupParams) -> Step:
    """One band's bucket: key = band key, value = the entries registered under it."""
    if not bucket:  # the common case: nobody here yet
        return Step(state=hop.entry)
    entries = decode_bucket(bucket)
    cutoff = hop.order - params.window_ms
    own = next((i for i, e in enumerate(entries) if e.id == hop.id), None)
    earlier = entries if own is None else entries[:own]  # a replay compares with what it met the first time
    mine: np.ndarray | None = None
    n = hop._nhashes
    for entry in earlier:
        if entry.order < cutoff:
            continue
        m = len(entry.hashes) // 4
        if min(n, m) < params.threshold * max(n, m):  # Jaccard ≤ min/max: cannot reach the threshold
            continue
        if mine is None:
            mine = hop.hashes
        similarity = jaccard(mine, np.frombuffer(entry.hashes, dtype=_U32))
        if similarity >= params.threshold:
            return Step(dup_of=entry.id, similarity=similarity)
    if own is not None:
        return Step()  # a replay that passed here before: on, without registering again
    kept = [e.encode() for e in entries if e.order >= cutoff]
    if len(kept) >= MAX_BUCKET_ENTRIES or sum(map(len, kept)) + len(hop.entry) > MAX_BUCKET_BYTES:
        # Only articles that are not duplicates of each other register, so a full bucket
        # holds false candidates (a band shared by chance, e.g. two very common word pairs):
        # it is still checked, but takes no more entries (rewriting it for each would cost
        # ~100 KB of changelog). The article stays findable through its other bands.
        return Step(state=b"".join(kept) if len(kept) < len(entries) else None)
    kept.append(hop.entry)
    return Step(state=b"".join(kept))


def make_duplicate(payload: bytes, dup_of: str, similarity: float, method: str) -> Duplicate:
    """The Duplicate record for an article given as its original JSON payload."""
    data = json.loads(payload)
    return Duplicate(id=data["id"], dup_of=dup_of, similarity=round(float(similarity), 4), method=method,
                     source=data.get("source", ""), title=data.get("title", ""),
                     published_at=data.get("published_at"), ingested_at=data.get("ingested_at", ""))


def stage_step(hop: Hop, value: bytes | None, params: DedupParams) -> Step:
    """The decision of the stage ``hop`` is at (``hop.stage``), given the value stored
    under its key (``hop.next_key``) in that stage's table."""
    return exact_step(hop, value, params) if hop.stage == EXACT_STAGE else band_step(hop, value, params)


def stage_method(stage: int) -> str:
    return "exact" if stage == EXACT_STAGE else "near"


@dataclass(frozen=True)
class Decision:
    unique: bool
    duplicate: Duplicate | None = None


@dataclass
class LocalDeduper:
    """The whole chain in one process, with dicts for tables: what the stream computes,
    minus Kafka (for tests and the benchmark). Articles go through it one at a time."""

    params: DedupParams = field(default_factory=DedupParams)
    fingerprinter: Fingerprinter = field(default_factory=Fingerprinter)
    first_seen: dict[bytes, bytes] = field(default_factory=dict)
    buckets: dict[bytes, bytes] = field(default_factory=dict)

    def hop(self, article: Article) -> Hop:
        payload = article.to_json()
        return Hop(Hop.encode(article.id, self.fingerprinter.fingerprint(article), payload))

    def check(self, article: Article) -> Decision:
        return self.run(self.hop(article))

    def table(self, stage: int) -> dict[bytes, bytes]:
        return self.first_seen if stage == EXACT_STAGE else self.buckets

    def run(self, hop: Hop) -> Decision:
        """Take ``hop`` from its stage to a verdict (the loop of the stream's ``_advance``)."""
        while True:
            table, key = self.table(hop.stage), hop.next_key
            step = stage_step(hop, table.get(key), self.params)
            if step.state is not None:
                table[key] = step.state
            if step.dup_of is not None:
                return Decision(False, make_duplicate(hop.payload, step.dup_of, step.similarity,
                                                      stage_method(hop.stage)))
            if hop.stage == hop.nbands:
                return Decision(True)
            hop.stage += 1
