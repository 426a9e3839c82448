"""The feedback store on a real Redis (and a cluster): votes count once, flip cleanly, stay bounded, copy whole."""

from __future__ import annotations

import asyncio

import pytest

from bot import keys
from bot.store import feedback as fb
from bot.store.client import RedisClient
from bot.store.feedback import FeedbackStore, Pick, Picks, StoryIdInvalid, StoryRef, Vote
from bot.store.models import FEEDBACK_FIELD, Identity, Subscription
from bot.store.subscriptions import SubscriptionStore

pytestmark = pytest.mark.both_redis

READER = Identity.parse("telegram:42").sid
OTHER = Identity.parse("slack:T1:U1").sid  # another shard, most likely another slot


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def store(redis_client: RedisClient) -> FeedbackStore:
    return FeedbackStore(redis_client, clock=Clock())


def robotics(n: int, source: str = "therobotreport") -> StoryRef:
    return StoryRef(f"story{n}", source, ("robotics",))


async def test_a_thumbs_up_leans_towards_the_source_and_topic_and_pressing_it_again_changes_nothing(
    store: FeedbackStore,
) -> None:
    assert not await store.affinity(READER)
    assert await store.vote(READER, robotics(1), Vote.UP) == 0
    once = await store.affinity(READER)
    assert await store.vote(READER, robotics(1), Vote.UP) == Vote.UP  # the same button twice
    assert await store.affinity(READER) == once
    assert once.source("therobotreport") == pytest.approx(1 / fb.SATURATION)
    assert once.topic(("robotics",)) == pytest.approx(1 / fb.SATURATION)
    assert once.source("someone-else") == 0.0


async def test_flipping_a_vote_moves_the_affinity_once_and_withdrawing_leaves_nothing(store: FeedbackStore) -> None:
    await store.vote(READER, robotics(1), Vote.UP)
    assert await store.vote(READER, robotics(1), Vote.DOWN) == Vote.UP
    assert (await store.affinity(READER)).source("therobotreport") == pytest.approx(-1 / fb.SATURATION)
    await store.vote(READER, robotics(1), None)
    assert not await store.affinity(READER)
    assert await store.votes(READER) == {}


async def test_affinities_are_bounded_and_concurrent_votes_are_all_counted(store: FeedbackStore) -> None:
    await asyncio.gather(*(store.vote(READER, robotics(n), Vote.UP) for n in range(10)))
    affinity = await store.affinity(READER)
    assert affinity.source("therobotreport") == 1.0  # ten likes weigh what SATURATION likes do
    await asyncio.gather(*(store.vote(READER, robotics(n), Vote.DOWN) for n in range(10)))
    assert (await store.affinity(READER)).source("therobotreport") == -1.0
    assert len(await store.votes(READER)) == 10


async def test_the_oldest_votes_beyond_the_cap_are_dropped_and_uncounted(
    store: FeedbackStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fb, "MAX_VOTES", 3)
    await store.vote(READER, robotics(0, "old-source"), Vote.DOWN)
    for n in range(1, 4):
        await store.vote(READER, StoryRef(f"story{n}", "new-source"), Vote.UP)
    assert set(await store.votes(READER)) == {"story1", "story2", "story3"}
    affinity = await store.affinity(READER)
    assert affinity.source("old-source") == 0.0 and affinity.topic(("robotics",)) == 0.0


async def test_a_malformed_story_id_never_reaches_a_key(store: FeedbackStore) -> None:
    with pytest.raises(StoryIdInvalid):
        await store.vote(READER, StoryRef("a b:c", "x"), Vote.UP)


async def test_copy_to_gives_the_whole_set_to_another_reader_across_slots(store: FeedbackStore) -> None:
    await store.vote(READER, robotics(1), Vote.UP)
    picks = Picks("2026-12-07", (Pick("story1", "therobotreport", ("robotics",), ("topic:robotics", "outlets:3")),))
    await store.record_picks(READER, picks)
    await store.vote(OTHER, StoryRef("mine", "elsewhere"), Vote.DOWN)
    await store.copy_to(READER, OTHER)
    assert await store.affinity(OTHER) == await store.affinity(READER)
    assert await store.votes(OTHER) == {"story1": Vote.UP}
    assert await store.picks(OTHER) == picks
    await store.copy_to("0" * 20, OTHER)  # a reader without feedback: the copy is empty too
    assert not await store.affinity(OTHER) and await store.picks(OTHER) is None


async def test_the_subscription_says_whether_its_reader_voted_so_a_worker_reads_affinities_only_then(
    store: FeedbackStore, redis_client: RedisClient,
) -> None:
    subs = SubscriptionStore(redis_client)
    reader, other = Identity.parse("telegram:42"), Identity.parse("slack:T1:U1")
    await subs.save(Subscription(identity=reader, active=True))

    async def voted(identity: Identity) -> bool:
        sub = await subs.get(identity)
        assert sub is not None
        return sub.has_feedback

    assert not await voted(reader)  # never voted: nothing to read
    await store.vote(READER, robotics(1), Vote.UP)
    assert await voted(reader)
    await subs.save(Subscription(identity=reader, active=True, topics=("robotics",)))  # a preference change
    assert await voted(reader)  # is not the change's to say
    await store.vote(READER, robotics(1), None)
    assert not await voted(reader)  # the last vote withdrawn: no leanings left

    await store.vote(OTHER, StoryRef("mine", "elsewhere"), Vote.DOWN)  # votes before the subscription
    await subs.save(Subscription(identity=other, active=True))
    assert await voted(other)
    await store.copy_to(READER, OTHER)  # the reader's (empty) set replaces the other's
    assert not await voted(other)
    await store.vote("0" * 20, robotics(2), Vote.UP)
    assert not await redis_client.exists(keys.subscription("0" * 20))  # a vote never makes a subscription

    legacy = {k: v for k, v in Subscription(identity=reader).to_hash().items() if k != FEEDBACK_FIELD}
    await redis_client.delete(keys.subscription(READER))
    await redis_client.hset(keys.subscription(READER), mapping=legacy)  # type: ignore[misc]
    assert await voted(reader)  # stored before the field: read, as before
