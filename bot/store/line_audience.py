"""``channels.line.quota.LineAudience`` on the subscription store: LINE readers, push or pull.

A reader on pull carries ``extra["line_mode"] = "pull"`` and ``extra["line_pull_until"]`` (the pause we set,
so that switching back lifts only our own pause, never one the reader chose).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.store import counters
from bot.store.client import RedisClient
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.line.ports import Reader

__all__ = ["MODE_KEY", "PULL", "RedisLineAudience", "is_pull"]

MODE_KEY = "line_mode"
PULL = "pull"
_PULL_UNTIL = "line_pull_until"


def is_pull(sub: Subscription) -> bool:
    """True when this LINE subscriber gets the digest by asking for it (quota ran short), not by push."""
    return sub.extra.get(MODE_KEY) == PULL


def _reader(sub: Subscription) -> Reader:
    try:
        rank = int(sub.extra.get("priority", "0"))
    except ValueError:
        rank = 0
    return Reader(address=sub.identity.address, since=sub.created_at, priority=rank, pull=is_pull(sub), key=sub.sid)


class RedisLineAudience:
    """The LINE readers of the subscription store."""

    def __init__(self, store: SubscriptionStore, redis: RedisClient) -> None:
        self._store = store
        self._redis = redis

    def now(self) -> datetime:
        return self._store.clock()

    async def upcoming(self, horizon: timedelta) -> list[Reader]:
        now = self._store.clock()
        batch = []
        async for sub in self._store.all():
            if sub.identity.channel != "line" or not sub.active:
                continue
            if is_pull(sub):
                batch.append(_reader(sub))
                continue
            due = await self._store.next_send_of(sub.identity)
            if due is not None and due <= now + horizon:
                batch.append(_reader(sub))
        return batch

    async def to_pull(self, address: str, until: datetime) -> None:
        await self._store.update(Identity("line", (address,)), _to_pull(until))

    async def to_push(self, address: str) -> None:
        await self._store.update(Identity("line", (address,)), _to_push)

    async def switched(self, count: int) -> None:
        await counters.incr(self._redis, "line_pull_switches", amount=count)


def _to_pull(until: datetime) -> Callable[[Subscription | None], Subscription | None]:
    def change(current: Subscription | None) -> Subscription | None:
        if current is None or not current.active:
            return None
        if is_pull(current) and current.paused_until is not None and current.paused_until >= until:
            return None  # already on pull until the quota month ends
        paused = current.paused_until if current.paused_until and current.paused_until > until else until
        extra = {**current.extra, MODE_KEY: PULL, _PULL_UNTIL: until.isoformat()}
        return current.with_changes(paused_until=paused, extra=extra)

    return change


def _to_push(current: Subscription | None) -> Subscription | None:
    if current is None:
        return None
    ours = current.extra.get(_PULL_UNTIL)
    extra = {k: v for k, v in current.extra.items() if k not in (MODE_KEY, _PULL_UNTIL)}
    unpause = current.paused_until is not None and ours == current.paused_until.isoformat()
    return current.with_changes(extra=extra, paused_until=None if unpause else current.paused_until)
