"""The labelled role set and its accuracy: which sentences are *what to watch*, *why it matters*, or neither.

Two parts (see ``summaries.roles``): ``bench/data/roles_project.jsonl``, sentences written for the project
(always there), and ``bench/data/roles_feeds.tsv``, labels of sentences of ``../shared/feeds`` kept by hash
(the feed text stays outside the repository), used only when that directory is present. A sentence belongs
to the "dev" half (the rules were written looking at it and ``bench/fit_role_classifier.py`` fits the
classifier's weights on it) or the "held-out" half by its hash; the bench reports the held-out half.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from summaries.models import Source
from summaries.normalize import feed_to_articles
from summaries.roles import role_of
from summaries.sentences import split_sentences
from summaries.trim import clean_sentence

DATA = Path(__file__).resolve().parent / "data"
FEEDS = Path(__file__).resolve().parents[2] / "shared" / "feeds"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def split_of(text: str) -> str:
    """``dev`` or ``held-out``, by the sentence's hash."""
    return "dev" if int(_key(text)[-1], 16) % 2 == 0 else "held-out"


def load(feeds: Path = FEEDS) -> list[tuple[str, str, str]]:
    """(sentence, role, origin) of every labelled sentence that can be read here."""
    out = [
        (row["text"], row["role"], "project")
        for row in map(json.loads, (DATA / "roles_project.jsonl").read_text(encoding="utf-8").splitlines())
    ]
    if not feeds.is_dir():
        return out
    wanted: dict[str, dict[str, str]] = {}
    for line in (DATA / "roles_feeds.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, digest, role = line.split("\t")
            wanted.setdefault(name, {})[digest] = role
    source = Source(id="bench", name="bench", feed_url="https://bench.invalid/feed")
    now = datetime(2026, 12, 6, tzinfo=UTC)
    for name, labels in wanted.items():
        path = feeds / name
        if not path.is_file():
            continue
        for article in feed_to_articles(path.read_bytes(), source, now=now):
            for piece in split_sentences(article.text)[:40]:
                sentence = clean_sentence(piece)
                role = labels.pop(_key(sentence)[:12], None)
                if role is not None:
                    out.append((sentence, role, "feeds"))
    return out


def accuracy(rows: list[tuple[str, str, str]], split: str = "held-out") -> tuple[float, int, Counter[str]]:
    """Share of ``split``'s sentences whose ``role_of`` is the label, their count, and the confusions."""
    chosen = [(s, r) for s, r, _ in rows if split_of(s) == split]
    confusions: Counter[str] = Counter()
    right = 0
    for sentence, role in chosen:
        got = role_of(sentence)
        right += got == role
        if got != role:
            confusions[f"{role}->{got}"] += 1
    return (right / len(chosen) if chosen else 0.0), len(chosen), confusions
