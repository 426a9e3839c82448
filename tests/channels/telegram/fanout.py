"""A fan-out of Telegram digests through the real delivery engine to the Bot API stand-in (test and bench).

``run_fanout`` saves N due subscriptions in Redis, plans them with the engine's ``Planner`` and lets engine
``Worker``s send through ``TelegramChannel`` to the stand-in, which enforces Telegram's limits. The clock is
compressed by ``scale``: the stand-in's windows and the channel's declared limits shrink together, so 30
messages/s for the bot and 1/s per chat keep their shape while the run takes seconds. The stand-in serves from
its own thread, so arrival times are not skewed by the engine's busy event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.exceptions import ResponseError

from bot import keys
from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.queue import GROUP
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.client import RedisClient
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.telegram.channel import TelegramChannel, TelegramLimits
from tests.sample_edition import sample_edition
from tests.stubs.telegram_api import TelegramApiStub

__all__ = ["FanoutResult", "pending_total", "plan", "run_fanout", "running_engine", "subscribe_due"]

TOKEN = "7000001:FANOUT-token"


@dataclass(frozen=True)
class FanoutResult:
    subscribers: int
    messages: int
    chats_served: int
    duplicates: int
    violations: int
    parse_errors: int
    pending: int
    finish_seconds: float
    bound_seconds: float

    @property
    def ratio(self) -> float:
        return self.finish_seconds / self.bound_seconds if self.bound_seconds else 0.0


async def subscribe_due(redis: RedisClient, addresses: list[str]) -> SubscriptionStore:
    """Active Telegram subscriptions for ``addresses``, all due 30 seconds ago."""
    store = SubscriptionStore(redis)
    past = (datetime.now(UTC) - timedelta(seconds=30)).timestamp()
    for address in addresses:
        sub = await store.save(Subscription(identity=Identity("telegram", (address,)), active=True))
        await redis.zadd(keys.due_index(keys.shard_of(sub.sid)), {sub.sid: past})
    return store


@contextlib.asynccontextmanager
async def running_engine(redis: RedisClient, api_url: str, *, scale: float, workers: int = 2,
                         concurrency: int = 4) -> AsyncIterator[SubscriptionStore]:
    """Engine workers sending through ``TelegramChannel`` to ``api_url`` until the block ends."""
    store = SubscriptionStore(redis)
    editions = FixedEditions({"en": sample_edition("en")})
    channels = [TelegramChannel(TOKEN, api_url=api_url, limits=TelegramLimits(time_scale=scale))
                for _ in range(workers)]
    config = {"concurrency": concurrency, "retry_seconds": 0.05, "retry_poll": 0.05, "idle_max": 0.05}
    engines = [Worker(redis, store, {"telegram": channel}, editions, WorkerConfig(name=f"tg-w{n}", **config))
               for n, channel in enumerate(channels)]
    tasks = [asyncio.create_task(engine.run()) for engine in engines]
    try:
        yield store
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for channel in channels:
            await channel.aclose()


async def plan(redis: RedisClient) -> int:
    return (await Planner(redis, catch_up=timedelta(hours=6)).tick()).planned


async def run_fanout(redis: RedisClient, *, subscribers: int, scale: float, groups: int = 0,
                     workers: int = 2, concurrency: int = 4, timeout: float = 120.0) -> FanoutResult:
    """Plan ``subscribers`` due digests and let ``workers`` engine workers deliver them to the stand-in."""
    addresses = [str(10_000 + n) for n in range(subscribers - groups)] + [str(-100_000 - n) for n in range(groups)]
    async with TelegramApiStub(TOKEN, time_scale=scale, own_thread=True) as stub:
        await subscribe_due(redis, addresses)
        async with running_engine(redis, stub.api_url, scale=scale, workers=workers, concurrency=concurrency):
            assert await plan(redis) == subscribers
            deadline = time.monotonic() + timeout
            while len(stub.sent) < subscribers and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            pending = await pending_total(redis)
            while pending and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                pending = await pending_total(redis)
        times = [m.at for m in stub.sent]
        chats = [m.chat_id for m in stub.sent]
        # one message each, to distinct chats: the bot-wide 30/s is the binding limit
        bound = (len(addresses) - 1) / TelegramLimits().global_per_second / scale
        return FanoutResult(
            subscribers=subscribers, messages=len(stub.sent), chats_served=len(set(chats)),
            duplicates=len(chats) - len(set(chats)), violations=len(stub.violations),
            parse_errors=len(stub.parse_errors), pending=pending,
            finish_seconds=(max(times) - min(times)) if times else 0.0, bound_seconds=bound,
        )


async def pending_total(redis: RedisClient) -> int:
    total = 0
    for shard in range(keys.SHARDS):
        with contextlib.suppress(ResponseError):
            total += int((await redis.xpending(keys.shard_stream(shard), GROUP))["pending"])
    return total


