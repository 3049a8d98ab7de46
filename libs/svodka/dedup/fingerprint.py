"""What dedup computes of an article once: exact key, shingle hashes, band keys, event time.

Exact duplicates share ``exact_key``: the hash of the normalised text (see
svodka.text.normalize: case, white space, quotes and dashes, ё/е, boilerplate
lines). ``--loop`` copies of a load test carry their copy number k in the key,
so each copy is a distinct article for every stage.

Shingles are word bigrams of the normalised text, each kept as a 32-bit hash
(``Fingerprinter.shingle_hashes``, a sorted array without repeats); a datasketch
``MinHash`` of ``BANDS * ROWS`` permutations over those hashes is cut into ``BANDS``
bands of ``ROWS`` values; each band gives an 8-byte band key (which also encodes the
band number and the ``--loop`` copy k). Two articles are *candidates* when they share
a band key, and *near duplicates* when the exact Jaccard similarity of their shingle
sets (``jaccard``) is at least the threshold.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash

from svodka.dedup.params import BANDS, FUTURE_SLACK_MS, MAX_SHINGLES, MINHASH_SEED, ROWS, SHINGLE_WORDS
from svodka.records import Article
from svodka.text import normalize, sha256_hex, split_seed_header
from svodka.timeutil import now_ms, to_ms

__all__ = ["U32", "Fingerprint", "Fingerprinter", "exact_key", "jaccard", "order_ms", "partition_of"]

_MIX64 = np.uint64(0x9E3779B97F4A7C15)
U32 = np.dtype("<u4")  # shingle hashes on the wire and in the state: little-endian uint32


def exact_key(article: Article) -> str:
    _, body = split_seed_header(article.text)
    return _exact_key_of(normalize(body), article.copy)


def _exact_key_of(normalized: str, copy: int) -> str:
    key = sha256_hex(normalized)
    return f"{key}:{copy}" if copy else key


def order_ms(article: Article | Mapping[str, Any]) -> int:
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
        hashes: list[Any] = list(map(cache.get, words))
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
        values = mh.hashvalues.astype(U32).tobytes()
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
