"""Related stories: which other stories of the last two weeks a reader of one story would want next.

Why entities and topics: two stories about "NVIDIA" and "Rubin", or two in "policy", are related even when
their wording differs; word overlap alone would pair any two stories that say "model". A candidate scores
``3 × shared names + 1 × shared topics``; ties go to the newer story. Candidates of the *same cluster* — the
story itself on another day, or any story sharing an article URL with it — are never related: the reader has
read that one. When fewer than ``limit`` candidates share anything, the newest others fill the list so that a
story page always offers somewhere to go.

Pure functions over ``summaries.models.Story``; the caller (``bot``) loads the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from summaries.faithfulness import named_entities
from summaries.models import Story

__all__ = ["RELATED_LIMIT", "newest_first", "related_stories", "story_names"]

#: Stories a page shows under "Related articles".
RELATED_LIMIT = 4

_NAME_WEIGHT = 3
_TOPIC_WEIGHT = 1


def story_names(story: Story) -> set[str]:
    """The names a story mentions (title, gist and key points), case-folded."""
    card = story.card
    text = "\n".join((story.title, card.gist, *card.key_points))
    return {name.casefold() for name in named_entities(text, card.language)}


def _urls(story: Story) -> set[str]:
    return {story.url, *(c.url for c in story.also_covered_by)} - {""}


def related_stories(story: Story, candidates: Iterable[Story], *, limit: int = RELATED_LIMIT) -> list[Story]:
    """Up to ``limit`` stories of ``candidates`` most related to ``story``, best first (see the module doc)."""
    names = story_names(story)
    topics = set(story.topics)
    urls = _urls(story)
    seen: set[str] = {story.id}
    scored: list[tuple[int, float, Story]] = []
    for other in candidates:
        if other.id in seen or urls & _urls(other):
            continue
        seen.add(other.id)
        score = _NAME_WEIGHT * len(names & story_names(other)) + _TOPIC_WEIGHT * len(topics & set(other.topics))
        scored.append((score, other.published.timestamp(), other))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [other for _, _, other in scored[:limit]]


def newest_first(stories: Sequence[Story]) -> list[Story]:
    """``stories`` by publication time, newest first (helper for callers merging several editions)."""
    return sorted(stories, key=lambda s: s.published, reverse=True)
