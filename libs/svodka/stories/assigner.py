"""Online assignment of story ids to articles and claim ids to figures.

``Assigner.assign(article)`` decides, for one enriched article as it arrives:

Story. The article's term vector (svodka.stories.terms: stems weighted by static word
rarity, title counted twice) is compared with the centroid of every *candidate* story:
a story that shares one of the article's ``QUERY_TERMS`` heaviest terms or one of its
canonical entities among its own ``INDEX_TERMS`` heaviest centroid terms and entities,
and whose time span (first to last article) comes within ``window_days`` of the
article's time. The score is the cosine of the article and the centroid, plus
``entity_weight`` × the cosine of their rarity-weighted canonical-entity sets; the bar it
must clear rises with the time between the article and the story's nearest article:
``threshold + threshold_per_day × days``. The article joins the story that clears its bar
by the widest margin, else it opens a story of its own. A centroid is the
sum of its members' vectors cut to ``CENTROID_TERMS`` terms. Parameters were chosen by
measurement on tests/gold/stories (docs/stories.md).

Claims. Each figure with a value is matched, in order, against
1. the claims of the article's story: same unit head (people-counting units are
   interchangeable here), same value up to rounding (svodka.stories.quantities);
2. if its sentence reads as background («напомним», «в апреле» written in May …), the
   claims of other stories within ``claim_days``: same unit head, same value, and a
   sentence context (svodka.stories.context) at least ``context_threshold`` alike;
3. otherwise it opens a claim; that claim *revises* the latest claim of the same story
   with the same unit head and shape and a different value whose context is alike.

Determinism. Every decision depends only on the state and the article; ties go to the
smaller id. Ids come from the first member (svodka.stories.ids). State writes per article
go claims first, then the story, then the article's own memo (``a:<id>``), all to one
ordered changelog in the stream service: a redelivered article finds its memo, or —
after a crash between the writes — finds itself among a story's or claim's members and
gets the same ids back.

State (``state``: a mutable mapping of str keys to JSON-able dicts): ``s:<story>``,
``c:<claim>``, ``a:<article>``. ``sweep`` deletes what can no longer change a decision
(stories and memos ``story_keep_days`` behind the newest article, claims relayed by
several articles ``keep_days``); the in-memory indexes are rebuilt from the state by
``load`` (a restarted worker calls it once its tables are recovered).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from svodka.records import EnrichedArticle
from svodka.stories import context as C
from svodka.stories import terms as T
from svodka.stories.ids import claim_id, story_id
from svodka.stories.quantities import Quantity, quantity, same_unit, same_value

__all__ = ["Assigner", "Assignment", "FigureClaim", "LocalAssigner", "Params", "article_time_ms"]

DAY_MS = 86_400_000
QUERY_TERMS = 24
INDEX_TERMS = 32
CENTROID_TERMS = 160
SCALE = 10_000
MAX_MEMBERS = 200  # members remembered per story/claim for redelivery after a crash


@dataclass(frozen=True)
class Params:
    threshold: float = 0.22
    entity_weight: float = 0.5
    threshold_per_day: float = 0.06
    window_days: float = 5.0
    claim_days: float = 60.0  # how far back a background restatement finds its claim
    context_threshold: float = 0.15
    revision_context: float = 0.4
    story_keep_days: float = 14.0  # stories, memos and one-article claims (≥ 2 × window_days)
    keep_days: float = 60.0  # claims relayed by two or more articles (≥ claim_days)


@dataclass
class FigureClaim:
    claim_id: str = ""  # "" for a figure without a value
    revises: str = ""


@dataclass
class Assignment:
    article_id: str
    story_id: str
    score: float  # similarity to the story it joined; 0 when it opened the story
    claims: list[FigureClaim] = field(default_factory=list)
    new_story: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"story": self.story_id, "score": self.score, "new": self.new_story,
                "claims": [[c.claim_id, c.revises] for c in self.claims]}

    @classmethod
    def from_dict(cls, article_id: str, data: Mapping[str, Any]) -> Assignment:
        return cls(article_id, data["story"], float(data.get("score", 0.0)),
                   [FigureClaim(c, r) for c, r in data.get("claims", [])], bool(data.get("new", False)))


def article_time_ms(article: EnrichedArticle) -> int:
    for value in (article.published_at, article.ingested_at):
        if value:
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return int(parsed.timestamp() * 1000)
    return 0


def _entity_vector(article: EnrichedArticle) -> dict[str, float]:
    """Canonical entities, (1 + ln count) × rarity: «Орск» outweighs «Россия»."""
    counts: dict[str, float] = {}
    names: dict[str, str] = {}
    for m in article.mentions:
        key = m.canonical_id or m.canonical
        if key:
            counts[key] = counts.get(key, 0.0) + 1.0
            names.setdefault(key, m.canonical or m.normal)
    return {k: round((1.0 + math.log(v)) * T.name_weight(names[k]), 4) for k, v in counts.items()}


class Assigner:
    """Story and claim assignment over a key-value ``state`` (see the module docstring)."""

    def __init__(self, state: MutableMapping[str, Any], params: Params | None = None) -> None:
        self.state = state
        self.p = params or Params()
        self._stories: dict[str, dict] = {}
        self._story_norm: dict[str, float] = {}
        self._ent_norm: dict[str, float] = {}
        self._index: dict[tuple[str, int], set[str]] = {}  # (term or "e:"+entity, time bucket) → stories
        self._keys: dict[str, set[tuple[str, int]]] = {}  # story → its index keys
        self._claims: dict[str, dict] = {}
        self._claims_by_story: dict[str, list[str]] = {}
        self._claims_by_head: dict[str, list[str]] = {}
        self._member_story: dict[str, tuple[str, float]] = {}  # article → (story, its score)
        self._member_claim: dict[tuple[str, int], str] = {}
        self._qty: dict[str, Quantity] = {}
        self._memo_t: dict[str, int] = {}  # memo key → article time, for the sweep
        self.newest_ms = 0
        self.load(state.items())

    # -- state ------------------------------------------------------------------------

    def load(self, items: Iterable[tuple[str, Any]]) -> None:
        """(Re)build the in-memory indexes from the state's entries."""
        for key, value in items:
            if not isinstance(value, Mapping):
                continue
            if key.startswith("s:"):
                self._index_story(dict(value))
            elif key.startswith("c:"):
                self._index_claim(dict(value))
            elif key.startswith("a:"):
                self._memo_t[key] = int(value.get("t", 0))
                self.newest_ms = max(self.newest_ms, self._memo_t[key])

    def _index_story(self, story: dict) -> None:
        sid = story["id"]
        self._stories[sid] = story
        self._story_norm[sid] = math.sqrt(sum(v * v for v in story["vec"].values())) or 1.0
        self._ent_norm[sid] = math.sqrt(sum(v * v for v in story["ents"].values())) or 1.0
        buckets = self._buckets(story["first"], story["last"])
        keys = {(term, b) for term in self._story_keys(story) for b in buckets}
        old = self._keys.get(sid, set())
        for key in old - keys:  # a story's heaviest terms change slowly: touch only the difference
            bucket = self._index.get(key)
            if bucket is not None:
                bucket.discard(sid)
                if not bucket:
                    del self._index[key]
        for key in keys - old:
            self._index.setdefault(key, set()).add(sid)
        self._keys[sid] = keys
        for member, score in story["members"]:
            self._member_story[member] = (sid, score)
        self.newest_ms = max(self.newest_ms, story["last"])

    def _unindex(self, sid: str) -> None:
        for key in self._keys.pop(sid, ()):
            bucket = self._index.get(key)
            if bucket is not None:
                bucket.discard(sid)
                if not bucket:
                    del self._index[key]

    def _buckets(self, first: int, last: int) -> range:
        """The time buckets (``window_days`` wide) a span touches: posting lists hold only
        stories of nearby time, so their length does not grow with the state."""
        width = int(self.p.window_days * DAY_MS) or DAY_MS
        return range(first // width, last // width + 1)

    @staticmethod
    def _story_keys(story: dict) -> list[str]:
        return [*T.top_terms(story["vec"], INDEX_TERMS), *("e:" + e for e in T.top_terms(story["ents"], INDEX_TERMS))]

    def _index_claim(self, claim: dict) -> None:
        cid = claim["id"]
        if cid not in self._claims:
            self._claims_by_story.setdefault(claim["story"], []).append(cid)
            self._claims_by_head.setdefault(claim["head"], []).append(cid)
        self._claims[cid] = claim
        self._qty[cid] = Quantity(claim["head"], claim["unit"], claim["low"], claim["high"], claim["range"],
                                  claim["qual"], claim["anim"])
        for aid, ordinal in claim["members"]:
            self._member_claim[(aid, ordinal)] = cid

    # -- the decision ---------------------------------------------------------------------

    def assign(self, article: EnrichedArticle, text: str | None = None) -> Assignment:
        """The story and claims of ``article`` (its body is ``article.text`` or ``text``)."""
        memo = self.state.get("a:" + article.id)
        if memo is not None:
            return Assignment.from_dict(article.id, memo)
        body = text if text is not None else getattr(article, "text", "") or ""
        t = article_time_ms(article)
        vec = T.text_vector(body, article.title)
        ents = _entity_vector(article)

        known = self._member_story.get(article.id)
        if known is not None and known[0] in self._stories:
            # counted before a crash lost this article's memo: the same answer again
            sid, score = known
            new = sid == story_id(article.id)
        else:
            found, score = self._best_story(vec, ents, t)
            sid, new = (found, False) if found is not None else (story_id(article.id), True)
            score = score if found is not None else 0.0
        claims = self._assign_claims(article, body, sid, t)
        self._update_story(sid, article, vec, ents, t, round(score, 4))
        assignment = Assignment(article.id, sid, round(score, 4), claims, new)
        memo = assignment.to_dict()
        memo["t"] = t
        self.state["a:" + article.id] = memo
        self._memo_t["a:" + article.id] = t
        self.newest_ms = max(self.newest_ms, t)
        return assignment

    def _best_story(self, vec: T.Vector, ents: dict[str, float], t: int) -> tuple[str | None, float]:
        window = self.p.window_days * DAY_MS
        candidates: set[str] = set()
        buckets = self._buckets(t - int(window), t + int(window))
        for term in [*T.top_terms(vec, QUERY_TERMS), *("e:" + e for e in ents)]:
            for b in buckets:
                found = self._index.get((term, b))
                if found:
                    candidates.update(found)
        ent_norm = math.sqrt(sum(v * v for v in ents.values())) or 1.0
        best, best_score, best_margin = None, 0.0, 0.0
        for sid in sorted(candidates):
            story = self._stories[sid]
            if t < story["first"] - window or t > story["last"] + window:
                continue
            score = T.cosine(vec, story["vec"]) / self._story_norm[sid]
            if self.p.entity_weight and ents:
                score += self.p.entity_weight * (
                    T.cosine(ents, story["ents"]) / (ent_norm * self._ent_norm[sid]))
            # the further in time from the story's articles, the more alike it must be
            gap_days = max(story["first"] - t, t - story["last"], 0) / DAY_MS
            margin = score - (self.p.threshold + self.p.threshold_per_day * gap_days)
            if best is None or margin > best_margin:
                best, best_score, best_margin = sid, score, margin
        if best is not None and best_margin >= 0:
            return best, best_score
        return None, best_score

    def _update_story(self, sid: str, article: EnrichedArticle, vec: T.Vector, ents: dict[str, float],
                      t: int, score: float) -> None:
        story = self._stories.get(sid)
        if story is None:
            story = {"id": sid, "first": t, "last": t, "n": 0, "vec": {}, "ents": {}, "members": [],
                     "title": article.title}
        elif article.id in self._member_story:
            return  # a redelivery whose memo was lost: already counted
        else:
            story = {**story, "vec": dict(story["vec"]), "ents": dict(story["ents"]),
                     "members": list(story["members"])}
        # Sums kept as integers (weights × SCALE): cosines do not care about scale, and
        # integers are short in the changelog and quick to encode.
        centroid = story["vec"]
        for k, v in vec.items():
            centroid[k] = centroid.get(k, 0) + int(v * SCALE)
        if len(centroid) > CENTROID_TERMS * 3 // 2:  # cut now and then, not on every article
            story["vec"] = T.top_terms(centroid, CENTROID_TERMS)
        entities = story["ents"]
        for k, v in ents.items():
            entities[k] = entities.get(k, 0) + int(v * SCALE)
        if len(entities) > INDEX_TERMS * 3 // 2:
            story["ents"] = T.top_terms(entities, INDEX_TERMS)
        story["first"] = min(story["first"], t)
        story["last"] = max(story["last"], t)
        story["n"] += 1
        story["members"] = (story["members"] + [[article.id, score]])[-MAX_MEMBERS:]
        self.state["s:" + sid] = story
        self._index_story(story)

    # -- claims -----------------------------------------------------------------------

    def _assign_claims(self, article: EnrichedArticle, body: str, sid: str, t: int) -> list[FigureClaim]:
        out: list[FigureClaim] = []
        month = datetime.fromtimestamp(t / 1000, UTC).month if t else None
        for ordinal, fig in enumerate(article.figures):
            q = quantity(fig.unit, fig.low, fig.high, fig.qualifier)
            if q is None:
                out.append(FigureClaim())
                continue
            known = self._member_claim.get((article.id, ordinal))
            if known is not None and known in self._claims:
                out.append(FigureClaim(known, self._claims[known].get("revises", "")))
                continue
            ctx = C.figure_context(body, fig.start, fig.stop) if body else T.text_vector(fig.text)
            ents = sorted(set(fig.entities))
            cid = self._in_story(q, sid, ctx, article.id)
            if cid is None and C.is_background(body, fig.start, fig.stop, month):
                cid = self._across_stories(q, sid, ctx, ents, t)
            revises = ""
            if cid is None:
                cid = claim_id(article.id, ordinal)
                revises = self._revised(q, sid, ctx, article.id)
                claim = {"id": cid, "story": sid, "unit": q.unit, "head": q.head, "low": q.low, "high": q.high,
                         "range": q.is_range, "qual": q.qualifier, "anim": q.animate, "t": t, "last": t,
                         "ctx": {k: round(v, 4) for k, v in ctx.items()}, "ents": ents,
                         "by": getattr(fig, "reported_by", ""), "revises": revises, "members": [], "n": 0,
                         "article": article.id}
            else:
                claim = self._claims[cid]
                revises = claim.get("revises", "")
                claim = {**claim, "members": list(claim["members"])}
            if [article.id, ordinal] not in claim["members"]:
                claim["members"] = (claim["members"] + [[article.id, ordinal]])[-MAX_MEMBERS:]
                claim["n"] += 1
            claim["last"] = max(claim["last"], t)
            self.state["c:" + cid] = claim
            self._index_claim(claim)
            out.append(FigureClaim(cid, revises))
        return out

    def _in_story(self, q: Quantity, sid: str, ctx: T.Vector, article_id: str) -> str | None:
        best, best_sim = None, -1.0
        for cid in self._claims_by_story.get(sid, ()):
            other = self._qty[cid]
            # Two figures of one article under different names are two things («15 погибших и
            # 15 раненых»): the loose unit match is only for figures of other articles.
            loose = not any(aid == article_id for aid, _ in self._claims[cid]["members"])
            if same_unit(q, other, loose=loose) and same_value(q, other):
                sim = T.cosine(ctx, self._claims[cid]["ctx"])
                if sim > best_sim or (sim == best_sim and best is not None and cid < best):
                    best, best_sim = cid, sim
        return best

    def _across_stories(self, q: Quantity, sid: str, ctx: T.Vector, ents: list[str], t: int) -> str | None:
        horizon = t - self.p.claim_days * DAY_MS
        best, best_sim = None, self.p.context_threshold
        for cid in self._claims_by_head.get(q.head, ()):
            claim = self._claims.get(cid)
            if claim is None or claim["story"] == sid or claim["t"] < horizon or claim["t"] > t:
                continue
            other = self._qty[cid]
            if not (same_unit(q, other, loose=False) and same_value(q, other)):
                continue
            sim = T.cosine(ctx, claim["ctx"]) + (0.1 if set(ents) & set(claim["ents"]) else 0.0)
            if sim >= best_sim and (best is None or sim > best_sim or cid < best):
                best, best_sim = cid, sim
        return best

    def _revised(self, q: Quantity, sid: str, ctx: T.Vector, article_id: str) -> str:
        best, best_t = "", -1
        for cid in self._claims_by_story.get(sid, ()):
            claim = self._claims[cid]
            other = self._qty[cid]
            if claim["article"] == article_id or other.is_range != q.is_range:
                continue
            if other.head != q.head or same_value(q, other):
                continue
            if T.cosine(ctx, claim["ctx"]) < self.p.revision_context:
                continue
            if claim["t"] > best_t or (claim["t"] == best_t and cid < best):
                best, best_t = cid, claim["t"]
        return best

    # -- bounded state ----------------------------------------------------------------

    def sweep(self) -> int:
        """Delete what can no longer change a decision; return how many entries went.

        Stories go ``story_keep_days`` after their last article (a window's worth and
        more: no article can join them), and so do the memos of articles (a redelivery
        or replay later than that is assigned afresh). Claims stated by one article go
        with their story; claims relayed by two or more articles stay ``keep_days``, so
        that a background restatement weeks later still finds them."""
        story_horizon = self.newest_ms - self.p.story_keep_days * DAY_MS
        claim_horizon = self.newest_ms - self.p.keep_days * DAY_MS
        gone = 0
        for sid, story in list(self._stories.items()):
            if story["last"] < story_horizon:
                self._unindex(sid)
                for member, _score in story["members"]:
                    self._member_story.pop(member, None)
                del self._stories[sid]
                self.state.pop("s:" + sid, None)
                gone += 1
        for cid, claim in list(self._claims.items()):
            if claim["last"] < (story_horizon if claim["n"] < 2 else claim_horizon):
                for aid, ordinal in claim["members"]:
                    self._member_claim.pop((aid, ordinal), None)
                self._claims_by_story.get(claim["story"], []).remove(cid)
                self._claims_by_head.get(claim["head"], []).remove(cid)
                del self._claims[cid], self._qty[cid]
                self.state.pop("c:" + cid, None)
                gone += 1
        for key, t in list(self._memo_t.items()):
            if t < story_horizon:
                del self._memo_t[key]
                self.state.pop(key, None)
                gone += 1
        return gone


class LocalAssigner(Assigner):
    """The in-memory twin: the same decisions over a plain dict (tests, benchmark)."""

    def __init__(self, params: Params | None = None) -> None:
        super().__init__({}, params)
