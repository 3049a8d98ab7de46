"""``Extractor``: one raw ``Article`` in, one ``EnrichedArticle`` out.

Pipeline for one article::

    lang.detect ──(not ru)──▶ lang only, no mentions, no figures
        │ ru
        ▼
    razdel sentences ─▶ natasha NewsNERTagger ─▶ entities.EntityFinder
    (clean, merge, gazetteer, normal forms) ─▶ canonical.Resolver
    ─▶ Mention list ─▶ figures.find_figures(text, sentences, mentions)

natasha's morphology tagger is not run (it would double the cost); normal forms
come from pymorphy2 per entity word, cached across articles (see entities.py).
All offsets are character offsets into ``article.text``.
"""

from __future__ import annotations

import bisect
from typing import Sequence

from .canonical import AliasTable, Resolver
from .entities import EntityFinder, morph
from .figures import find_figures
from .lang import RU, detect
from svodka.records import Article, EnrichedArticle, Figure, Mention
from svodka.timeutil import now_iso

# slovnet's NER reads a whole text as one sequence; very long texts are fed in
# chunks of whole sentences so memory stays bounded.
NER_CHUNK_CHARS = 20_000


class Extractor:
    """Entities and figures for Russian news articles.

    Loads natasha's embeddings and NER model, pymorphy2's dictionaries and the
    alias file once (about a second); ``extract`` can then be called for any
    number of articles. Normal forms are cached per process across articles.
    ``aliases_path`` replaces the packaged ``data/aliases.tsv``.
    """

    def __init__(self, aliases_path: str | None = None) -> None:
        from natasha import NewsEmbedding, NewsNERTagger

        self.ner_tagger = NewsNERTagger(NewsEmbedding())
        self.aliases = AliasTable.load(aliases_path)
        self.finder = EntityFinder(self.aliases)
        self.resolver = Resolver(self.aliases)
        # pay the one-off costs here, not on the first article
        morph()
        self.aliases.find_in("")

    # ---- public API

    def extract(self, article: Article) -> EnrichedArticle:
        """The full pipeline for one article."""
        text = article.text or ""
        lang = detect(text)
        mentions: list[Mention] = []
        figures: list[Figure] = []
        if lang == RU:
            sentences = self.sentences(text)
            mentions = self.mentions(text, sentences)
            figures = find_figures(text, sentences, mentions)
        return EnrichedArticle(
            id=article.id,
            source=article.source,
            title=article.title,
            published_at=article.published_at,
            date_source=article.date_source,
            ingested_at=article.ingested_at,
            lang=lang,
            length=len(text),
            mentions=mentions,
            figures=figures,
            replay_of=article.replay_of,
            extracted_at=now_iso(),
            text=text,
        )

    def extract_text(self, text: str, *, id: str = "", source: str = "",
                     published_at: str | None = None) -> EnrichedArticle:
        """Convenience for the CLI and tests: extract from a bare text."""
        article = Article(id=id, source=source, text=text, published_at=published_at,
                          date_source="header" if published_at else "ingest")
        return self.extract(article)

    # ---- steps (public so tools can run them separately)

    @staticmethod
    def sentences(text: str) -> list[tuple[int, int]]:
        from razdel import sentenize

        return [(s.start, s.stop) for s in sentenize(text)]

    def ner_spans(self, text: str, sentences: Sequence[tuple[int, int]]) -> list:
        if not text.strip():
            return []
        if len(text) <= NER_CHUNK_CHARS:
            return list(self.ner_tagger(text).spans)
        spans = []
        chunk_start = 0
        chunk_stop = 0
        for _start, stop in sentences:
            if stop - chunk_start > NER_CHUNK_CHARS and chunk_stop > chunk_start:
                spans.extend(self._ner_chunk(text, chunk_start, chunk_stop))
                chunk_start = chunk_stop
            chunk_stop = stop
        if chunk_stop > chunk_start:
            spans.extend(self._ner_chunk(text, chunk_start, chunk_stop))
        return spans

    def _ner_chunk(self, text: str, start: int, stop: int) -> list:
        piece = text[start:stop]
        if not piece.strip():
            return []
        out = []
        for s in self.ner_tagger(piece).spans:
            s.start += start
            s.stop += start
            out.append(s)
        return out

    def mentions(self, text: str, sentences: Sequence[tuple[int, int]]) -> list[Mention]:
        spans = self.finder.find(text, self.ner_spans(text, sentences))
        canon = self.resolver.resolve(spans)
        starts = [s for s, _ in sentences]
        out = []
        for span, ent in zip(spans, canon):
            sent = max(bisect.bisect_right(starts, span.start) - 1, 0)
            out.append(Mention(
                text=span.text, normal=span.normal, canonical=ent.name, canonical_id=ent.id,
                type=ent.type, start=span.start, stop=span.stop, sentence=sent,
            ))
        return out
