"""Fit the offline summarizer's sentence-scorer weights by least squares. Prints ONE JSON object.

    python bench/fit_sentence_scorer.py --data ../shared/eval/news-summaries-dev.jsonl --half a --json

Rows are the candidate sentences (``summaries.summarize._features``) of the CNN/DM items of one half of the
file; the target is each sentence's ROUGE-1 precision against the item's reference. The printed weights are
what ``summaries.summarize._WEIGHTS`` holds; ``bench/summary_quality.py --half b`` is the held-out check. Only
the fitted weights enter the code: the data file stays outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.summary_quality import _article, _half
from summaries.summarize import _candidates, _features


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--half", choices=("a", "b"), default="a")
    parser.add_argument("--ridge", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    items = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [it for it in items if it["dataset"] == "cnndm" and _half(it["id"]) == args.half]
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    xs: list[tuple[float, ...]] = []
    ys: list[float] = []
    for item in items:
        article = _article(item)
        cands = _candidates(article)
        for cand, row in zip(cands, _features(cands, article.title), strict=True):
            xs.append(row)
            ys.append(scorer.score(item["reference"], cand.text)["rouge1"].precision)
    x = np.array(xs)
    y = np.array(ys)
    gram = x.T @ x + args.ridge * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, x.T @ y)
    out = {"weights": [round(float(w), 4) for w in weights], "rows": len(ys), "items": len(items)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
