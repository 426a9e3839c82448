"""Fixtures for the delivery engine: the recording stand-in, services on the real Redis, subscribers made due."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from bot import keys
from bot.delivery.queue import GROUP
from bot.store.client import RedisClient
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from tests.stubs.recording_provider import RecordingProvider

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
async def provider() -> AsyncIterator[RecordingProvider]:
    stand_in = await RecordingProvider().start()
    yield stand_in
    await stand_in.stop()


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll an observable condition (Redis or the stand-in) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def add_subscribers(store: SubscriptionStore, addresses: Iterable[str], *, channel: str = "telegram",
                          language: str = "en", at: dtime = dtime(7, 30), zone: str = "UTC") -> list[Subscription]:
    subs = []
    for address in addresses:
        sub = Subscription(identity=Identity.parse(f"{channel}:{address}"), active=True, language=language,
                           delivery_time=at, timezone=zone)
        subs.append(await store.save(sub))
    return subs


async def seed_subscribers(redis: RedisClient, addresses: Iterable[str], due: datetime) -> list[Subscription]:
    """Many active subscriptions at once, already due at ``due`` (pipelined; what ``store.save`` would write)."""
    now = datetime.now(UTC)
    subs = [Subscription(identity=Identity.parse(f"telegram:{a}"), active=True, language="en", created_at=now,
                         updated_at=now) for a in addresses]
    async with redis.pipeline(transaction=False) as pipe:
        for sub in subs:
            pipe.hset(keys.subscription(sub.sid), mapping=sub.to_hash())  # type: ignore[arg-type]
            pipe.zadd(keys.due_index(keys.shard_of(sub.sid)), {sub.sid: due.timestamp()})
        await pipe.execute()
    return subs


async def make_due(redis: RedisClient, subs: Iterable[Subscription], at: datetime | float) -> None:
    """Move the subscriptions' next send to ``at`` (as if their slot came round)."""
    epoch = at.timestamp() if isinstance(at, datetime) else at
    async with redis.pipeline(transaction=False) as pipe:
        for sub in subs:
            pipe.zadd(keys.due_index(keys.shard_of(sub.sid)), {sub.sid: epoch})
        await pipe.execute()


async def pending_total(redis: RedisClient) -> int:
    total = 0
    for shard in range(keys.SHARDS):
        try:
            summary = await redis.xpending(keys.shard_stream(shard), GROUP)
        except ResponseError:
            continue
        total += int(summary["pending"])
    return total


async def queue_idle(redis: RedisClient) -> bool:
    """Every planned entry settled: none pending, none waiting to be retried, none not yet read by a worker."""
    if await pending_total(redis):
        return False
    for shard in range(keys.SHARDS):
        if await redis.zcard(keys.shard_retry(shard)) or await _unread(redis, shard):
            return False
    return True


async def _unread(redis: RedisClient, shard: int) -> int:
    """Entries on the shard's stream after the group's last delivered id (0 when the stream is absent)."""
    try:
        groups = await redis.xinfo_groups(keys.shard_stream(shard))
    except ResponseError:
        return 0
    last = str(groups[0]["last-delivered-id"]) if groups else "0-0"
    return len(await redis.xrange(keys.shard_stream(shard), f"({last}", "+", count=1) or ())


async def stream_units(redis: RedisClient) -> list[str]:
    """Every delivery id ever put on the streams (entries are only trimmed after acknowledgement)."""
    ids = []
    for shard in range(keys.SHARDS):
        for _, body in await redis.xrange(keys.shard_stream(shard)):
            ids.append(body["u"].split("\t")[0])
    return ids


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
