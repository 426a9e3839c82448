"""How far behind the delivery queue is, read from the Redis Stream itself (for /metrics and /healthz).

The stream is consumed by a group (DESIGN §6), so its state is all in Redis: ``XINFO GROUPS`` gives each
group's unread ``lag`` and ``pending`` count, ``XPENDING`` the oldest unacknowledged entry, whose id carries
its enqueue time in milliseconds. Reading it needs no cooperation from the workers, so a wedged worker
shows up here as a growing pending age.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from bot import keys

__all__ = ["QueueFigures", "read_queue_figures"]

#: On Redis 6 (no ``lag`` in XINFO) the unread entries are counted by a range scan capped at this many.
_LAG_SCAN = 10_000


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """``length``: entries no worker has read; ``pending``: read, not acknowledged; ages in seconds."""

    length: int = 0
    pending: int = 0
    pending_age_seconds: float = 0.0
    dead_letters: int = 0


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


async def _size(redis: aioredis.Redis, key: str) -> int:
    """Entries in ``key`` whatever structure holds them (a stream, list, zset or hash of dead letters)."""
    kind = await redis.type(key)
    sizes = {"stream": redis.xlen, "list": redis.llen, "zset": redis.zcard, "hash": redis.hlen, "set": redis.scard}
    reader = sizes.get(str(kind))
    return int(await reader(key)) if reader is not None else 0


async def read_queue_figures(redis: aioredis.Redis, now: float) -> QueueFigures:
    """The queue's figures at ``now`` (epoch seconds). Raises only ``RedisError``."""
    stream = keys.delivery_stream()
    dead = await _size(redis, keys.dead_letters())
    if str(await redis.type(stream)) != "stream":
        return QueueFigures(dead_letters=dead)
    groups = await redis.xinfo_groups(stream)
    if not groups:
        return QueueFigures(length=int(await redis.xlen(stream)), dead_letters=dead)
    length = 0
    pending = 0
    oldest_ms: int | None = None
    for group in groups:
        lag = group.get("lag")
        if lag is None:  # Redis < 7 (or a lag it cannot compute): count what follows the last delivered id
            unread = await redis.xrange(stream, f"({group['last-delivered-id']}", "+", count=_LAG_SCAN)
            lag = len(unread or [])
        length = max(length, int(lag))
        pending += int(group.get("pending", 0))
        summary = await redis.xpending(stream, group["name"])
        if summary and summary.get("pending") and summary.get("min"):
            first = _entry_ms(str(summary["min"]))
            oldest_ms = first if oldest_ms is None else min(oldest_ms, first)
    age = max(0.0, now - oldest_ms / 1000) if oldest_ms is not None else 0.0
    return QueueFigures(length=length, pending=pending, pending_age_seconds=round(age, 3), dead_letters=dead)
