"""The gist: one line of its own, under the title, on every channel.

Why not *What happened* trimmed: a reader sees both, so the gist must add something, and on held-out news the
first sentence was a poor one-line summary (the lead often sets a scene). In order:

1. **The publisher's standfirst**, when the feed carries an editor-written description beside the full text.
   A description that is only the first paragraph cut short (a prefix of the text, or ending in "…", "[…]",
   "Read more") is not one: ``is_standfirst`` says which.
2. Else **the most central opening sentence, compressed**: among the first ``GIST_WINDOW`` candidate sentences,
   the one a second linear scorer ranks best (same features as the key-point scorer; weights fitted by
   ``bench/fit_sentence_scorer.py --target gist`` on half "a" of the dev set's one-sentence summaries),
   then ``summaries.compress`` deletes its datelines, attributions and asides. Deletion only: faithful.
"""

from __future__ import annotations

import re

from summaries.compress import compress_sentence
from summaries.sentences import split_sentences
from summaries.trim import trim_sentence

__all__ = ["GIST_MAX", "GIST_WEIGHTS", "GIST_WINDOW", "gist_from", "is_standfirst"]

#: The gist is one line: at most this many characters.
GIST_MAX = 200
#: The gist is chosen among this many opening candidate sentences.
GIST_WINDOW = 6
#: Weights of the gist scorer, in the order of ``summaries.summarize._features`` (fitted on half "a"; the
#: title-overlap weight is a hand-set prior: the dev set has no titles).
GIST_WEIGHTS: tuple[float, ...] = (
    0.0686,
    0.0423,
    -0.0234,
    -0.0171,
    -0.0115,
    0.0735,
    0.05,
    0.0663,
    0.0171,
    -0.0193,
    0.0201,
    -0.0485,
    0.0083,
)
_CUT_SHORT = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|\[?(?:read|continue reading|more)\b[^.]{0,40}\]?|appeared first on.*)\s*$",
    re.IGNORECASE,
)
_NORM = re.compile(r"[\W_]+", re.UNICODE)
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _norm(text: str) -> str:
    return _NORM.sub(" ", text.casefold()).strip()


def is_standfirst(description: str, text: str) -> bool:
    """True when ``description`` reads as an editor-written standfirst, not the first paragraph cut short."""
    desc = " ".join(description.split())
    if not desc or "appeared first on" in desc.casefold():
        return False
    size = len(desc) // 2 if _JA.search(desc) else len(desc.split())
    if size < 6 or size > 60 or _CUT_SHORT.search(desc):
        return False
    head, body = _norm(desc), _norm(text)
    if not body:
        return True
    if body.startswith(head) or head.startswith(body):
        return False
    probe = head[:60]
    return probe not in body[: max(400, len(head) + 200)]


def gist_from(standfirst: str, ranked: list[str]) -> str:
    """The gist: the standfirst's first sentence when there is one, else the best of ``ranked`` compressed.

    ``ranked`` holds candidate sentences, best first (``summaries.summarize`` ranks them).
    """
    if standfirst:
        first = next(iter(split_sentences(standfirst)), standfirst)
        chosen = first if len(first.split()) >= 6 or _JA.search(first) else standfirst
        return trim_sentence(chosen, GIST_MAX)
    for sentence in ranked:
        gist = compress_sentence(trim_sentence(sentence, GIST_MAX))
        if gist:
            return gist[:GIST_MAX]
    return ""
