"""The values dedup keeps in its two tables, as bytes (the same in memory and in RocksDB).

* first-seen (key: exact key): the event time (int64) and the first id;
* band buckets (key: band key): entries in registration order, each id length,
  shingle count, event time, id, hashes.

``newest_order`` is what the sweep deletes by: a value whose newest event time is
older than the window is forgotten.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ENTRY", "Entry", "decode_bucket", "decode_first", "encode_bucket", "encode_first", "newest_order"]

_FIRST = struct.Struct("<q")


def encode_first(article_id: str, order: int) -> bytes:
    return _FIRST.pack(order) + article_id.encode("utf-8")


def decode_first(value: bytes) -> tuple[str, int]:
    (order,) = _FIRST.unpack_from(value)
    return value[_FIRST.size:].decode("utf-8"), order


ENTRY = struct.Struct("<HIq")


@dataclass
class Entry:
    id: str
    order: int
    hashes: bytes  # little-endian uint32, sorted

    def encode(self) -> bytes:
        ident = self.id.encode("utf-8")
        return ENTRY.pack(len(ident), len(self.hashes) // 4, self.order) + ident + self.hashes


def decode_bucket(value: bytes | None) -> list[Entry]:
    entries: list[Entry] = []
    if not value:
        return entries
    at, end = 0, len(value)
    while at < end:
        id_len, n, order = ENTRY.unpack_from(value, at)
        at += ENTRY.size
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
