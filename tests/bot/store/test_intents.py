"""The model-read intents' Redis records: a question lives five minutes and is taken once; each chat has its own
hourly allowance of model reads, with an expiry so the window ends."""

from __future__ import annotations

import pytest

from bot import keys
from bot.store.client import RedisClient
from bot.store.intents import PENDING_SECONDS, RATE_WINDOW_SECONDS, PendingIntents
from bot.store.models import Identity

pytestmark = pytest.mark.both_redis

ADA = Identity.parse("telegram:42")
BOB = Identity.parse("slack:T1:U1")


async def test_a_question_is_taken_once_and_expires(redis_client: RedisClient) -> None:
    pending = PendingIntents(redis_client)
    await pending.put(ADA, "time 08:00")
    await pending.put(ADA, "time 09:00")  # a newer question replaces the older
    ttl = await redis_client.ttl(keys.intent_pending(ADA.sid))
    assert PENDING_SECONDS - 60 < ttl <= PENDING_SECONDS
    assert await pending.take(BOB) is None  # one chat's question is not another's
    assert await pending.take(ADA) == "time 09:00"
    assert await pending.take(ADA) is None


async def test_the_hourly_allowance_is_per_chat_and_ends(redis_client: RedisClient) -> None:
    pending = PendingIntents(redis_client)
    assert [await pending.allow(ADA, 2) for _ in range(3)] == [True, True, False]
    assert await pending.allow(BOB, 2)
    ttl = await redis_client.ttl(keys.intent_rate(ADA.sid))
    assert RATE_WINDOW_SECONDS - 60 < ttl <= RATE_WINDOW_SECONDS
    await redis_client.delete(keys.intent_rate(ADA.sid))  # what the expiry does at the end of the hour
    assert await pending.allow(ADA, 2)
