"""Score the offline summarizer with ROUGE beside Lead-3 / Lead-1, and time it. Prints ONE JSON object.

    python bench/summary_quality.py --data ../shared/eval/news-summaries-dev.jsonl --json

The data file has one JSON object a line: ``id``, ``dataset`` (``cnndm`` or ``xsum``), ``article``,
``reference``. Key points (three sentences, joined in role order) and Lead-3 are scored against the CNN/DM
references; the gist and Lead-1 against the XSum references. ROUGE is rouge-score with Porter stemming, F1,
× 100; R-Lsum splits summaries at newlines, one sentence a line. ``--half a|b`` scores only the items whose
id hash is even/odd, so a choice made on one half can be checked on the other. The default is half "b": the
sentence scorers and the compression rules were fitted on half "a", so "b" is the honest figure. Lead-1 and
Lead-3 are scored on the same items. Key points are the card's sentences; a role the article has no sentence
for ("The article does not say what comes next.") is left out of the score rather than scored as a summary.

``role_accuracy`` is ``summaries.roles.role_of`` on the held-out half of the labelled role set
(``bench/role_labels.py``): the project's own sentences always, the feed sentences when ``../shared/feeds``
is present (``role_n`` says how many were scored). Without ``--data`` only the role figures are printed.
``articles_per_s`` is the offline summarizer alone (cards for every item), single process, one core.

``--llm`` scores the LLM endpoint the settings name (``AITODAY_LLM_BASE_URL``, ``AITODAY_LLM_MODEL``,
``AITODAY_LLM_API_KEY``, from the environment or ``.env``) instead, through the product's own
``summaries.llm`` (``bench/llm_cards.py``): the same ROUGE figures of its cards (a card that failed the gate is
the offline card, as a reader would get), ``faithfulness_pass_rate`` (answers that passed the faithfulness
gate / answers), ``tokens_per_card`` (``usage.total_tokens`` per answer) and ``llm_cards_per_s`` with
``--concurrency`` requests in flight. ``--lang ja`` asks for Japanese cards: ROUGE against the English
references means nothing there, so only the gate and cost figures are given.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.llm_cards import NotConfigured, config_from, llm_cards
from bench.role_labels import accuracy, load
from bot.settings import SettingsError, load_settings
from summaries.models import Article, Card
from summaries.sentences import split_sentences
from summaries.summarize import NO_DETAIL, NO_MATTERS, NO_WATCH, OfflineSummarizer

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _article(item: dict[str, str]) -> Article:
    return Article(
        fingerprint=item["id"],
        source_id="eval",
        source_name="eval",
        category="media",
        url=f"https://eval.invalid/{item['id']}",
        title="",
        published=_EPOCH,
        first_seen=_EPOCH,
        text=item["article"],
    )


def _half(item_id: str) -> str:
    return "a" if hashlib.sha1(item_id.encode()).digest()[0] % 2 == 0 else "b"


def _score(items: list[dict[str, str]], cards: list[Card]) -> dict[str, float]:
    """ROUGE of the cards' key points (CNN/DM items) and gists (XSum items) beside Lead-3 and Lead-1."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    fillers = {*NO_DETAIL.values(), *NO_MATTERS.values(), *NO_WATCH.values()}
    kp: list[tuple[float, float, float]] = []
    l3: list[tuple[float, float, float]] = []
    gist: list[float] = []
    l1: list[float] = []
    for item, card in zip(items, cards, strict=True):
        ref = "\n".join(split_sentences(item["reference"]))
        lead = split_sentences(item["article"])
        if item["dataset"] == "cnndm":
            points = [p for p in card.key_points if p not in fillers]
            for pred, bucket in (("\n".join(points), kp), ("\n".join(lead[:3]), l3)):
                s = scorer.score(ref, pred)
                bucket.append((s["rouge1"].fmeasure, s["rouge2"].fmeasure, s["rougeLsum"].fmeasure))
        else:
            gist.append(scorer.score(ref, card.gist)["rouge1"].fmeasure)
            l1.append(scorer.score(ref, lead[0] if lead else "")["rouge1"].fmeasure)

    def avg(values: list[float]) -> float:
        return round(100 * mean(values), 2) if values else 0.0

    return {
        "keypoints_r1": avg([s[0] for s in kp]),
        "keypoints_r2": avg([s[1] for s in kp]),
        "keypoints_rlsum": avg([s[2] for s in kp]),
        "lead3_r1": avg([s[0] for s in l3]),
        "lead3_r2": avg([s[1] for s in l3]),
        "lead3_rlsum": avg([s[2] for s in l3]),
        "gist_r1": avg(gist),
        "lead1_r1": avg(l1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="the dev set (JSON lines); without it, role figures only")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the only output)")
    parser.add_argument("--half", choices=("a", "b", "all"), default="b", help="which half of the items to score")
    parser.add_argument("--llm", action="store_true", help="score the LLM endpoint of the settings instead")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="with --llm: the cards' language")
    parser.add_argument("--concurrency", type=int, default=4, help="with --llm: requests in flight")
    args = parser.parse_args(argv)
    role_rows = load()
    role_acc, role_n, _ = accuracy(role_rows)
    roles = {"role_accuracy": round(role_acc, 3), "role_n": role_n}
    if args.data is None:
        if args.llm:
            parser.error("--llm needs --data")
        print(json.dumps(roles) if args.json else json.dumps(roles, indent=2))
        return 0

    items = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.half != "all":
        items = [it for it in items if _half(it["id"]) == args.half]
    articles = [_article(it) for it in items]
    result: dict[str, object]
    if args.llm:
        try:
            config = config_from(load_settings())
        except (NotConfigured, SettingsError) as exc:
            print(f"summary_quality: {exc}", file=sys.stderr)
            return 2
        run = asyncio.run(llm_cards(articles, config, args.lang, args.concurrency))
        scores = _score(items, run.cards) if args.lang == "en" else {}
        result = {**scores, **run.figures(), "n": len(items), "half": args.half, "lang": args.lang}
    else:
        summarizer = OfflineSummarizer()
        start = time.perf_counter()
        cards = [summarizer.card(a) for a in articles]
        elapsed = time.perf_counter() - start
        result = {
            **_score(items, cards),
            "articles_per_s": round(len(articles) / elapsed, 1) if elapsed else 0.0,
            "n": len(items),
            "half": args.half,
            **roles,
        }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
