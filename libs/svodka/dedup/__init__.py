"""Dedup: exact and near duplicates (MinHash bands) decided by a chain of keyed steps.

One module per concept, in the order an article meets them:

- ``params``: shapes, caps, the threshold and the window (``DedupParams``);
- ``fingerprint``: exact key, shingle hashes, band keys, event time (``Fingerprinter``);
- ``hops``: the record that travels the chain, and its envelopes;
- ``state``: the first-seen and bucket values, as bytes;
- ``steps``: what one stage decides (``exact_step``, ``band_step``);
- ``driver``: the one loop that runs the stages over a ``ChainStore``;
- ``local``: ``LocalDeduper``, the chain over in-memory tables.

The stream service (svodka_services.dedup) runs the same driver over faust's RocksDB
tables. See docs/dedup.md.
"""

from svodka.dedup.driver import ChainStore, InMemoryStore, Outcome, Verdict, advance
from svodka.dedup.fingerprint import Fingerprint, Fingerprinter, exact_key, jaccard, order_ms, partition_of
from svodka.dedup.hops import EXACT_STAGE, MAX_ENVELOPE_BYTES, Hop, pack_envelopes, unpack_envelope
from svodka.dedup.local import Decision, LocalDeduper
from svodka.dedup.params import (
    BANDS, DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS, MAX_BUCKET_ENTRIES, DedupConfigError, DedupParams,
)
from svodka.dedup.state import Entry, decode_bucket, decode_first, encode_bucket, encode_first, newest_order
from svodka.dedup.steps import Step, band_step, exact_step, make_duplicate, stage_method, stage_step

__all__ = [
    "BANDS", "DEFAULT_THRESHOLD", "DEFAULT_WINDOW_DAYS", "EXACT_STAGE", "MAX_BUCKET_ENTRIES", "MAX_ENVELOPE_BYTES",
    "ChainStore", "Decision", "DedupConfigError", "DedupParams", "Entry", "Fingerprint", "Fingerprinter", "Hop",
    "InMemoryStore", "LocalDeduper", "Outcome", "Step", "Verdict", "advance", "band_step", "decode_bucket",
    "decode_first", "encode_bucket", "encode_first", "exact_key", "exact_step", "jaccard", "make_duplicate",
    "newest_order", "order_ms", "pack_envelopes", "partition_of", "stage_method", "stage_step", "unpack_envelope",
]
