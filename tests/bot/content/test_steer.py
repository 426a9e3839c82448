"""👍/👎 move a source's stories within the bounds: a few places, never to the top from anywhere, never one source.

The votes go through the real feedback store on Redis; the digest is the one the worker sends (``digest_of``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.content.digest import digest_of
from bot.content.steer import MAX_PER_SOURCE, MAX_SHIFT, explain, steer
from bot.store.client import RedisClient
from bot.store.feedback import NO_AFFINITY, Affinity, FeedbackStore, StoryRef, Vote
from bot.store.models import Identity, Subscription
from summaries.models import Card, Coverage, Edition, Story

READER = Identity.parse("telegram:42")
_SOURCES = ("alpha", "beta", "gamma", "delta", "epsilon")


def _story(n: int, source: str, topics: tuple[str, ...] = ("llm",), outlets: int = 0) -> Story:
    card = Card(gist=f"Gist {n}.", what_happened=f"Story {n} happened.", why_it_matters="It matters.",
                what_to_watch="Watch this.")
    return Story(id=f"s{n:02d}", title=f"Story {n}", url=f"https://{source}.example/{n}", source_id=source,
                 source_name=source.title(), published=datetime(2026, 12, 7, tzinfo=UTC), card=card, topics=topics,
                 also_covered_by=tuple(Coverage(f"Outlet {k}", f"https://o{k}.example/") for k in range(outlets)))


def _edition() -> Edition:
    """20 stories; source i % 5 (alpha, beta, ...): gamma's stories sit at places 2, 7, 12, 17 (0-based)."""
    stories = tuple(_story(n, _SOURCES[n % 5], ("robotics",) if n % 5 == 2 else ("llm",)) for n in range(20))
    return Edition(date=date(2026, 12, 7), language="en", generated_at=datetime(2026, 12, 7, tzinfo=UTC),
                   stories=stories)


def _places(stories: tuple[Story, ...], source: str) -> list[int]:
    return [i for i, s in enumerate(stories) if s.source_id == source]


@pytest.fixture
def feedback(redis_client: RedisClient) -> FeedbackStore:
    return FeedbackStore(redis_client)


async def _vote_on(feedback: FeedbackStore, edition: Edition, source: str, vote: Vote, times: int = 4) -> None:
    for story in [s for s in edition.stories if s.source_id == source][:times]:
        await feedback.vote(READER.sid, StoryRef(story.id, story.source_id, story.topics), vote)


async def test_likes_lift_a_sources_stories_a_few_places_and_no_further(feedback: FeedbackStore) -> None:
    edition = _edition()
    await _vote_on(feedback, edition, "gamma", Vote.UP)
    steered = steer(edition.stories, await feedback.affinity(READER.sid))
    before, after = _places(edition.stories, "gamma"), _places(steered, "gamma")
    assert after[0] < before[0]  # liked: it moved up ...
    for was, now in zip(before, after, strict=True):
        assert was - now <= MAX_SHIFT  # ... a few places at most, never to the top from anywhere
    assert sum(1 for was, now in zip(before, after, strict=True) if now < was) <= MAX_PER_SOURCE
    assert steered[0].source_id != "gamma" or before[0] <= MAX_SHIFT


async def test_a_personal_digest_never_narrows_to_the_liked_source(feedback: FeedbackStore) -> None:
    edition = _edition()
    await _vote_on(feedback, edition, "gamma", Vote.UP)
    sub = Subscription(identity=READER, items=6, minutes=30)
    digest = digest_of(edition, sub, await feedback.affinity(READER.sid))
    plain = digest_of(edition, sub)
    gamma = [s for s in digest.stories if s.source_id == "gamma"]
    assert len(digest.stories) == 6
    assert len(plain.stories) - len([s for s in plain.stories if s.source_id == "gamma"]) >= 4
    assert 1 < len(gamma) <= MAX_PER_SOURCE  # more of what the reader liked, bounded
    assert len({s.source_id for s in digest.stories}) >= 3


async def test_dislikes_sink_a_sources_stories_a_few_places_without_hiding_them(feedback: FeedbackStore) -> None:
    edition = _edition()
    await _vote_on(feedback, edition, "alpha", Vote.DOWN)
    steered = steer(edition.stories, await feedback.affinity(READER.sid))
    before, after = _places(edition.stories, "alpha"), _places(steered, "alpha")
    assert after[0] > before[0]  # the edition's top story (alpha) is no longer first for this reader
    for was, now in zip(before, after, strict=True):
        assert 0 <= now - was <= MAX_SHIFT + 1  # a few places down; the +1: a lifted neighbour may pass it too
    assert len(after) == len(before)  # a dislike is not a mute


async def test_changing_a_like_to_a_dislike_reverses_the_move(feedback: FeedbackStore) -> None:
    edition = _edition()
    await _vote_on(feedback, edition, "gamma", Vote.UP)
    await _vote_on(feedback, edition, "gamma", Vote.DOWN)
    steered = steer(edition.stories, await feedback.affinity(READER.sid))
    assert _places(steered, "gamma")[0] > _places(edition.stories, "gamma")[0]
    assert steer(edition.stories, NO_AFFINITY) == edition.stories


async def test_why_names_the_topic_the_liked_source_the_outlets_and_the_place() -> None:
    edition = _edition()
    stories = list(edition.stories)
    stories[2] = _story(2, "gamma", ("robotics",), outlets=5)
    edition = Edition(date=edition.date, language="en", generated_at=edition.generated_at, stories=tuple(stories))
    affinity = Affinity(sources={"gamma": 1.0})
    sub = Subscription(identity=READER, items=3, minutes=30)
    picks = explain(digest_of(edition, sub, affinity), edition, affinity, sub.topics)
    first = next(p for p in picks.stories if p.story_id == "s02")
    assert first.reasons == ("topic:robotics", "liked_source", "outlets:6", "ranked:3")
    assert picks.stories[0].reasons[-1] == "top" or picks.stories[0].story_id == "s02"
