"""Can a learned sentence scorer beat Lead-3 on news? Cross-validation on one half of the dev set. Prints ONE JSON.

    python bench/scorer_cv.py --data ../shared/eval/news-summaries-dev.jsonl --half a --json

Why this exists: key points are meant to beat Lead-3 by 1.0 ROUGE-1 on data not fitted on, and the question
is whether a better *sentence scorer* would get there. This script answers it without touching the other
half: it takes the CNN/DM items of ``--half`` (the fitting half), splits them into k folds, fits each scorer on
k-1 folds and scores the sentences it picks on the remaining one. Picks are three sentences (in article order)
among the first ``window`` candidates (``summaries.summarize._candidates``), scored as the bench scores key
points (ROUGE-1 F1, Porter stemming, × 100). Scorers:

* ``lead3``: the first three candidates (no fitting).
* ``linear``: the product's features (``_features``) by ridge regression on each sentence's ROUGE-1 precision
  against the reference, as ``bench/fit_sentence_scorer.py`` fits ``_WEIGHTS``.
* ``oracle_logit``: logistic regression on ROUGE-oracle labels (the greedy best three sentences of each
  article), with the product's features plus position one-hots, pronoun opening, capitalised-word share,
  missing full stop, a merged caption, weekday/date words and attribution.
* ``lead1_plus2``: the first sentence always, then the ``oracle_logit`` scorer's best two of the window.

It also gives ``oracle3`` (the greedy oracle itself: the ceiling) for scale. Only the fitting half is read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from statistics import mean

import numpy as np
from numpy.typing import NDArray
from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.summary_quality import _article, _half
from summaries.sentences import split_sentences
from summaries.summarize import _candidates, _features

_POOL = 12
_PRONOUN = re.compile(r"^(?:He|She|It|They|His|Her|Their|Its|This|These|Those|That|We|I)\b")
_CAPITAL = re.compile(r"\b[A-Z][a-z]+")
_END = re.compile(r"[.!?][\"'”’)]*\s*$")
_MERGED = re.compile(r"[a-z0-9] [A-Z][a-z]+ (?:is|was|were|are|has|had|and|in|at|on|with)\b")
_DATE = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|last (?:week|night))\b"
)
_SAID = re.compile(r"\b(?:said|says|told|according to)\b")


class _Item:
    __slots__ = ("linear", "oracle", "precision", "reference", "rich", "texts")

    def __init__(self, reference: str, texts: list[str], linear: NDArray[np.float64], rich: NDArray[np.float64]):
        self.reference = reference
        self.texts = texts
        self.linear = linear
        self.rich = rich
        self.oracle: NDArray[np.float64] = np.zeros(len(texts))
        self.precision: NDArray[np.float64] = np.zeros(len(texts))


def _rich(linear_rows: list[tuple[float, ...]], texts: list[str]) -> list[list[float]]:
    rows: list[list[float]] = []
    for i, (base, text) in enumerate(zip(linear_rows, texts, strict=True)):
        words = text.split()
        n = len(words)
        capitals = len(_CAPITAL.findall(" ".join(words[1:]))) / max(n, 1)
        rows.append(
            [
                *(1.0, 1 / (1 + 0.6 * i), *(float(i == k) for k in range(6))),
                *(base[5], n / 40, float(n < 8), float(n > 40), base[8], base[9]),
                *(float(bool(_PRONOUN.match(text))), capitals, float(not _END.search(text))),
                *(float(bool(p.search(text))) for p in (_MERGED, _DATE, _SAID)),
            ]
        )
    return rows


def _load(path: Path, half: str, scorer: rouge_scorer.RougeScorer) -> list[_Item]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[_Item] = []
    for item in items:
        if item["dataset"] != "cnndm" or _half(item["id"]) != half:
            continue
        cands = _candidates(_article(item), _POOL)
        if not cands:
            continue
        texts = [c.text for c in cands]
        linear = _features(cands, "")
        entry = _Item(
            "\n".join(split_sentences(item["reference"])), texts, np.array(linear), np.array(_rich(linear, texts))
        )
        entry.precision = np.array([scorer.score(item["reference"], t)["rouge1"].precision for t in texts])
        chosen: list[int] = []
        best = 0.0
        for _ in range(3):
            pick = None
            for i in range(len(texts)):
                if i in chosen:
                    continue
                f = scorer.score(entry.reference, "\n".join(texts[j] for j in sorted([*chosen, i])))["rouge1"].fmeasure
                if f > best:
                    best, pick = f, i
            if pick is None:
                break
            chosen.append(pick)
        entry.oracle[chosen] = 1.0
        out.append(entry)
    return out


def _ridge(x: NDArray[np.float64], y: NDArray[np.float64], penalty: float) -> NDArray[np.float64]:
    return np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ y)


def _logit(x: NDArray[np.float64], y: NDArray[np.float64], penalty: float) -> NDArray[np.float64]:
    w = np.zeros(x.shape[1])
    for _ in range(30):  # Newton steps
        p = 1 / (1 + np.exp(-x @ w))
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty * np.eye(len(w))
        w -= np.linalg.solve(hessian, x.T @ (p - y) + penalty * w)
    return w


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--half", choices=("a", "b"), default="a", help="the fitting half (the only one read)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--window", type=int, default=5, help="picks come from the first N candidates")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    items = _load(args.data, args.half, scorer)

    def r1(item: _Item, picks: list[int]) -> float:
        return float(scorer.score(item.reference, "\n".join(item.texts[i] for i in sorted(picks)))["rouge1"].fmeasure)

    def top(scores: NDArray[np.float64], first: list[int]) -> list[int]:
        window = [i for i in range(min(args.window, len(scores))) if i not in first]
        return [*first, *sorted(window, key=lambda i: -scores[i])[: 3 - len(first)]]

    results: dict[str, list[float]] = {"lead3": [], "linear": [], "oracle_logit": [], "lead1_plus2": [], "oracle3": []}
    for k in range(args.folds):
        train = [it for j, it in enumerate(items) if j % args.folds != k]
        test = [it for j, it in enumerate(items) if j % args.folds == k]
        w_lin = _ridge(np.vstack([it.linear for it in train]), np.concatenate([it.precision for it in train]), 1.0)
        w_log = _logit(np.vstack([it.rich for it in train]), np.concatenate([it.oracle for it in train]), 1.0)
        pickers: dict[str, Callable[[_Item], list[int]]] = {
            "lead3": lambda it: list(range(min(3, len(it.texts)))),
            "linear": lambda it, w=w_lin: top(it.linear @ w, []),  # type: ignore[misc]
            "oracle_logit": lambda it, w=w_log: top(it.rich @ w, []),  # type: ignore[misc]
            "lead1_plus2": lambda it, w=w_log: top(it.rich @ w, [0]),  # type: ignore[misc]
            "oracle3": lambda it: [int(i) for i in np.flatnonzero(it.oracle)],
        }
        for it in test:
            for name, pick in pickers.items():
                results[name].append(r1(it, pick(it)))
    out: dict[str, object] = {f"{name}_r1": round(100 * mean(v), 2) for name, v in results.items()}
    out.update({"n": len(items), "half": args.half, "folds": args.folds, "window": args.window})
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
