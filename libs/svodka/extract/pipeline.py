"""``Extractor``: one raw ``Article`` in, one ``EnrichedArticle`` out.

Pipeline for one article::

    lang.detect ──(not ru)──▶ lang only, no mentions, no figures
        │ ru
        ▼
    razdel sentences + tokens (once) ─▶ ner.NerTagger (natasha's news NER
    model, same tags) ─▶ entities.EntityFinder (clean, merge, gazetteer,
    normal forms) ─▶ canonical.Resolver ─▶ Mention list
    ─▶ figures.FigureFinder.find(text, sentences, mentions)

``extract_many`` runs a batch of articles: segmentation per article, then one
NER pass over all of them (``NerTagger`` packs the token sequences into one
matrix), then the rest per article. ``extract`` is a batch of one.

natasha's morphology tagger is not run (it would double the cost); normal forms
come from pymorphy2 per entity word, cached across articles (see entities.py).
One ``Morphology`` (the process's pymorphy2 analyser and its caches) is built
here and handed to the entity finder and the figure finder.
All offsets are character offsets into ``article.text``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

from .canonical import AliasTable, Resolver
from .entities import EntityFinder
from .figures import FigureFinder
from .morphology import Morphology
from .lang import RU, detect
from .ner import NerSpan, NerTagger, Tokens, tokenize
from svodka.records import Article, EnrichedArticle, Figure, Mention
from svodka.timeutil import now_iso

# slovnet's NER reads a whole text as one sequence; very long texts are fed in
# chunks of whole sentences so memory stays bounded.
NER_CHUNK_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Segmented:
    """A text cut once into sentences and tokens; NER and figures share it."""

    text: str
    sentences: list[tuple[int, int]]
    tokens: Tokens

    def ner_chunks(self) -> list[Tokens]:
        """The token sequences NER reads: the whole text, or for a text longer
        than NER_CHUNK_CHARS consecutive whole sentences of at most that many
        characters (a longer sentence alone)."""
        text = self.text
        if not text.strip():
            return []
        if len(text) <= NER_CHUNK_CHARS:
            return [self.tokens]
        chunks = []
        chunk_start = chunk_stop = 0
        for _start, stop in self.sentences:
            if stop - chunk_start > NER_CHUNK_CHARS and chunk_stop > chunk_start:
                chunks.append((chunk_start, chunk_stop))
                chunk_start = chunk_stop
            chunk_stop = stop
        if chunk_stop > chunk_start:
            chunks.append((chunk_start, chunk_stop))
        return [self.tokens.between(a, b) for a, b in chunks if text[a:b].strip()]


class Extractor:
    """Entities and figures for Russian news articles.

    Loads natasha's embeddings and NER model, pymorphy2's dictionaries and the
    alias file once (about a second); ``extract`` can then be called for any
    number of articles. Normal forms are cached per process across articles.
    ``aliases_path`` replaces the packaged ``data/aliases.tsv``.
    """

    def __init__(self, aliases_path: str | None = None, ner_backend: str | None = None) -> None:
        self.ner = NerTagger(ner_backend)
        self.aliases = AliasTable.load(aliases_path)
        # one analyser for every component (built once per process, ~0.3 s)
        self.morph = Morphology.shared()
        self.finder = EntityFinder(self.aliases, self.morph)
        self.figure_finder = FigureFinder(self.morph)
        self.resolver = Resolver(self.aliases)
        # pay the one-off costs here, not on the first article
        self.aliases.find_in("")

    # ---- public API

    def extract(self, article: Article) -> EnrichedArticle:
        """The full pipeline for one article."""
        return self.extract_many([article])[0]

    def extract_many(self, articles: Sequence[Article]) -> list[EnrichedArticle]:
        """The full pipeline for a batch of articles, NER in one pass over all
        of them; results in the order given."""
        langs = []
        segs: list[Segmented | None] = []
        for article in articles:
            text = article.text or ""
            lang = detect(text)
            langs.append(lang)
            segs.append(self.segment(text) if lang == RU else None)
        spans = self.ner_spans_many([s for s in segs if s is not None])
        out = []
        k = 0
        for article, lang, seg in zip(articles, langs, segs):
            mentions: list[Mention] = []
            figures: list[Figure] = []
            text = article.text or ""
            if seg is not None:
                mentions = self._mentions(text, seg.sentences, spans[k])
                k += 1
                figures = self.figure_finder.find(text, seg.sentences, mentions)
            out.append(self._enriched(article, lang, len(text), mentions, figures))
        return out

    @staticmethod
    def _enriched(article: Article, lang: str, length: int, mentions: list[Mention],
                  figures: list[Figure]) -> EnrichedArticle:
        return EnrichedArticle(
            id=article.id,
            source=article.source,
            title=article.title,
            published_at=article.published_at,
            date_source=article.date_source,
            ingested_at=article.ingested_at,
            lang=lang,
            length=length,
            text=article.text or "",
            url=article.url,
            mentions=mentions,
            figures=figures,
            replay_of=article.replay_of,
            extracted_at=now_iso(),
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

    @classmethod
    def segment(cls, text: str) -> Segmented:
        """Sentences and tokens of a text, computed once."""
        return Segmented(text, cls.sentences(text), tokenize(text))

    def ner_spans_many(self, segs: Sequence[Segmented]) -> list[list[NerSpan]]:
        """NER spans of each segmented text, one batched pass for all."""
        chunks = [seg.ner_chunks() for seg in segs]
        flat = self.ner.spans([c for cs in chunks for c in cs])
        out: list[list[NerSpan]] = []
        k = 0
        for cs in chunks:
            spans: list[NerSpan] = []
            for _ in cs:
                spans.extend(flat[k])
                k += 1
            out.append(spans)
        return out

    def ner_spans(self, text: str, sentences: Sequence[tuple[int, int]] | None = None) -> list[NerSpan]:
        """NER spans of one text (tools and tests)."""
        seg = Segmented(text, list(sentences) if sentences is not None else self.sentences(text), tokenize(text))
        return self.ner_spans_many([seg])[0]

    def mentions(self, text: str, sentences: Sequence[tuple[int, int]]) -> list[Mention]:
        return self._mentions(text, sentences, self.ner_spans(text, sentences))

    def _mentions(self, text: str, sentences: Sequence[tuple[int, int]], ner_spans: list[NerSpan]) -> list[Mention]:
        spans = self.finder.find(text, ner_spans)
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
