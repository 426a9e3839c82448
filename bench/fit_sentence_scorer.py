"""Fit the offline summarizer's sentence-scorer weights by least squares. Prints ONE JSON object.

    python bench/fit_sentence_scorer.py --data ../shared/eval/news-summaries-dev.jsonl --half a --json

Rows are the candidate sentences (``summaries.summarize._features``) of the CNN/DM items of one half of the
file; the target is each sentence's ROUGE-1 precision against the item's reference. The printed weights are
what ``summaries.summarize._WEIGHTS`` holds; ``bench/summary_quality.py --half b`` is the held-out check.
``--target gist`` fits ``summaries.gist.GIST_WEIGHTS`` instead: the XSum items, target the ROUGE-1 F1 of each
sentence after trimming and compression (what the gist would show). Only
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
from summaries.compress import compress_sentence
from summaries.sentences import split_sentences
from summaries.summarize import _candidates, _features
from summaries.trim import trim_sentence


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--half", choices=("a", "b"), default="a")
    parser.add_argument("--ridge", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--target", choices=("points", "gist"), default="points")
    args = parser.parse_args(argv)
    items = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    dataset = "cnndm" if args.target == "points" else "xsum"
    items = [it for it in items if it["dataset"] == dataset and _half(it["id"]) == args.half]
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    xs: list[tuple[float, ...]] = []
    ys: list[float] = []
    for item in items:
        article = _article(item)
        cands = _candidates(article)
        for cand, row in zip(cands, _features(cands, article.title), strict=True):
            xs.append(row)
            if args.target == "points":
                ys.append(scorer.score(item["reference"], cand.text)["rouge1"].precision)
            else:
                ref = "\n".join(split_sentences(item["reference"]))
                ys.append(scorer.score(ref, compress_sentence(trim_sentence(cand.text)))["rouge1"].fmeasure)
    x = np.array(xs)
    y = np.array(ys)
    gram = x.T @ x + args.ridge * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, x.T @ y)
    out = {"weights": [round(float(w), 4) for w in weights], "rows": len(ys), "items": len(items)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
