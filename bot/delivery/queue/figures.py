"""How far behind the delivery queue is, read from the Redis Streams themselves (for /metrics and /healthz).

The queue is one stream per shard (``keys.shard_stream``), each consumed by the group ``bot.delivery.queue.GROUP``
(DESIGN §6), so its state is all in Redis: ``XINFO GROUPS`` gives a group's unread ``lag`` and ``pending``
count, ``XPENDING`` the oldest unacknowledged entry, whose id carries its enqueue time in milliseconds;
retries wait in a per-shard zset and dead letters in a per-shard stream. Reading it needs no cooperation
from the workers, so a wedged worker shows up here as a growing pending age.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guard

__all__ = ["QueueFigures", "read_queue_figures"]

#: On Redis 6 (no ``lag`` in XINFO) the unread entries are counted by a range scan capped at this many.
_LAG_SCAN = 10_000


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """``length``: entries no worker has read; ``pending``: read, not acknowledged; ages in seconds."""

    length: int = 0
    pending: int = 0
    pending_age_seconds: float = 0.0
    retrying: int = 0
    dead_letters: int = 0


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


async def _unread(redis: RedisClient, stream: str, group: dict[str, Any]) -> int:
    lag = group.get("lag")
    if lag is not None:
        return int(lag)
    # Redis < 7 (or a lag it cannot compute): count what follows the last delivered id
    unread = await redis.xrange(stream, f"({group['last-delivered-id']}", "+", count=_LAG_SCAN)
    return len(unread or [])


@guard
async def read_queue_figures(redis: RedisClient, now: float) -> QueueFigures:
    """The queue's figures at ``now`` (epoch seconds), over every shard. Raises only ``StoreUnavailable``."""
    shards = range(keys.SHARDS)
    async with redis.pipeline(transaction=False) as pipe:
        for shard in shards:
            pipe.exists(keys.shard_stream(shard))
            pipe.zcard(keys.shard_retry(shard))
            pipe.xlen(keys.shard_dead(shard))
        sizes = await pipe.execute()
    exists, retrying, dead = sizes[0::3], sizes[1::3], sizes[2::3]
    length = pending = 0
    oldest_ms: int | None = None
    for shard in (s for s in shards if exists[s]):
        stream = keys.shard_stream(shard)
        groups = await redis.xinfo_groups(stream)
        if not groups:
            length += int(await redis.xlen(stream))
            continue
        length += max([await _unread(redis, stream, group) for group in groups])
        for group in groups:
            pending += int(group.get("pending", 0))
            summary = await redis.xpending(stream, group["name"])
            if summary and summary.get("pending") and summary.get("min"):
                first = _entry_ms(str(summary["min"]))
                oldest_ms = first if oldest_ms is None else min(oldest_ms, first)
    age = max(0.0, now - oldest_ms / 1000) if oldest_ms is not None else 0.0
    return QueueFigures(length=length, pending=pending, pending_age_seconds=round(age, 3),
                        retrying=sum(int(n) for n in retrying), dead_letters=sum(int(n) for n in dead))
