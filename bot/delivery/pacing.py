"""Provider pacing: how a send waits for its tokens without holding a worker place for long.

The buckets themselves live in Redis (``bot.store.token_buckets``: one token from every bucket a send consumes,
or none, in one Lua script; a provider's 429 pauses one bucket). ``Pacer.wait_for`` is the worker's policy on
top: wait in place for at most ``max_hold`` seconds, spacing the questions of many waiters so that they do not
stampede the bucket; a longer wait is handed back to the caller, which re-schedules the delivery.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from bot.store import RedisClient
from bot.store.token_buckets import TokenBuckets
from channels.base import RateLimit

__all__ = ["Pacer"]


class Pacer:
    """Shared token buckets plus the waiting policy of one process. ``acquire`` and ``pause`` never sleep."""

    def __init__(self, redis: RedisClient) -> None:
        self._buckets = TokenBuckets(redis)
        self._waiters = 0

    async def acquire(self, limits: Sequence[RateLimit], now: float) -> float:
        """Take a token from every bucket of ``limits`` (0.0), or return the seconds to wait (nothing taken)."""
        return await self._buckets.acquire(limits, now)

    async def pause(self, bucket: str, until: float, now: float) -> None:
        """Hand out no token of ``bucket`` before ``until`` (epoch seconds): a provider's Retry-After."""
        await self._buckets.pause(bucket, until, now)

    async def wait_for(self, limits: Sequence[RateLimit], max_hold: float) -> float:
        """0 once a token of every bucket is ours; otherwise the wait, when it is longer than ``max_hold``.

        The bucket answers "one token in ``wait`` seconds"; when many of our entries wait for the same
        buckets, asking again after ``wait`` would be a stampede, so each waiter spaces its next question by
        how many wait here (with jitter). The caller's lease is renewed meanwhile: this is legitimate waiting.
        """
        if not limits:
            return 0.0
        waited = 0.0
        self._waiters += 1
        try:
            while True:
                wait = await self._buckets.acquire(limits, time.time())
                if wait <= 0:
                    return 0.0
                if wait > max_hold or waited + wait > max_hold:
                    return wait
                pause = min(max_hold - waited, wait * max(1.0, self._waiters / 2) * random.uniform(0.5, 1.5))
                await asyncio.sleep(pause)
                waited += pause
        finally:
            self._waiters -= 1
