"""Story and claim ids: derived from the first member, so a replay names things the same.

A story is named after the article that opened it, a claim after the figure that first
stated it (article id and the figure's ordinal in that article). The ids are the first 16
hex digits of a SHA-1 with a kind prefix, short enough for a report's column.
"""

from __future__ import annotations

import hashlib

__all__ = ["claim_id", "story_id"]


def story_id(first_article_id: str) -> str:
    return "s" + hashlib.sha1(b"story\x00" + first_article_id.encode()).hexdigest()[:15]


def claim_id(first_article_id: str, ordinal: int) -> str:
    return "c" + hashlib.sha1(f"claim\x00{first_article_id}\x00{ordinal}".encode()).hexdigest()[:15]
