"""``svodka ingest --wait``: wait until every published article has landed in ClickHouse.

Every article the producer publishes ends in exactly one of three tables: stored
(``articles``), found to be a duplicate (``duplicates``) or dead-lettered
(``dead_letters``). The wait polls those three for the published ids.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from svodka_services.cli.queries import Queries, QueryError

_CHUNK = 2000  # ids per query, to keep statements small
# Each poll asks for a short timeout: the sink runs such queries in its short lane, so
# analysts' long queries never hold up a wait.
POLL_TIMEOUT_S = 5.0


@dataclass
class Landed:
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0

    @property
    def total(self) -> int:
        return self.stored + self.duplicates + self.dead_lettered


def _quote(ids: list[str]) -> str:
    return ",".join("'" + i.replace("\\", "\\\\").replace("'", "\\'") + "'" for i in ids)


def count_landed(queries: Queries, ids: list[str]) -> Landed:
    landed = Landed()
    for start in range(0, len(ids), _CHUNK):
        chunk = _quote(ids[start:start + _CHUNK])
        rows = queries.run(
            f"SELECT (SELECT uniqExact(id) FROM articles WHERE id IN ({chunk})),"
            f" (SELECT uniqExact(id) FROM duplicates WHERE id IN ({chunk})),"
            f" (SELECT uniqExact(id) FROM dead_letters WHERE id IN ({chunk}))", timeout=POLL_TIMEOUT_S).rows
        stored, dups, dead = rows[0]
        landed.stored += stored
        landed.duplicates += dups
        landed.dead_lettered += dead
    return landed


def wait_landed(queries: Queries, ids: list[str], timeout: float, progress: bool = True) -> Landed:
    """Poll until all ids have landed or the timeout passes (then raise QueryError)."""
    ids = sorted(set(ids))
    deadline = time.monotonic() + timeout
    tty = progress and sys.stderr.isatty()
    landed = Landed()
    while True:
        try:
            landed = count_landed(queries, ids)
        except QueryError:
            if time.monotonic() > deadline:
                raise
            landed = Landed()
        if tty:
            print(f"\rwaiting: {landed.total}/{len(ids)} processed", end="", file=sys.stderr, flush=True)
        if landed.total >= len(ids):
            break
        if time.monotonic() > deadline:
            if tty:
                print(file=sys.stderr)
            raise QueryError(f"timed out after {timeout:.0f}s: {landed.total} of {len(ids)} articles processed "
                             f"(stored {landed.stored}, duplicates {landed.duplicates}, "
                             f"dead-lettered {landed.dead_lettered}); see `svodka status`")
        time.sleep(0.5)
    if tty:
        print(file=sys.stderr)
    return landed
