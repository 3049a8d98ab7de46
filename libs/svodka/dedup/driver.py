"""The one chain driver: take a hop from its next stage to a verdict, over a store of state.

The chain is: exact stage (table first-seen, key = exact key), then band 1 … band 8
(table band-buckets, key = band key). ``advance`` runs the stages in order for as
long as the store may run the stage's key here (``ChainStore.owns``): it reads the
value under the key, lets the stage decide (``steps.stage_step``), writes the new
value, and stops at a duplicate, after the last band (unique), or at a key the store
does not own (the hop must travel to the key's owner, which runs ``advance`` on it
again). Synchronous on purpose: nothing else runs between reading a key and writing
it, so a key is never decided on a stale value.

Two stores implement ``ChainStore``: ``InMemoryStore`` (two dicts, owns every key:
``LocalDeduper``, tests, the benchmark) and the dedup service's batch over faust's
RocksDB tables (``svodka_services.dedup.outbox``), which owns the keys of the
partitions assigned to its worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from svodka.dedup.hops import EXACT_STAGE, Hop
from svodka.dedup.params import DedupParams
from svodka.dedup.steps import make_duplicate, stage_method, stage_step
from svodka.records import Duplicate

__all__ = ["ChainStore", "InMemoryStore", "Outcome", "Verdict", "advance"]


class ChainStore(Protocol):
    """Where the chain's state lives. ``stage`` is ``EXACT_STAGE`` (first-seen) or a band."""

    def owns(self, stage: int, key: bytes) -> bool:
        """May this process run ``stage`` for ``key`` now?"""

    def load(self, stage: int, key: bytes) -> bytes | None:
        """The value under ``key`` in the stage's table (None: nothing yet)."""

    def store(self, stage: int, key: bytes, value: bytes) -> None:
        """Replace the value under ``key`` in the stage's table."""


class Verdict(Enum):
    UNIQUE = "unique"  # passed the last band (or had no words to compare)
    DUPLICATE = "duplicate"
    ELSEWHERE = "elsewhere"  # the next stage's key belongs to another worker


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    duplicate: Duplicate | None = None  # with Verdict.DUPLICATE


def advance(hop: Hop, store: ChainStore, params: DedupParams) -> Outcome:
    """Run ``hop``'s chain from ``hop.stage`` (updated in place) as far as ``store`` allows."""
    while True:
        stage, key = hop.stage, hop.next_key
        if not store.owns(stage, key):
            return Outcome(Verdict.ELSEWHERE)
        step = stage_step(hop, store.load(stage, key), params)
        if step.state is not None:
            store.store(stage, key, step.state)
        if step.dup_of is not None:
            return Outcome(Verdict.DUPLICATE, make_duplicate(hop.payload, step.dup_of, step.similarity,
                                                             stage_method(stage)))
        if stage == hop.nbands:
            return Outcome(Verdict.UNIQUE)
        hop.stage = stage + 1


@dataclass
class InMemoryStore:
    """Both tables as dicts; every key is owned (one process runs the whole chain)."""

    first_seen: dict[bytes, bytes] = field(default_factory=dict)
    buckets: dict[bytes, bytes] = field(default_factory=dict)

    def table(self, stage: int) -> dict[bytes, bytes]:
        return self.first_seen if stage == EXACT_STAGE else self.buckets

    def owns(self, stage: int, key: bytes) -> bool:
        return True

    def load(self, stage: int, key: bytes) -> bytes | None:
        return self.table(stage).get(key)

    def store(self, stage: int, key: bytes, value: bytes) -> None:
        self.table(stage)[key] = value
