"""Same-story clustering: the same announcement from ten sources becomes one story, led by the primary source.

Why two passes: syndicated copies and aggregator re-posts are *near-duplicates* (almost the same title and
lead) and are cheap to catch exactly; coverage of one event by different outlets shares far fewer words, so
the *same-story* pass compares titles, leads and named things, and refuses pairs that name different
versions or products (two OpenAI announcements on one day are two stories).

The decision for a pair (``same_story``), only when the two were published within ``WINDOW`` (72 h):

1. **near-duplicate** — Jaccard of word 3-shingles of title + lead ≥ 0.5, or equal normalised titles;
2. **different things** — both name a versioned thing ("GPT-4.1", "o3", "Gemini 2.5 Pro", "Claude Opus 5") and
   share none of them → different stories;
3. **same story** — ``0.5·title + 0.3·lead + 0.2·names`` ≥ ``THRESHOLD``, where *title* is the Jaccard of
   title content words, *lead* the cosine of the first ``_LEAD_WORDS`` content words, *names* the overlap of
   distinctive names (company names every story mentions count for little);
4. **across languages** (a Japanese report of an English announcement) — at least two shared distinctive
   Latin-script names (company names every story mentions do not count).

Pairs are found through an inverted index of distinctive tokens (no all-pairs scan), joined with union-find.
The cluster's lead is the primary source: the organisation's own post (a ``lab`` source whose name the
others mention) beats other official sources, which beat coverage; then the earliest; then an announcement
("Introducing …") over its companions (system card, FAQ); then the fingerprint, so the same input always
gives the same clusters.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from summaries.models import Article, Coverage
from summaries.summarize import content_words

__all__ = ["THRESHOLD", "WINDOW", "Cluster", "cluster_articles", "pair_features", "same_story"]

WINDOW = timedelta(hours=72)
THRESHOLD = 0.32
_NEAR_DUP = 0.5
_LEAD_WORDS = 60
_CATEGORY_RANK = {"lab": 3, "research": 2, "policy": 2, "media": 1, "japan": 1, "newsletter": 0, "community": 0}
#: Names that appear in many unrelated stories: sharing one says little.
_COMMON_NAMES = frozenset(
    """
    ai openai google anthropic microsoft meta nvidia apple amazon aws deepmind ibm intel amd chatgpt gemini
    claude copilot llm llms gpt hugging face huggingface us u.s. uk eu china japan new york times
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
_SUFFIX = re.compile(r"\s+[-|–—:]\s+[^-|–—:]{2,40}$")
_VERSIONED = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z]*[- ]?\d+(?:\.\d+)*(?:[- ][A-Z][a-z]+)?(?:-[A-Za-z0-9]+)*|[a-z]\d(?:-[a-z]+)?)"
    r"(?![A-Za-z0-9])"
)
# Years, dates and counts that look like versions: "July 1", "Top 10", "COVID-19" stays a name.
_NOT_A_VERSION = re.compile(
    r"^(?:[a-z]+-?(?:19|20)\d\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*-\d|top-\d|q\d)"
)
_NAME = re.compile(r"[A-Z][A-Za-z0-9.&+-]*[A-Za-z0-9+]|[a-z]+[A-Z][A-Za-z0-9-]*|[A-Za-z]+-?\d[A-Za-z0-9.-]*")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_SHINGLE_WORD = re.compile(r"\w+")
# Between posts of one source at one time, the announcement leads (not its system card or FAQ).
_ANNOUNCEMENT = re.compile(r"^(?:introducing|announcing|launching|meet|today)\b|\bis (?:now )?available\b", re.I)


@dataclass(frozen=True)
class _Doc:
    """What the pair decision needs of an article, computed once."""

    article: Article
    title_words: frozenset[str]
    lead: Counter[str]
    names: frozenset[str]
    versions: frozenset[str]
    shingles: frozenset[int]
    norm_title: str
    japanese: bool

    @property
    def distinctive(self) -> frozenset[str]:
        return frozenset(n for n in self.names if n not in _COMMON_NAMES) | self.versions


def _norm_title(title: str) -> str:
    return " ".join(_SHINGLE_WORD.findall(_SUFFIX.sub("", title).casefold()))


def _versions(text: str) -> frozenset[str]:
    found = set()
    for match in _VERSIONED.finditer(text):
        token = re.sub(r"[\s-]+", "-", match.group(0).casefold())
        if any(ch.isdigit() for ch in token) and not _NOT_A_VERSION.match(token):
            found.add(token)
    return frozenset(found)


def _names(text: str) -> frozenset[str]:
    out = set()
    for sentence in re.split(r"(?<=[.!?。])\s*", text):
        for i, match in enumerate(_NAME.finditer(sentence)):
            word = match.group(0).casefold().rstrip(".")
            if i == 0 and match.start() == 0 and word in _LOWER_STARTERS:
                continue
            if len(word) > 1:
                out.add(re.sub(r"'s$|’s$", "", word))
    return frozenset(out)


_LOWER_STARTERS = frozenset(
    """
    the a an this that these those it its in on at for with by from to of and but or as if when while after
    before why what who how where which there here new now more most some many also however today we our you
    your he she they their his her i my introducing announcing how why
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)


def _shingles(text: str) -> frozenset[int]:
    words = _SHINGLE_WORD.findall(text.casefold())
    if _JA.search(text):
        chars = re.sub(r"\s+", "", text)
        grams = [chars[i : i + 3] for i in range(max(1, len(chars) - 2))]
    else:
        grams = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    return frozenset(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams)


def _doc(article: Article) -> _Doc:
    lead_text = " ".join(article.text.split()[:_LEAD_WORDS]) if not _JA.search(article.text) else article.text[:200]
    title = _SUFFIX.sub("", article.title)
    head = f"{title}. {lead_text}"
    return _Doc(
        article=article,
        title_words=frozenset(content_words(title)),
        lead=Counter(content_words(head)),
        names=_names(head),
        versions=_versions(title),
        shingles=_shingles(f"{title} {lead_text[:300]}"),
        norm_title=_norm_title(article.title),
        japanese=bool(_JA.search(article.title)),
    )


def _jaccard(a: frozenset[str] | frozenset[int], b: frozenset[str] | frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _name_overlap(a: _Doc, b: _Doc) -> float:
    shared = a.names & b.names
    if not shared:
        return 0.0
    weight = sum(0.25 if n in _COMMON_NAMES else 1.0 for n in shared)
    return min(1.0, weight / max(1.0, min(len(a.distinctive), len(b.distinctive))))


def pair_features(a: Article, b: Article) -> dict[str, float]:
    """The numbers behind ``same_story`` for one pair (for tests, the bench and debugging)."""
    return _features(_doc(a), _doc(b))


def _features(a: _Doc, b: _Doc) -> dict[str, float]:
    return {
        "near_dup": max(_jaccard(a.shingles, b.shingles), float(a.norm_title == b.norm_title and bool(a.norm_title))),
        "title": _jaccard(a.title_words, b.title_words),
        "lead": _cosine(a.lead, b.lead),
        "names": _name_overlap(a, b),
        "hours": abs((a.article.published - b.article.published).total_seconds()) / 3600,
    }


def _same(a: _Doc, b: _Doc) -> bool:
    if abs(a.article.published - b.article.published) > WINDOW:
        return False
    f = _features(a, b)
    if f["near_dup"] >= _NEAR_DUP:
        return True
    if _versions_conflict(a.versions, b.versions):
        return False
    if a.japanese != b.japanese:
        shared = a.distinctive & b.distinctive
        return len(shared) >= 2
    return 0.5 * f["title"] + 0.3 * f["lead"] + 0.2 * f["names"] >= THRESHOLD


def _versions_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name versioned things and none is compatible ("v4" fits "deepseek-v4-flash")."""
    if not a or not b:
        return False
    return not any(x in y or y in x for x in a for y in b)


def same_story(a: Article, b: Article) -> bool:
    """Whether two articles report the same story (see the module docstring for the rules)."""
    return _same(_doc(a), _doc(b))


@dataclass(frozen=True)
class Cluster:
    """One story: the lead article first, then the other coverage (primary-first, earliest-first)."""

    articles: tuple[Article, ...]

    @property
    def lead(self) -> Article:
        return self.articles[0]

    @cached_property
    def id(self) -> str:
        """Stable while the lead stays the lead: a hash of its fingerprint."""
        return hashlib.blake2b(self.lead.fingerprint.encode(), digest_size=8).hexdigest()

    @property
    def source_count(self) -> int:
        return len({a.source_id for a in self.articles})

    @property
    def also_covered_by(self) -> tuple[Coverage, ...]:
        """Other sources' articles, one per source, never the lead's own source."""
        seen = {self.lead.source_id}
        out: list[Coverage] = []
        for article in self.articles[1:]:
            if article.source_id not in seen:
                seen.add(article.source_id)
                out.append(Coverage(source_name=article.source_name, url=article.url))
        return tuple(out)


def _primary_rank(article: Article, mentioned: Counter[str]) -> tuple[int, int]:
    """(own post?, category rank): the organisation's own post is a lab source the others name."""
    org = _norm_title(article.source_name).split(" ")[0] if article.source_name else ""
    own = int(article.category == "lab" and bool(org) and mentioned[org] > 0)
    return own, _CATEGORY_RANK.get(article.category, 1)


def _order(members: Sequence[Article]) -> tuple[Article, ...]:
    mentioned: Counter[str] = Counter()
    for article in members:
        mentioned.update(set(_norm_title(article.title).split()))
    return tuple(
        sorted(
            members,
            key=lambda a: (
                tuple(-x for x in _primary_rank(a, mentioned)),
                a.published,
                not _ANNOUNCEMENT.match(a.title),
                a.fingerprint,
            ),
        )
    )


def cluster_articles(articles: Iterable[Article]) -> list[Cluster]:
    """Group articles into stories. Deterministic: clusters ordered by their lead's time, then fingerprint.

    Exact fingerprint duplicates are collapsed first. Candidate pairs share a distinctive token (inverted
    index) and lie within ``WINDOW`` of each other.
    """
    unique = {a.fingerprint: a for a in articles}
    docs = [_doc(a) for a in sorted(unique.values(), key=lambda a: (a.published, a.fingerprint))]
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[str, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        keys = doc.distinctive | {w for w in doc.title_words if w not in _COMMON_NAMES}
        candidates: set[int] = set()
        for key in keys:
            candidates.update(index[key])
            index[key].append(i)
        for j in sorted(candidates):
            if find(i) != find(j) and _same(docs[j], doc):
                parent[find(i)] = find(j)

    groups: dict[int, list[Article]] = defaultdict(list)
    for i, doc in enumerate(docs):
        groups[find(i)].append(doc.article)
    clusters = [Cluster(_order(members)) for members in groups.values()]
    clusters.sort(key=lambda c: (c.lead.published, c.lead.fingerprint))
    return clusters
