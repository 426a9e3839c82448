"""Ranking stories: what most readers should see first, and what one reader asked to see.

Why these signals: a story many independent sources carry is a big story; a lab's or a paper's own post is
the primary source; news is perishable. The edition's order is

    score = 1.0·log2(1 + distinct sources) + category weight of the lead + 1.5·2^(−age_h / 12)

with ``age_h`` the hours from the newest article of the story to the edition's cut-off (so a story still
being covered stays fresh). Ties break on the newest time, then the story id: the same inputs always give
the same order. Scores are rounded to 4 decimals so that they print and compare the same everywhere.

A subscriber's digest (``for_subscriber``) drops stories led by a muted source, keeps only stories with one of
their topics (when they chose any), moves stories matching more of their topics up (stable otherwise), and
keeps ``items`` of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from summaries.cluster import Cluster
from summaries.models import Edition, Story

__all__ = ["CATEGORY_WEIGHT", "for_subscriber", "rank_clusters", "story_score"]

#: How much a source's category says about its weight as the lead of a story.
CATEGORY_WEIGHT: dict[str, float] = {
    "lab": 1.0,
    "research": 0.8,
    "policy": 0.7,
    "media": 0.6,
    "japan": 0.6,
    "newsletter": 0.5,
    "community": 0.4,
}
_HALF_LIFE_H = 12.0


def story_score(cluster: Cluster, now: datetime) -> float:
    """The edition score of one story at ``now`` (see the module docstring)."""
    newest = max(a.published for a in cluster.articles)
    age_h = max(0.0, (now - newest).total_seconds() / 3600)
    sources = math.log2(1 + cluster.source_count)
    weight = CATEGORY_WEIGHT.get(cluster.lead.category, 0.5)
    return round(sources + weight + 1.5 * 2 ** (-age_h / _HALF_LIFE_H), 4)


def rank_clusters(clusters: Iterable[Cluster], now: datetime) -> list[tuple[Cluster, float]]:
    """Clusters with their scores, best first; deterministic for the same input."""
    scored = [(c, story_score(c, now)) for c in clusters]
    scored.sort(key=lambda cs: (-cs[1], -max(a.published for a in cs[0].articles).timestamp(), cs[0].id))
    return scored


def for_subscriber(
    edition: Edition,
    *,
    topics: frozenset[str] | set[str] = frozenset(),
    muted_sources: frozenset[str] | set[str] = frozenset(),
    items: int = 5,
) -> Edition:
    """One subscriber's digest of ``edition``: their topics first, muted sources out, ``items`` kept."""
    wanted = {t.casefold() for t in topics}
    stories: Sequence[Story] = edition.stories
    if wanted:
        stories = sorted(stories, key=lambda s: -len(wanted.intersection(t.casefold() for t in s.topics)))
    ordered = replace(edition, stories=tuple(stories))
    return ordered.for_subscriber(topics=topics, muted_sources=muted_sources, items=items)
