"""The Summarizer protocol and the offline summarizer: a gist and three key points in the article's words.

Why extractive: offline there is no model to trust, and a card must never say what the article does not.
Every key point is a sentence of the article, cleaned and trimmed (``summaries.trim`` only removes spans),
so the faithfulness check passes by construction.

How the offline summarizer chooses (deterministic; no network, no downloads):

* Candidates are the first ``_POOL`` sentences that are not boilerplate (captions, bylines, prompts).
* Each candidate gets a *salience* score, a linear function of a few features (position, centrality: how
  many of the article's frequent content words it carries, title overlap, length, quotes, caption shape).
  The weights were fitted once by ``bench/fit_sentence_scorer.py`` on half of the dev set; the other half is
  the held-out check (see the bench's README lines in its docstring).
* *What happened* is the earliest of the three most salient of the opening ``_LEAD_WINDOW`` sentences (news is
  front-loaded).
* *What to watch* is a sentence that says what comes next (``summaries.roles``: plans, dates ahead,
  deadlines, open decisions): one of the three most salient opening sentences when one of them does, else the
  first such sentence anywhere in the article.
* *Why it matters* is the most salient of the opening ``_LEAD_WINDOW`` sentences that states a consequence or
  significance, the three most salient first.
* The three most salient opening sentences that no role took join *What happened*, in article order, up to
  ``MAX_HAPPENED_CHARS`` (two points' room). Roles taken from anywhere, with the rest left out, had cost 7
  ROUGE-1 on held-out news; the choices here were made on half "a" of the dev set (``bench/summary_quality.py``).
* The gist is its own line (``summaries.gist``): the standfirst, else the most central opening sentence
  compressed (the title when the article has no text).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import chain, islice
from typing import Protocol

from summaries.gist import GIST_MAX, GIST_WEIGHTS, GIST_WINDOW, gist_from
from summaries.models import Article, Card
from summaries.roles import WATCH_CUE, Role, role_of
from summaries.sentences import split_sentences
from summaries.trim import MAX_HAPPENED_CHARS, MAX_POINT_CHARS, clean_sentence, is_boilerplate, trim_sentence

__all__ = ["GIST_MAX", "NO_DETAIL", "NO_MATTERS", "NO_WATCH", "OfflineSummarizer", "Summarizer", "content_words"]

_POOL = 12
#: What a card says in a role the article has no sentence for, per language.
NO_DETAIL: dict[str, str] = {
    "en": "Details are in the full article.",
    "ja": "詳細は元の記事をご覧ください。",
}
#: What happened comes from the first sentences (news is front-loaded); what to watch may come from anywhere
#: in the first ``_WATCH_POOL`` candidate sentences.
_LEAD_WINDOW = 4
_WATCH_POOL = 80
#: What a card says when the article has no sentence that looks ahead, or none that says why it matters.
NO_WATCH: dict[str, str] = {
    "en": "The article does not say what comes next.",
    "ja": "今後の予定は記事に書かれていません。",
}
NO_MATTERS: dict[str, str] = {
    "en": "The article does not say why it matters.",
    "ja": "影響や意義は記事に書かれていません。",
}

_STOP = frozenset(
    """
    a an the and or but if of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very s
    t can will just don should now is are was were be been being have has had having do does did doing i
    me my we our you your he him his she her it its they them their what which who whom this that these
    those am would could also said says say one two new
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d[\d,.]*|[\u3040-\u30ff\u3400-\u9fff]+")
_NUMBERISH = re.compile(r"\d|\b(?:million|billion|trillion|percent|half|double|triple)\b", re.IGNORECASE)
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_QUOTE = re.compile(r"[\"“”]|(?:^|\s)'\s?[A-Z]|「")
_CAPTION = re.compile(r"^[A-Z][\w'-]*(?:\s+[\w'-]+){0,4}:\s")


class Summarizer(Protocol):
    """Makes the card of one article in one language.

    ``summarize`` returns a card whose ``summarizer`` field names the implementation. It must not raise for a
    well-formed article: an implementation that cannot do its job (network, budget) returns the offline card.
    The same article and language give the same card (implementations cache or are deterministic).
    """

    @property
    def name(self) -> str: ...

    async def summarize(self, article: Article, language: str) -> Card: ...


def content_words(text: str) -> list[str]:
    """Lower-cased content words (crudely stemmed) of a text; Japanese runs are kept whole."""
    out: list[str] = []
    for token in _WORD.findall(text):
        low = token.lower()
        if low in _STOP or len(low) < 2:
            continue
        if low.endswith("s") and len(low) > 4 and not low.endswith("ss"):
            low = low[:-1]
        out.append(low)
    return out


class _Candidate:
    __slots__ = ("index", "salience", "text", "words")

    def __init__(self, index: int, text: str, words: list[str]) -> None:
        self.index = index
        self.text = text
        self.words = words
        self.salience = 0.0


def _candidates(article: Article, pool: int = _POOL) -> list[_Candidate]:
    return list(islice(_iter_candidates(article), pool))


def _iter_candidates(article: Article) -> Iterator[_Candidate]:
    """The article's candidate sentences in order, made only as far as they are read: most cards find their
    roles in the opening, so the rest of a long article is never cleaned or classified."""
    raw = split_sentences(article.text) if article.text else []
    seen: set[str] = set()
    index = 0
    for sentence in raw:
        sentence = clean_sentence(sentence)
        if is_boilerplate(sentence) or sentence.casefold() in seen:
            continue
        seen.add(sentence.casefold())
        words = content_words(sentence)
        if not words:
            continue
        yield _Candidate(index, sentence, words)
        index += 1


#: Weights of the sentence scorer, in the order of ``_features``. Fitted by ``bench/fit_sentence_scorer.py``
#: (least squares on half "a" of the dev set, target: each sentence's ROUGE-1 precision against the reference);
#: half "b" is the held-out check. The dev set has no titles, so the title-overlap weight (0.15) is a
#: hand-set prior: a sentence that repeats the headline is the lead event.
_WEIGHTS: tuple[float, ...] = (
    0.2506,
    0.2892,
    -0.1766,
    -0.0074,
    0.0124,
    0.1085,
    0.15,
    -0.0873,
    -0.0055,
    -0.0481,
    -0.041,
    -0.083,
    0.0182,
)


def _features(cands: list[_Candidate], title: str) -> list[tuple[float, ...]]:
    """Per candidate: bias, 1/(1+pos), pos==0, pos==1, pos==2, centrality, title overlap, words/40,
    has number, has quote, caption-like, too short, too long."""
    freq = Counter(w for c in cands for w in set(c.words))
    title_words = set(content_words(title))
    rows: list[tuple[float, ...]] = []
    for cand in cands:
        uniq = set(cand.words)
        central = sum(freq[w] - 1 for w in uniq) / (len(uniq) + 4)
        overlap = len(uniq & title_words) / (len(title_words) + 1)
        n = len(cand.text.split()) if not _JA.search(cand.text) else len(cand.text) // 2
        i = cand.index
        rows.append(
            (
                1.0,
                1.0 / (1.0 + 0.6 * i),
                float(i == 0),
                float(i == 1),
                float(i == 2),
                central,
                overlap,
                n / 40.0,
                float(bool(_NUMBERISH.search(cand.text))),
                float(bool(_QUOTE.search(cand.text))),
                float(bool(_CAPTION.match(cand.text))),
                float(n < 6),
                float(n > 45),
            )
        )
    return rows


def _score(cands: list[_Candidate], title: str) -> list[tuple[float, ...]]:
    """Set each candidate's salience; the feature rows are returned for the gist, which ranks by the same."""
    rows = _features(cands, title)
    for cand, row in zip(cands, rows, strict=True):
        cand.salience = sum(w * x for w, x in zip(_WEIGHTS, row, strict=True))
    return rows


class OfflineSummarizer:
    """The built-in summarizer: deterministic, no network. See the module docstring for the rules."""

    name = "offline"

    async def summarize(self, article: Article, language: str) -> Card:
        return self.card(article)

    def card(self, article: Article) -> Card:
        """The card of ``article`` in the article's own language (offline cannot translate)."""
        stream = _iter_candidates(article)
        opening = list(islice(stream, _POOL))
        rows = _score(opening, article.title)
        lead, matters, watch = _key_points(opening, stream)
        title = trim_sentence(article.title, MAX_POINT_CHARS) or article.title[:MAX_POINT_CHARS]
        language = article.language if article.language in NO_DETAIL else "en"
        return Card(
            gist=_gist(article, opening, rows) or title[:GIST_MAX],
            what_happened=lead or title or NO_DETAIL[language],
            why_it_matters=matters or NO_MATTERS[language],
            what_to_watch=watch or NO_WATCH[language],
            language=article.language,
            summarizer=self.name,
        )

    def key_points(self, article: Article) -> tuple[str, str, str]:
        """Three trimmed points in their roles; an empty string where the article has none for a role.

        Roles are looked for first among the three most salient opening sentences (the card's best material),
        and only then further: *What to watch* anywhere, *Why it matters* in the rest of the opening window.
        Those of the three that no role took join *What happened* while it stays within
        ``MAX_HAPPENED_CHARS`` (1–3 sentences a point, like a written card), so a role found further down does
        not push the article's best sentences off the card.
        """
        stream = _iter_candidates(article)
        opening = list(islice(stream, _POOL))
        _score(opening, article.title)
        return _key_points(opening, stream)

    def gist_of(self, article: Article) -> str:
        """The one-line gist alone (``summaries.gist``): the standfirst, else the best opening sentence compressed."""
        opening = [] if article.standfirst else _candidates(article)
        return _gist(article, opening, _features(opening, article.title))


def _key_points(opening: list[_Candidate], further: Iterator[_Candidate]) -> tuple[str, str, str]:
    """``OfflineSummarizer.key_points`` of scored ``opening`` candidates, ``further`` the ones after them."""
    if not opening:
        return ("", "", "")
    by_salience = sorted(opening[:_LEAD_WINDOW], key=lambda c: (-c.salience, c.index))
    chosen = sorted(by_salience[:3], key=lambda c: c.index)
    lead, rest = chosen[0], chosen[1:]
    role = _RoleMemo()
    watch, watch_point = next(
        (
            (c, point)
            for c in chain(rest, (c for c in opening if c not in chosen), islice(further, _WATCH_POOL - _POOL))
            if role(c.text) == "watch" and (point := _watch_point(c.text, role))
        ),
        (None, ""),
    )
    kept = [c for c in rest if c is not watch]
    matters = next(
        (c for c in [*sorted(kept, key=lambda c: -c.salience), *by_salience[3:]] if role(c.text) == "matters"),
        None,
    )
    parts = [lead]
    for extra in (c for c in kept if c is not matters):
        joined = " ".join(
            trim_sentence(c.text, MAX_POINT_CHARS) for c in sorted([*parts, extra], key=lambda c: c.index)
        )
        if len(joined) <= MAX_HAPPENED_CHARS:
            parts.append(extra)
    happened = " ".join(trim_sentence(c.text, MAX_POINT_CHARS) for c in sorted(parts, key=lambda c: c.index))
    return (
        happened,
        trim_sentence(matters.text, MAX_POINT_CHARS) if matters else "",
        watch_point,
    )


def _gist(article: Article, opening: list[_Candidate], rows: list[tuple[float, ...]]) -> str:
    """``OfflineSummarizer.gist_of`` given the opening candidates and their feature rows (centrality over the
    whole opening pool, as fitted)."""
    if article.standfirst:
        return gist_from(article.standfirst, [])
    ranked = sorted(
        list(zip(opening, rows, strict=True))[:GIST_WINDOW],
        key=lambda cr: (-sum(w * x for w, x in zip(GIST_WEIGHTS, cr[1], strict=True)), cr[0].index),
    )
    return gist_from("", [c.text for c, _ in ranked])


class _RoleMemo:
    """``role_of`` remembered for one article's card: choosing the roles asks about the same sentences again
    (a sentence passed over for *What to watch* is asked about for *Why it matters*; a short one is its own
    trimmed form), and the classifier is most of what a card costs."""

    __slots__ = ("_roles",)

    def __init__(self) -> None:
        self._roles: dict[str, Role] = {}

    def __call__(self, sentence: str) -> Role:
        role = self._roles.get(sentence)
        if role is None:
            role = self._roles[sentence] = role_of(sentence)
        return role


def _watch_point(text: str, role: Callable[[str], Role]) -> str:
    """What *What to watch* shows for a sentence that looks ahead: trimmed, keeping the clause that does; empty
    when no trimmed form still reads as looking ahead (the card must not show background under that label)."""
    return next(
        (
            p
            for p in dict.fromkeys((_trim_keeping(text, WATCH_CUE), trim_sentence(text, MAX_POINT_CHARS)))
            if role(p) == "watch"
        ),
        "",
    )


def _trim_keeping(text: str, cue: re.Pattern[str]) -> str:
    """Trim, but if trimming cut away the words that give the point its role, keep the clause holding them."""
    trimmed = trim_sentence(text, MAX_POINT_CHARS)
    match = cue.search(text)
    if match is None or cue.search(trimmed):
        return trimmed
    start = max(text.rfind(", ", 0, match.start()), text.rfind("; ", 0, match.start()))
    if start < 0:
        return trimmed
    clause = trim_sentence(text[start + 2 :], MAX_POINT_CHARS)
    return clause if cue.search(clause) and len(clause.split()) >= 4 else trimmed
