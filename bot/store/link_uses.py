"""Single-use links: a confirm link works once (``keys.link_used``), whatever the signature still allows.

A confirm token is valid for days; without this record, clicking it again re-subscribed an address that had
unsubscribed since, and reset a changed delivery time to the one asked for at sign-up. Only a hash of the
token is stored, with the token's own lifetime as TTL, so the record disappears when the link would expire.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot import keys
from bot.store.client import RedisClient

__all__ = ["LinkUses"]


class LinkUses:
    """Which single-use links were used. ``used``/``mark`` raise ``bot.store.UNAVAILABLE`` errors only."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def used(self, token: str) -> bool:
        return bool(await self._redis.exists(keys.link_used(_digest(token))))

    async def mark(self, token: str, lifetime: timedelta) -> None:
        """Record ``token`` as used (after its change was stored: a failure before leaves it usable)."""
        await self._redis.set(keys.link_used(_digest(token)), "1", ex=max(1, int(lifetime.total_seconds())))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:40]
