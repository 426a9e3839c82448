"""The composition root's resources: settings, the Redis connection (embedded or given) and their lifetimes.

Nothing here runs at import time. ``open_runtime`` is the one place that decides which Redis to use: the
configured ``AITODAY_REDIS_URL`` (checked for version and eviction policy) or the embedded server under the
data dir. Every role (web, worker, scheduler, CLI) opens one ``Runtime`` and passes it down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from bot.redis_server import EmbeddedRedis, check_server
from bot.settings import Settings

__all__ = ["Runtime", "open_runtime"]


@dataclass
class Runtime:
    """What every role shares. ``redis`` decodes responses to ``str``."""

    settings: Settings
    redis: aioredis.Redis
    redis_url: str
    embedded: EmbeddedRedis | None = None


def _check(url: str) -> None:
    with redis.Redis.from_url(url, socket_timeout=5) as client:
        check_server(client)


async def _start(embedded: EmbeddedRedis) -> str:
    """Start the embedded server in a thread. A stop (cancel) while it starts lets the start finish and then
    stops the server: a cancelled await alone would leave the thread to start a redis-server nobody stops."""
    starting = asyncio.ensure_future(asyncio.to_thread(embedded.start))
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await starting
        await asyncio.to_thread(embedded.stop)
        raise


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Open Redis (starting the embedded server when no URL is set) and close it on exit."""
    embedded: EmbeddedRedis | None = None
    if settings.redis_url:
        url = settings.redis_url
        await asyncio.to_thread(_check, url)
    else:
        embedded = EmbeddedRedis(settings.data_dir)
        url = await _start(embedded)
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        yield Runtime(settings=settings, redis=client, redis_url=url, embedded=embedded)
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
