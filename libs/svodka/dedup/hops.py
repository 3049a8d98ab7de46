"""The record that travels the chain (a *hop*), and the envelopes that carry hops.

A hop is an article on its way through the stages: a fixed header — next stage
(0 = exact, i = band i-1), band count, flags, id length, exact-key length, shingle
count, payload length, event time — then id, exact key, band keys, hashes and the
payload (the article's JSON, needed wherever the chain may stop), which travels
snappy-compressed. It is decoded lazily from its bytes: a stage reads only what it
needs. Hops bound for one partition are batched into envelopes of at most
``MAX_ENVELOPE_BYTES`` (under Kafka's 1 MB message limit).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import cramjam
import numpy as np

from svodka.dedup.fingerprint import U32, Fingerprint
from svodka.dedup.state import ENTRY

__all__ = ["ENVELOPE_MAGIC", "EXACT_STAGE", "MAX_ENVELOPE_BYTES", "Hop", "pack_envelopes", "unpack_envelope"]

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
                         ident, key, *fp.band_keys, fp.hashes.astype(U32).tobytes(), packed))

    def band_key(self, band: int) -> bytes:
        at = self._keys_at + 8 * band
        return self.raw[at:at + 8]

    @property
    def hashes_bytes(self) -> bytes:
        return self.raw[self._hashes_at:self._hashes_at + 4 * self._nhashes]

    @property
    def hashes(self) -> np.ndarray:
        return np.frombuffer(self.raw, dtype=U32, count=self._nhashes, offset=self._hashes_at)

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
            self._entry = ENTRY.pack(len(ident), self._nhashes, self.order) + ident + self.hashes_bytes
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
