"""What a request left in Redis, to show that one refused (forged, replayed, oversized) changed nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.store.client import RedisClient

__all__ = ["redis_state"]


async def redis_state(redis: RedisClient) -> dict[str, str]:
    """Every key but the operational counters (a rejection is counted, by design), with its value.

    Values are read by type, so that two equal states compare equal whatever the server's encoding; a type
    without a reader here (a stream) is compared by its ``DUMP``.
    """
    reads: dict[str, Callable[[str], Awaitable[Any]]] = {
        "string": redis.get, "hash": redis.hgetall, "set": redis.smembers,
        "list": lambda k: redis.lrange(k, 0, -1), "zset": lambda k: redis.zrange(k, 0, -1, withscores=True),
    }
    snapshot: dict[str, str] = {}
    async for key in redis.scan_iter(match="*"):
        if ":counter:" in key:
            continue
        kind = await redis.type(key)
        value = await reads[kind](key) if kind in reads else await redis.dump(key)
        snapshot[key] = repr(sorted(value) if isinstance(value, set) else value)
    return snapshot
