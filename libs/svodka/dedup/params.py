"""Dedup's parameters: the shingle and band shapes, the caps, the threshold and the window.

Measured on the seeds and their perturbed copies (docs/dedup.md, tests/unit/dedup/):
with word bigrams a 10% word edit keeps Jaccard ≈ 0.68, a removed paragraph ≥ 0.82, an
added line ≥ 0.97, while the closest distinct seeds (same visit, other outlets) are
≤ 0.04. The shapes are part of the state format: every worker must use the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from svodka.settings import DedupSettings

__all__ = ["BANDS", "DAY_MS", "DEFAULT_THRESHOLD", "DEFAULT_WINDOW_DAYS", "FUTURE_SLACK_MS", "MAX_BUCKET_BYTES",
           "MAX_BUCKET_ENTRIES", "MAX_SHINGLES", "MINHASH_SEED", "ROWS", "SHINGLE_WORDS", "DedupConfigError",
           "DedupParams"]

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
