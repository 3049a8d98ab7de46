"""The chain's decisions: what one stage decides for one hop, given the value under its key.

Rule for who is the original: first seen wins. The first article with a key is
unique; a later article with the same key and another id is its duplicate, even
if its published_at is earlier (a late-arriving original) — reordering the past
would retract rows analysts already counted. An article that arrives again with
the *same* id is a redelivery or a replay, not a duplicate: it is passed on as
unique again and the idempotent sink stores it once. The rule holds per bucket:
an article is compared only with entries registered in the bucket before it, so of
two near duplicates the later one is the duplicate (docs/dedup.md argues why the
chain never marks both). Entries older than the window, measured back from the
article being checked, are dropped from a bucket when it is touched and ignored in
the first-seen table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from svodka.dedup.fingerprint import U32, jaccard
from svodka.dedup.hops import EXACT_STAGE, Hop
from svodka.dedup.params import MAX_BUCKET_BYTES, MAX_BUCKET_ENTRIES, DedupParams
from svodka.dedup.state import decode_bucket, decode_first, encode_first
from svodka.records import Duplicate

__all__ = ["Step", "band_step", "exact_step", "make_duplicate", "stage_method", "stage_step"]

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
    n = hop.nhashes
    for entry in earlier:
        if entry.order < cutoff:
            continue
        m = len(entry.hashes) // 4
        if min(n, m) < params.threshold * max(n, m):  # Jaccard ≤ min/max: cannot reach the threshold
            continue
        if mine is None:
            mine = hop.hashes
        similarity = jaccard(mine, np.frombuffer(entry.hashes, dtype=U32))
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
