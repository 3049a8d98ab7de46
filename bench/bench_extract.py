"""Throughput of full extraction against natasha's own fastest NER path, on the same texts.

    .venv/bin/python bench/bench_extract.py [--repeat N] [--rounds R] [--batch B] [--json]

The yardstick is natasha used the way its API allows at its fastest: every text
segmented (``Doc(text).segment(segmenter)``: sentences and tokens) and NER run
in batches through ``NewsNERTagger.map`` (8 texts a batch, its default). Full
extraction is ``Extractor.extract_many`` in batches of ``--batch`` articles
(default 16, as the extract service takes them): language, sentences and
tokens, NER (extract/ner.py), normal forms, canonical entities, figures.

Texts: the seeds, ``--repeat`` times per pass. ner.py keeps a cache of each
distinct word's first-layer projection, which a repeated text would find full;
so the cache is emptied before every batch ("cold": no word reuse between
batches, the pessimistic case for a stream) and the floor uses that figure.
The steady state of a long-running worker ("warm": the cache keeps its words)
is reported beside it. NER alone is also timed with both backends (NumPy and
ONNX Runtime) on the same tokens.

Each side has one warm-up pass; the timed passes alternate (``--rounds`` times)
so that a noisy neighbour slows both alike; each side's best pass counts.
``--json`` prints {"natasha_aps", "extract_aps", "ratio", …, "ok"}; the exit
status is 1 when the ratio is below the floor (1.25).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as the extract service runs

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "libs"))  # runnable without installing the package

from svodka.text import split_seed_header  # noqa: E402

REQUIRED_RATIO = 1.25  # full extraction / (natasha segment + batched map NER); goal 2


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
    ap.add_argument("--batch", type=int, default=16, help="articles per extract_many call (default 16)")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)

    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    from svodka.extract.ner import NerTagger, tokenize
    from svodka.extract.pipeline import Extractor
    from svodka.records import Article

    seeds = load_seeds(args.seeds)
    texts = seeds * max(1, args.repeat)
    articles = [Article(id=str(i), source="bench", text=t, published_at=None, date_source="ingest")
                for i, t in enumerate(texts)]
    segmenter = Segmenter()
    ner_tagger = NewsNERTagger(NewsEmbedding())
    extractor = Extractor()
    batches = [articles[i:i + args.batch] for i in range(0, len(articles), args.batch)]
    # the batches the cold figure sees are made of distinct texts, so that no word
    # comes back from the cache inside one batch more than it would in a stream
    distinct = [articles[i:i + len(seeds)] for i in range(0, len(articles), len(seeds))]

    def natasha() -> None:
        for text in texts:
            Doc(text).segment(segmenter)
        for _markup in ner_tagger.map(texts):
            pass

    def full_cold() -> None:
        for batch in distinct:
            extractor.ner._rows.clear()
            extractor.extract_many(batch)

    def full_warm() -> None:
        for batch in batches:
            extractor.extract_many(batch)

    tokens = [tokenize(t) for t in texts]
    ner_only = {be: NerTagger(be, natasha_tagger=ner_tagger) for be in ("numpy", "onnx")}

    def ner_pass(tagger) -> None:
        for i in range(0, len(tokens), len(seeds)):
            tagger._rows.clear()
            tagger.spans(tokens[i:i + len(seeds)])

    def natasha_ner_only() -> None:
        for _markup in ner_tagger.map(texts):
            pass

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    sides = {"natasha": natasha, "cold": full_cold, "warm": full_warm,
             "natasha_ner": natasha_ner_only,
             "ner_numpy": lambda: ner_pass(ner_only["numpy"]), "ner_onnx": lambda: ner_pass(ner_only["onnx"])}
    for fn in sides.values():  # warm-up: lazy model init, caches
        fn()
    times: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(max(1, args.rounds)):
        for k, fn in sides.items():
            times[k].append(timed(fn))
    n = len(texts)
    best = {k: min(v) for k, v in times.items()}
    paired = sorted(a / b for a, b in zip(times["natasha"], times["cold"]))
    result = {
        "articles": n,
        "batch": args.batch,
        "natasha_aps": round(n / best["natasha"], 2),
        "extract_aps": round(n / best["cold"], 2),
        "extract_warm_aps": round(n / best["warm"], 2),
        "ratio": round(best["natasha"] / best["cold"], 3),
        "ratio_warm": round(best["natasha"] / best["warm"], 3),
        "ratio_median_paired": round(paired[len(paired) // 2], 3),
        "natasha_ner_map_aps": round(n / best["natasha_ner"], 2),
        "ner_numpy_aps": round(n / best["ner_numpy"], 2),
        "ner_onnx_aps": round(n / best["ner_onnx"], 2),
        "ner_backend": extractor.ner.backend,
        "required_ratio": REQUIRED_RATIO,
    }
    result["ok"] = result["ratio"] >= REQUIRED_RATIO
    if args.json:
        print(json.dumps(result))
    else:
        print(f"articles per pass               {n} (extract_many batches of {args.batch})")
        print(f"natasha segment + map NER       {result['natasha_aps']:8.2f} articles/s")
        print(f"full extraction, cold cache     {result['extract_aps']:8.2f} articles/s  "
              f"ratio {result['ratio']:.3f} (floor {REQUIRED_RATIO}, goal 2; median paired {result['ratio_median_paired']})")
        print(f"full extraction, warm cache     {result['extract_warm_aps']:8.2f} articles/s  ratio {result['ratio_warm']:.3f}")
        print(f"NER only: natasha map {result['natasha_ner_map_aps']:.1f}, ner.py numpy {result['ner_numpy_aps']:.1f}, "
              f"onnx {result['ner_onnx_aps']:.1f} articles/s (tokens given, cold cache per batch)")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
