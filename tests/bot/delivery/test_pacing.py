"""Token buckets and pauses held in Redis: the limit holds for every worker sharing them."""

from __future__ import annotations

import asyncio

from bot.delivery.pacing import Pacer
from bot.store.client import RedisClient, connect
from bot.store.lease import Lease
from channels.base import RateLimit

CHAT = RateLimit("telegram:chat:42", rate=1, per_seconds=1)
GLOBAL = RateLimit("telegram:global", rate=30, per_seconds=1)


async def test_two_workers_share_one_bucket(redis_url: str) -> None:
    first = connect(redis_url)
    second = connect(redis_url)
    try:
        a, b = Pacer(first), Pacer(second)
        now = 1_000_000.0
        granted = [await (a if n % 2 else b).acquire([GLOBAL], now) for n in range(40)]
        assert granted.count(0.0) == 30  # the burst is the per-second rate, shared by both workers
        assert all(0 < w <= 1 / 30 + 0.001 for w in granted if w)
        assert await a.acquire([GLOBAL], now + 0.1) == 0.0  # refilled at 30/s: three more tokens by then
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_send_takes_a_token_from_every_bucket_or_from_none(redis_client: RedisClient) -> None:
    pacer = Pacer(redis_client)
    now = 2_000_000.0
    assert await pacer.acquire([GLOBAL, CHAT], now) == 0.0
    wait = await pacer.acquire([GLOBAL, CHAT], now)  # the chat has no token left: nothing is taken
    assert 0.99 <= wait <= 1.0
    other = RateLimit("telegram:chat:7", rate=1, per_seconds=1)
    grants = [await pacer.acquire([GLOBAL, other], now) for _ in range(1)]
    assert grants == [0.0]  # the global bucket was not charged by the refused send


async def test_a_paused_bucket_hands_out_nothing_before_its_time(redis_client: RedisClient) -> None:
    pacer = Pacer(redis_client)
    now = 3_000_000.0
    await pacer.pause(CHAT.bucket, now + 3600, now)
    assert await pacer.acquire([CHAT], now + 10) == 3590.0
    assert await pacer.acquire([GLOBAL], now + 10) == 0.0  # only that bucket is paused
    await pacer.pause(CHAT.bucket, now + 5, now)  # a shorter pause never shortens the longer one
    assert await pacer.acquire([CHAT], now + 3599) == 1.0
    assert await pacer.acquire([CHAT], now + 3600) == 0.0


async def test_one_scheduler_holds_the_lease_and_another_takes_over_when_it_lapses(
    redis_client: RedisClient,
) -> None:
    first, second = Lease(redis_client, "a", 0.3), Lease(redis_client, "b", 0.3)
    assert await first.hold() and await first.hold()  # renewing
    assert not await second.hold()
    await asyncio.sleep(0.35)  # the holder stopped renewing (it died): its lease runs out
    assert await second.hold()
    assert not await first.hold()
