"""``LocalDeduper``: the whole chain in one process over in-memory tables.

What the stream computes, minus Kafka: the same fingerprints, hops, steps and
driver (``driver.advance``) over an ``InMemoryStore``. For tests and the benchmark;
articles go through it one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from svodka.dedup.driver import InMemoryStore, Verdict, advance
from svodka.dedup.fingerprint import Fingerprinter
from svodka.dedup.hops import Hop
from svodka.dedup.params import DedupParams
from svodka.records import Article, Duplicate

__all__ = ["Decision", "LocalDeduper"]


@dataclass(frozen=True)
class Decision:
    unique: bool
    duplicate: Duplicate | None = None


@dataclass
class LocalDeduper:
    params: DedupParams = field(default_factory=DedupParams)
    fingerprinter: Fingerprinter = field(default_factory=Fingerprinter)
    state: InMemoryStore = field(default_factory=InMemoryStore)

    def hop(self, article: Article) -> Hop:
        return Hop(Hop.encode(article.id, self.fingerprinter.fingerprint(article), article.to_json()))

    def check(self, article: Article) -> Decision:
        return self.run(self.hop(article))

    def run(self, hop: Hop) -> Decision:
        """Take ``hop`` from its stage to a verdict."""
        outcome = advance(hop, self.state, self.params)
        return Decision(outcome.verdict is Verdict.UNIQUE, outcome.duplicate)
