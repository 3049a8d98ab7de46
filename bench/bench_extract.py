"""Throughput of full extraction against bare natasha NER, on the seeds.

    .venv/bin/python bench/bench_extract.py [--repeat N] [--rounds R] [--json]

Bare NER is what natasha's documentation does for NER: ``Doc(text);
doc.segment(segmenter); doc.tag_ner(ner_tagger)``. Full extraction is
``Extractor.extract_text`` (language, sentences, NER, normal forms, canonical
entities, figures). Both run on the same texts, in the same process, after one
warm-up pass each; the timed passes alternate between the two (``--rounds``
times) so that a noisy neighbour on the machine slows both alike; each side's
best pass gives the throughputs and ``ratio`` (extract / bare, required ≥ 0.8),
and the median of the round-by-round ratios is printed as a cross-check.
``--json`` prints {"bare_ner_aps", "extract_aps", "ratio", …, "ok"}; the exit
status is 1 when the ratio is below the requirement.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "libs"))  # runnable without installing the package

from svodka.text import split_seed_header  # noqa: E402

REQUIRED_RATIO = 0.8  # full extraction must keep at least this share of bare NER throughput


def load_seeds(seeds_dir: Path) -> list[str]:
    texts = []
    for path in sorted(seeds_dir.glob("*.txt")):
        _date, text = split_seed_header(path.read_text(encoding="utf-8"))
        texts.append(text)
    if not texts:
        raise SystemExit(f"no seeds in {seeds_dir}")
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=4, help="use the seeds N times per pass (default 4)")
    ap.add_argument("--rounds", type=int, default=5, help="timed passes per side, interleaved (default 5)")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)

    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    from svodka.extract.pipeline import Extractor

    texts = load_seeds(args.seeds) * max(1, args.repeat)
    segmenter = Segmenter()
    ner_tagger = NewsNERTagger(NewsEmbedding())
    extractor = Extractor()

    def bare() -> None:
        for text in texts:
            doc = Doc(text)
            doc.segment(segmenter)
            doc.tag_ner(ner_tagger)

    def full() -> None:
        for text in texts:
            extractor.extract_text(text)

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    bare()  # warm-up: lazy model init, caches
    full()
    bare_times, full_times = [], []
    for _ in range(max(1, args.rounds)):
        bare_times.append(timed(bare))
        full_times.append(timed(full))
    bare_best, full_best = min(bare_times), min(full_times)
    paired = sorted(b / f for b, f in zip(bare_times, full_times))
    n = len(texts)
    result = {
        "articles": n,
        "bare_ner_aps": round(n / bare_best, 2),
        "extract_aps": round(n / full_best, 2),
        "ratio": round(bare_best / full_best, 3),
        "ratio_median_paired": round(paired[len(paired) // 2], 3),
        "required_ratio": REQUIRED_RATIO,
    }
    result["ok"] = result["ratio"] >= REQUIRED_RATIO
    if args.json:
        print(json.dumps(result))
    else:
        print(f"articles per pass     {n}")
        print(f"bare natasha NER      {result['bare_ner_aps']:8.2f} articles/s")
        print(f"full extraction       {result['extract_aps']:8.2f} articles/s")
        print(f"ratio                 {result['ratio']:8.3f}  (required ≥ 0.8; best pass of each side)")
        print(f"median paired ratio   {result['ratio_median_paired']:8.3f}  (round by round)")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
