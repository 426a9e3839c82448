"""An in-process engine for tests: a worker on the real Redis sending to the recording stand-in over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.client import RedisClient
from bot.store.subscriptions import SubscriptionStore
from channels.base import Channel
from tests.bot.delivery.http_channel import HttpTestChannel
from tests.sample_edition import sample_edition
from tests.tasks import stop

FAST = dict(lease_seconds=2.0, retry_seconds=0.05, retry_poll=0.05, idle_max=0.05)


@dataclass
class Engine:
    store: SubscriptionStore
    planner: Planner
    channel: Channel


@asynccontextmanager
async def running_worker(redis: RedisClient, provider_url: str, *, name: str = "w1",
                         channel: Channel | None = None, **config: object) -> AsyncIterator[Engine]:
    store = SubscriptionStore(redis)
    channel = channel or HttpTestChannel(provider_url)
    editions = FixedEditions({"en": sample_edition("en"), "ja": sample_edition("ja")})
    settings = {**FAST, **config}
    worker = Worker(redis, store, {channel.name: channel}, editions,
                    WorkerConfig(name=name, **settings))  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    try:
        yield Engine(store=store, planner=Planner(redis, catch_up=timedelta(hours=6)), channel=channel)
    finally:
        await stop(task)
        await channel.aclose()
