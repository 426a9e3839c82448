"""The subscriber store on Redis: subscriptions, preferences and the next-send index.

A subscription is one hash (``keys.subscription``); its next UTC send time is its score in its shard's
sorted set (``keys.due_index``), so "who is due now" is one ``ZRANGEBYSCORE`` per shard. Both keys carry the
shard's hash tag, so every update writes them together in one MULTI/EXEC, guarded by WATCH on the hash:
two concurrent changes to one subscriber never lose either change, and the index never disagrees with the
preferences (optimistic locking; a conflict re-reads and re-applies the change).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from redis.exceptions import WatchError

from bot import keys
from bot.delivery.next_send import next_send
from bot.store.client import RedisClient
from bot.store.errors import guarded
from bot.store.models import Identity, Subscription

__all__ = ["Clock", "SubscriptionStore", "compute_next_send", "utc_now"]

Clock = Callable[[], datetime]
Change = Callable[[Subscription | None], Subscription | None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def compute_next_send(sub: Subscription, now: datetime) -> datetime | None:
    """When this subscription is next due, or None when it is not active."""
    if not sub.active:
        return None
    start = sub.paused_until if sub.paused_until is not None and sub.paused_until > now else now
    return next_send(sub.delivery_time, sub.zone, start, after_local_date=sub.last_slot_date,
                     weekdays=sub.weekdays)


@guarded
class SubscriptionStore:
    """Reads and atomic updates of subscriptions. ``clock`` is injectable so tests control "now"."""

    def __init__(self, redis: RedisClient, clock: Clock = utc_now) -> None:
        self._redis = redis
        self._clock = clock

    @property
    def clock(self) -> Clock:
        return self._clock

    async def get(self, identity: Identity) -> Subscription | None:
        return await self.get_by_sid(identity.sid)

    async def get_by_sid(self, sid: str) -> Subscription | None:
        data: dict[str, str] = await self._redis.hgetall(keys.subscription(sid))  # type: ignore[assignment]
        return Subscription.from_hash(data) if data else None

    async def get_with_log(self, sid: str) -> tuple[Subscription | None, list[str]]:
        """The subscription and its raw delivery log lines (newest first), in one round trip: what the worker
        needs before a send (the log holds the sent-marker, ``bot.store.delivery_log.sent_in``)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.subscription(sid))
            pipe.lrange(keys.delivery_log(sid), 0, -1)
            raw, lines = await pipe.execute()
        return (Subscription.from_hash(raw) if raw else None), lines

    async def next_send_of(self, identity: Identity) -> datetime | None:
        score = await self._redis.zscore(keys.due_index(keys.shard_of(identity.sid)), identity.sid)
        return datetime.fromtimestamp(score, UTC) if score is not None else None

    async def update(self, identity: Identity, change: Change) -> Subscription | None:
        """Apply ``change`` to the current subscription (None if there is none) atomically.

        ``change`` may be called more than once (after a concurrent write) and must be pure. Returning None
        leaves the store untouched. The next-send index is recomputed from the result.
        """
        sid = identity.sid
        sub_key = keys.subscription(sid)
        aff_key = keys.feedback_affinity(sid)  # watched too: a vote while this subscription is created
        due_key = keys.due_index(keys.shard_of(sid))
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(sub_key, aff_key)
                    raw: dict[str, str] = await pipe.hgetall(sub_key)  # type: ignore[assignment]
                    current = Subscription.from_hash(raw) if raw else None
                    updated = change(current)
                    if updated is None:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return current
                    if updated.identity != identity:
                        raise ValueError("a change may not move a subscription to another identity")
                    # whether the reader has 👍/👎 is the vote script's to say, never a change's (see models)
                    voted = current.has_feedback if current is not None else bool(await pipe.hlen(aff_key))
                    now = self._clock()
                    updated = updated.with_changes(updated_at=now, has_feedback=voted)
                    due_at = compute_next_send(updated, now)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(sub_key, mapping=dict(updated.to_hash()))  # type: ignore[arg-type]
                    if due_at is None:
                        pipe.zrem(due_key, sid)
                    else:
                        pipe.zadd(due_key, {sid: due_at.timestamp()})
                    await pipe.execute()
                    return updated
                except WatchError:
                    continue

    async def deactivate(self, identity: Identity, reason: str, *, only_active: bool = True) -> bool:
        """Stop the subscription with ``reason`` (kept to 200 characters); True when it changed.

        The one way anything stops a subscription for a reason of its own (blocked, unfollowed, uninstalled,
        a failed send). ``only_active=False`` also rewrites the reason of one already stopped (the worker
        records the latest failure). ``subscribe`` by chat reactivates.
        """
        reason = reason[:200]

        def change(current: Subscription | None) -> Subscription | None:
            if current is None or (only_active and not current.active):
                return None
            return current.with_changes(active=False, deactivated_reason=reason)

        updated = await self.update(identity, change)
        return updated is not None and not updated.active and updated.deactivated_reason == reason

    async def save(self, sub: Subscription) -> Subscription:
        """Write ``sub`` as it is (replacing any stored one) and index it."""
        stored = await self.update(sub.identity, lambda _current: sub)
        assert stored is not None
        return stored

    async def all(self) -> AsyncIterator[Subscription]:
        """Every subscription, in no particular order (SCAN: safe on a large keyspace)."""
        async for key in self._redis.scan_iter(match=f"{keys.PREFIX}:{{s*}}:sub:*", count=500):
            data: dict[str, str] = await self._redis.hgetall(key)  # type: ignore[assignment]
            if data:
                yield Subscription.from_hash(data)

    async def due(self, shard: int, now: datetime, limit: int = 500) -> list[tuple[str, datetime]]:
        """Subscriptions of ``shard`` whose next send is at or before ``now``, earliest first."""
        rows = await self._redis.zrangebyscore(
            keys.due_index(shard), "-inf", now.timestamp(), start=0, num=limit, withscores=True
        )
        return [(str(sid), datetime.fromtimestamp(float(score), UTC)) for sid, score in rows]  # type: ignore[misc,str-unpack]
