"""Pairwise precision and recall of same-story clustering on the labelled pairs. Prints ONE JSON object.

    python bench/cluster_quality.py --json [--data tests/summaries/data/cluster_pairs.jsonl] [--errors]

Each pair is clustered on its own (``summaries.cluster.cluster_articles`` on the two articles); "predicted
same" means they land in one cluster. Positive class = same story. Also reports the figures per pair kind
and the clustering throughput on all articles of the file together (``articles_per_s``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from summaries.cluster import cluster_articles
from summaries.models import Article

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "summaries" / "data" / "cluster_pairs.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--errors", action="store_true", help="also list the misclassified pairs (stderr)")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    tp = fp = fn = tn = 0
    wrong: Counter[str] = Counter()
    articles: dict[str, Article] = {}
    for row in rows:
        a, b = Article.from_dict(row["a"]), Article.from_dict(row["b"])
        articles[a.fingerprint], articles[b.fingerprint] = a, b
        predicted = len(cluster_articles([a, b])) == 1
        if predicted and row["same"]:
            tp += 1
        elif predicted:
            fp += 1
        elif row["same"]:
            fn += 1
        else:
            tn += 1
        if predicted != row["same"]:
            wrong[row["kind"]] += 1
            if args.errors:
                print(f"{row['kind']:15} same={row['same']!s:5} | {a.title[:60]} || {b.title[:60]}", file=sys.stderr)
    start = time.perf_counter()
    cluster_articles(articles.values())
    elapsed = time.perf_counter() - start
    result = {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "pairs": len(rows),
        "same_pairs": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "errors_by_kind": dict(sorted(wrong.items())),
        "articles_per_s": round(len(articles) / elapsed, 1) if elapsed else 0.0,
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
