"""Scores of a story and claim assignment against gold labels (tests/gold/stories).

Stories: pairwise precision/recall/F1 over all pairs of articles (a pair is positive when
both articles share a label) and B-cubed F1 (per article, the overlap of its predicted and
gold clusters, averaged).

Claims: pairwise over gold figures *in different articles* (two mentions inside one article
are not what relaying across outlets is about). A gold figure is identified by its article
and text span; it takes the claim id of the extracted figure overlapping its span most, and
a gold figure that extraction missed takes no claim (so it counts against recall).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

__all__ = ["GoldScores", "PairScores", "bcubed_f1", "gold_figure_claims", "pairwise", "score_on_gold"]


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    gold_pairs: int
    predicted_pairs: int

    def as_dict(self) -> dict[str, float]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "gold_pairs": self.gold_pairs, "predicted_pairs": self.predicted_pairs}


def pairwise(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable | None],
             allowed=lambda a, b: True) -> PairScores:
    """Pairwise scores over the items of ``gold``; ``predicted`` None never pairs."""
    items = sorted(gold, key=str)
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        if not allowed(a, b):
            continue
        same_gold = gold[a] == gold[b]
        pa, pb = predicted.get(a), predicted.get(b)
        same_pred = pa is not None and pa == pb
        tp += same_gold and same_pred
        fp += (not same_gold) and same_pred
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, tp + fn, tp + fp)


def bcubed_f1(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> float:
    items = list(gold)
    by_gold: dict = {}
    by_pred: dict = {}
    for x in items:
        by_gold.setdefault(gold[x], set()).add(x)
        by_pred.setdefault(predicted.get(x, ("alone", x)), set()).add(x)
    p = r = 0.0
    for x in items:
        g = by_gold[gold[x]]
        c = by_pred[predicted.get(x, ("alone", x))]
        both = len(g & c)
        p += both / len(c)
        r += both / len(g)
    p /= len(items) or 1
    r /= len(items) or 1
    return 2 * p * r / (p + r) if p + r else 0.0


def gold_figure_claims(text: str, gold_spans: Sequence[tuple[str, str]],
                       extracted: Sequence[tuple[int, int, str]]) -> list[tuple[tuple[int, int], str, str | None]]:
    """For each gold (span text, claim label): its span in ``text``, the label, and the
    claim id of the extracted figure (start, stop, claim id) overlapping it most."""
    out = []
    cursor: dict[str, int] = {}
    for span_text, label in gold_spans:
        start = text.find(span_text, cursor.get(span_text, 0))
        if start < 0:
            start = text.find(span_text)
        if start < 0:
            raise ValueError(f"gold figure {span_text!r} is not in the article text")
        cursor[span_text] = start + 1
        stop = start + len(span_text)
        best, best_overlap = None, 0
        for s, e, cid in extracted:
            overlap = min(e, stop) - max(s, start)
            if overlap > best_overlap and cid:
                best, best_overlap = cid, overlap
        out.append(((start, stop), label, best))
    return out


@dataclass(frozen=True)
class GoldScores:
    stories: PairScores
    bcubed: float
    claims: PairScores

    def as_dict(self) -> dict:
        return {"stories": self.stories.as_dict(), "stories_bcubed_f1": round(self.bcubed, 4),
                "claims": self.claims.as_dict()}


def score_on_gold(articles: Sequence, labels: Mapping[str, Mapping], assign) -> GoldScores:
    """Feed ``articles`` — (key, EnrichedArticle with its text) in time order — to
    ``assign`` (article → Assignment) and score against ``labels`` (key → {"story",
    "figures": [{"text", "claim"}]}, the format of tests/gold/stories/labels.json)."""
    gold, pred, gold_fig, pred_fig = {}, {}, {}, {}
    for key, article in articles:
        result = assign(article)
        gold[key] = labels[key]["story"]
        pred[key] = result.story_id
        extracted = [(f.start, f.stop, c.claim_id) for f, c in zip(article.figures, result.claims)]
        spans = [(g["text"], g["claim"]) for g in labels[key]["figures"]]
        for span, label, cid in gold_figure_claims(article.text, spans, extracted):
            gold_fig[(key, span)] = label
            pred_fig[(key, span)] = cid
    return GoldScores(pairwise(gold, pred), bcubed_f1(gold, pred),
                      pairwise(gold_fig, pred_fig, allowed=lambda a, b: a[0] != b[0]))
