"""Extraction quality on hand-annotated gold: figures, units, qualifiers, actions, entities, dates.

    .venv/bin/python bench/bench_quality.py [--json] [--verbose] [--gold DIR]

Two gold sets are scored with one ``Extractor``:

* **news** — ``tests/gold/news/*.yaml``: 60+ short texts written for this
  purpose in the style of Russian news (see docs/figures.md for the
  annotation conventions), one file per topic;
* **seeds** — ``tests/gold/figures.yaml`` and ``tests/gold/entities.yaml``
  for the five seed articles.

Figures are matched by value: a predicted figure matches a gold one with the
same ``low`` and ``high`` whose span overlaps it (else the first unused gold
figure with that value). Precision and recall count matches; unit, qualifier,
action, location and object accuracy are over matched figures (object only
where the gold names one). Entity recall counts gold (type, canonical) pairs
found in the text's mentions (canonical names compared without case and ё).
Dates: ``build_article`` with the text's ingest time must give the gold
published day and ``date_source``.

Per kind (news gold): recall on figures with a sign, in degrees, whose unit
word is not in the figure's text (elided), with a multi-word unit, in tables and
lists; and the number of predicted figures that start inside a recorded non-figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "libs"))  # runnable without installing the package

import yaml  # noqa: E402

from svodka.text import split_seed_header  # noqa: E402

NEWS_GOLD = REPO / "tests" / "gold" / "news"
SEED_FIGURES = REPO / "tests" / "gold" / "figures.yaml"
SEED_ENTITIES = REPO / "tests" / "gold" / "entities.yaml"
SEEDS = REPO / "seeds"
# issue 13's floors on the news gold
FLOORS = {"precision": 0.95, "recall": 0.95, "unit": 0.92, "action": 0.85, "entity_recall": 0.95}


def norm(s: str | None) -> str:
    return " ".join((s or "").lower().replace("ё", "е").replace("«", "").replace("»", "").split())


class Score:
    """Counters for one gold set."""

    def __init__(self) -> None:
        self.c: dict[str, int] = defaultdict(int)
        self.notes: list[str] = []

    def ratio(self, num: str, den: str) -> float | None:
        return round(self.c[num] / self.c[den], 3) if self.c[den] else None

    def summary(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {
            "texts": self.c["texts"], "gold_figures": self.c["gold"], "predicted": self.c["pred"],
            "precision": self.ratio("matched", "pred"), "recall": self.ratio("matched", "gold"),
            "unit": self.ratio("unit_ok", "matched"), "qualifier": self.ratio("qual_ok", "matched"),
        }
        if self.c["action_n"]:
            out["action"] = self.ratio("action_ok", "action_n")
            out["location"] = self.ratio("loc_ok", "action_n")
        if self.c["object_n"]:
            out["object"] = self.ratio("object_ok", "object_n")
        out["entity_recall"] = self.ratio("ent_found", "ent_gold")
        if self.c["date_n"]:
            out["date"] = self.ratio("date_ok", "date_n")
            out["date_source"] = self.ratio("date_src_ok", "date_n")
        for kind in KINDS:
            if self.c[f"kind_{kind}"]:
                out[f"recall_{kind}"] = self.ratio(f"kind_{kind}_ok", f"kind_{kind}")
        if "not_figures" in self.c:
            out["non_figures_extracted"] = self.c["non_figures_extracted"]
        return out


KINDS = ("signed", "degrees", "elided", "multiword", "table")


def _kinds(g: dict, style: str) -> list[str]:
    out = []
    text = g["text"]
    if text.lstrip("(")[:1] in "+–-−" or any(ch in text for ch in "+–−") and g["low"] < 0:
        out.append("signed")
    elif float(g["low"]) < 0:
        out.append("signed")
    unit = norm(g["unit"])
    if unit == "градус":
        out.append("degrees")
    head = unit.split()[-1] if unit else ""
    if head and head[:4] not in norm(text) and unit not in ("процент", "градус", "доллар", "евро", "рубль"):
        out.append("elided")
    if " " in unit:
        out.append("multiword")
    if style in ("table", "list"):
        out.append("table")
    return out


def score_figures(score: Score, text: str, predicted, gold: list[dict], style: str = "", label: str = "",
                  with_context: bool = False, not_figures: list[str] = ()) -> None:
    spans = []
    at = 0
    for g in gold:
        pos = text.find(g["text"], at)
        if pos < 0:
            pos = text.find(g["text"])
        if pos < 0:
            raise SystemExit(f"{label}: gold text {g['text']!r} is not in the text")
        at = pos + 1
        spans.append((pos, pos + len(g["text"])))
    score.c["gold"] += len(gold)
    score.c["pred"] += len(predicted)
    for g in gold:
        for kind in _kinds(g, style):
            score.c[f"kind_{kind}"] += 1
    used: set[int] = set()
    for p in predicted:
        value = (float(p.low), float(p.high))
        cands = [i for i, g in enumerate(gold) if i not in used
                 and (float(g["low"]), float(g.get("high", g["low"]))) == value]
        overlap = [i for i in cands if p.start < spans[i][1] and spans[i][0] < p.stop]
        pick = (overlap or cands or [None])[0]
        if pick is None:
            score.notes.append(f"{label}: spurious {p.text!r} {value} {p.unit!r}")
            continue
        used.add(pick)
        g = gold[pick]
        score.c["matched"] += 1
        for kind in _kinds(g, style):
            score.c[f"kind_{kind}_ok"] += 1
        if norm(p.unit) == norm(g["unit"]):
            score.c["unit_ok"] += 1
        else:
            score.notes.append(f"{label}: unit {p.text!r} {p.unit!r} != {g['unit']!r}")
        if p.qualifier == g.get("qualifier", "exact"):
            score.c["qual_ok"] += 1
        else:
            score.notes.append(f"{label}: qualifier {p.text!r} {p.qualifier} != {g.get('qualifier', 'exact')}")
        if with_context:
            score.c["action_n"] += 1
            action = getattr(p, "action", None)
            if norm(action) == norm(g.get("action", "")):
                score.c["action_ok"] += 1
            else:
                score.notes.append(f"{label}: action {p.text!r} {action!r} != {g.get('action', '')!r}")
            location = getattr(p, "location", None)
            if norm(location) == norm(g.get("location", "")):
                score.c["loc_ok"] += 1
            else:
                score.notes.append(f"{label}: location {p.text!r} {location!r} != {g.get('location', '')!r}")
            if g.get("object"):
                score.c["object_n"] += 1
                obj = getattr(p, "object", None)
                if norm(obj) == norm(g["object"]):
                    score.c["object_ok"] += 1
                else:
                    score.notes.append(f"{label}: object {p.text!r} {obj!r} != {g['object']!r}")
    for i, g in enumerate(gold):
        if i not in used:
            score.notes.append(f"{label}: missed {g['text']!r} ({g['low']}, {g.get('high', g['low'])}) {g['unit']!r}")
    for phrase in not_figures:
        score.c["not_figures"] += 1
        pos = text.find(phrase)
        if pos >= 0 and any(pos <= p.start < pos + len(phrase) for p in predicted):
            score.c["non_figures_extracted"] += 1
            score.notes.append(f"{label}: non-figure extracted {phrase!r}")


def score_entities(score: Score, mentions, gold: list[dict], label: str) -> None:
    found = {(m.type, norm(m.canonical)) for m in mentions}
    for e in gold:
        score.c["ent_gold"] += 1
        if (e["type"], norm(e["canonical"])) in found:
            score.c["ent_found"] += 1
        else:
            score.notes.append(f"{label}: entity missed {e['type']} {e['canonical']!r}")


def score_date(score: Score, text: str, ingested: str, gold: dict, label: str) -> None:
    from svodka.ingest.sources import build_article

    article = build_article(origin=label, source="gold", text=text, encoding="utf-8",
                            ingested=datetime.fromisoformat(ingested))
    score.c["date_n"] += 1
    if (article.published_at or "")[:10] == gold["published"]:
        score.c["date_ok"] += 1
    else:
        score.notes.append(f"{label}: date {article.published_at} != {gold['published']}")
    if article.date_source == gold["source"]:
        score.c["date_src_ok"] += 1
    else:
        score.notes.append(f"{label}: date_source {article.date_source} != {gold['source']}")


def load_news(gold_dir: Path) -> list[dict]:
    texts = []
    for path in sorted(gold_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for t in doc["texts"]:
            t.setdefault("ingested_at", doc.get("ingested_at"))
            t["topic"] = doc.get("topic", path.stem)
            texts.append(t)
    return texts


def run_news(extractor, gold_dir: Path) -> Score:
    score = Score()
    for t in load_news(gold_dir):
        text = t["text"]
        enriched = extractor.extract_text(text)
        score.c["texts"] += 1
        score_figures(score, text, enriched.figures, t.get("figures") or [], t.get("style", ""), t["id"],
                      with_context=True, not_figures=t.get("not_figures") or [])
        score_entities(score, enriched.mentions, t.get("entities") or [], t["id"])
        if t.get("date"):
            score_date(score, text, t["ingested_at"], t["date"], t["id"])
    return score


def run_seeds(extractor) -> Score:
    score = Score()
    figures = yaml.safe_load(SEED_FIGURES.read_text(encoding="utf-8"))
    entities = yaml.safe_load(SEED_ENTITIES.read_text(encoding="utf-8"))["seeds"]
    for path in sorted(SEEDS.glob("*.txt")):
        _date, text = split_seed_header(path.read_text(encoding="utf-8"))
        enriched = extractor.extract_text(text)
        score.c["texts"] += 1
        entry = figures.get(path.name) or {}
        score_figures(score, text, enriched.figures, entry.get("figures") or [], label=path.name)
        score_entities(score, enriched.mentions, entities.get(path.name) or [], path.name)
    return score


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=NEWS_GOLD, help="directory of news gold YAML files")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every miss and mismatch")
    args = ap.parse_args(argv)

    from svodka.extract.pipeline import Extractor

    extractor = Extractor()
    news = run_news(extractor, args.gold)
    seeds = run_seeds(extractor)
    result = {"news": news.summary(), "seeds": seeds.summary()}
    n = result["news"]
    result["ok"] = bool(n["precision"] and n["precision"] >= FLOORS["precision"] and n["recall"] >= FLOORS["recall"]
                        and n["unit"] >= FLOORS["unit"] and n.get("action", 0) >= FLOORS["action"]
                        and n["entity_recall"] >= FLOORS["entity_recall"])
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        keys = list(dict.fromkeys(list(result["news"]) + list(result["seeds"])))
        print(f"{'':24}{'news gold':>12}{'seeds gold':>12}")
        for k in keys:
            a, b = result["news"].get(k), result["seeds"].get(k)
            print(f"{k:24}{'' if a is None else a:>12}{'' if b is None else b:>12}")
    if args.verbose:
        print("\n".join(["", "# news"] + news.notes + ["", "# seeds"] + seeds.notes))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
