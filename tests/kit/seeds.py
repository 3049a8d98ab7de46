"""The seed articles in ``seeds/`` (real Russian news, with a ``date YYYY-MM-DD`` header)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from svodka.text import split_seed_header

REPO = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO / "seeds"


def seed_paths() -> list[Path]:
    """The seed files, in name order."""
    return sorted(SEEDS_DIR.glob("*.txt"))


def seed_path(prefix: str) -> Path:
    """The seed whose name starts with ``prefix`` (e.g. "003")."""
    return next(p for p in seed_paths() if p.name.startswith(prefix))


@cache
def seed_texts() -> dict[str, str]:
    """{"000": the whole file, header included, …} by the three-digit prefix."""
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in seed_paths()}


def seed_body(seed: str | Path) -> str:
    """A seed's text without its date header (``seed``: a prefix or a path)."""
    text = seed.read_text(encoding="utf-8") if isinstance(seed, Path) else seed_texts()[seed[:3]]
    return split_seed_header(text)[1]
