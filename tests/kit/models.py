"""The heavy models, loaded once per test process (a second each): natasha's NER and the Extractor."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def ner_tagger() -> Any:
    """natasha's NewsNERTagger over NewsEmbedding."""
    from natasha import NewsEmbedding, NewsNERTagger  # heavy: loaded on first use only

    return NewsNERTagger(NewsEmbedding())


@cache
def extractor() -> Any:
    """svodka's Extractor with the packaged aliases."""
    from svodka.extract.pipeline import Extractor  # heavy: natasha models

    return Extractor()
