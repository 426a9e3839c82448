"""Fit the role classifier's weights (``summaries.roles.ROLE_WEIGHTS``) on the dev part. Prints ONE JSON object.

    python bench/fit_role_classifier.py --json

Rows are the "dev" sentences of the labelled role set (``bench/role_labels.py``: the project's sentences and,
when ``../shared/feeds`` is present, the labelled feed sentences); the held-out part is never read here. The
model is a multinomial logistic regression over ``summaries.roles.role_features`` (the hand-written rules'
answer plus cue features), L2-penalised, each sentence weighted by (n / (3 · n_role))^balance so the rarer
roles (a feed is mostly "other") are not drowned out; the penalty (``--ridge``) and the balance (``--balance``)
are the pair with the best mean accuracy in 5-fold cross-validation over five shuffles of the dev part.
The printed ``weights`` are what ``ROLE_WEIGHTS`` holds; ``bench/summary_quality.py`` reports
``role_accuracy`` on the held-out part.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.role_labels import load, split_of
from summaries.roles import ROLES, role_features

_ITERATIONS = 3000
_STEP = 0.5


def fit(x: NDArray[np.float64], y: NDArray[np.int64], ridge: float, balance: float) -> NDArray[np.float64]:
    """Weights (features × roles) by gradient descent on the penalised, class-weighted log-loss (deterministic)."""
    weights = np.zeros((x.shape[1], len(ROLES)))
    onehot = np.eye(len(ROLES))[y]
    counts = np.bincount(y, minlength=len(ROLES))
    sample = (len(y) / (len(ROLES) * counts[y])) ** balance
    for _ in range(_ITERATIONS):
        z = x @ weights
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        weights -= _STEP * (x.T @ ((p - onehot) * sample[:, None]) + ridge * weights) / len(x)
    return weights


def cross_validated(x: NDArray[np.float64], y: NDArray[np.int64], ridge: float, balance: float) -> float:
    """Mean accuracy of 5-fold cross-validation over five seeded shuffles."""
    scores: list[float] = []
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(y))
        predicted = np.zeros(len(y), dtype=np.int64)
        for fold in np.array_split(order, 5):
            train = np.setdiff1d(order, fold)
            predicted[fold] = (x[fold] @ fit(x[train], y[train], ridge, balance)).argmax(axis=1)
        scores.append(float((predicted == y).mean()))
    return float(np.mean(scores))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ridge", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0])
    parser.add_argument("--balance", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    dev = [(s, r) for s, r, _ in load() if split_of(s) == "dev"]
    x = np.array([role_features(s) for s, _ in dev], dtype=np.float64)
    y = np.array([ROLES.index(r) for _, r in dev], dtype=np.int64)  # type: ignore[arg-type]
    cv = {(r, b): cross_validated(x, y, r, b) for r in args.ridge for b in args.balance}
    ridge, balance = best = max(cv, key=lambda rb: (cv[rb], rb))
    weights = fit(x, y, ridge, balance)
    out = {
        "weights": [[round(float(w), 3) for w in weights[:, k]] for k in range(len(ROLES))],
        "ridge": ridge,
        "balance": balance,
        "cv_accuracy": {f"ridge={r} balance={b}": round(a, 3) for (r, b), a in cv.items()},
        "cv_best": round(cv[best], 3),
        "dev_n": len(dev),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
