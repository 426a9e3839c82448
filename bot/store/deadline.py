"""A deadline on a block of Redis calls, and redis-py's failures as ``bot.store.StoreUnavailable``.

``StoreUnavailable`` (``bot.store``) means "unreachable, refused, or too slow": the web answers 503 with
``Retry-After`` and the platform (or the reader) tries again later. ``unavailable_on_failure`` wraps a block of
Redis calls: a redis-py error, an OS-level connection error or the block's deadline passing (a Redis that
accepts connections but does not answer) becomes ``StoreUnavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import RedisClusterException, RedisError

from bot.store import StoreUnavailable

__all__ = ["unavailable_on_failure"]


@asynccontextmanager
async def unavailable_on_failure(seconds: float | None = None) -> AsyncIterator[None]:
    """Run the block; a Redis error, an OS-level connection error or a timeout becomes ``StoreUnavailable``."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except (RedisError, RedisClusterException, OSError, TimeoutError) as exc:  # the cluster client's own too
        raise StoreUnavailable(exc.__class__.__name__) from exc
