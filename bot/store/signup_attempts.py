"""Sign-up attempts per address and per client IP, counted in fixed windows (``keys.signup_attempts``).

The caller passes a keyed hash of the address or IP, never the value itself: neither is stored in the clear.
One MULTI per attempt (SET NX with the window's TTL, then INCR), so the window starts at the first attempt and
every process of the deployment counts into the same key.
"""

from __future__ import annotations

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guard

__all__ = ["count_attempt"]


@guard
async def count_attempt(redis: RedisClient, kind: str, digest: str, window: int) -> int:
    """Count one attempt of ``kind`` (``email``, ``ip``) by ``digest``; the attempts so far in this window."""
    key = keys.signup_attempts(kind, digest)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        _, count = await pipe.execute()
    return int(count)
