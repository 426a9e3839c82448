"""The due-tick: moves every subscription whose slot has come from its shard's due index onto the shard's stream.

Per shard and batch, one optimistic transaction (WATCH the due index and the batch's subscription hashes, read
them, compute in Python, MULTI/EXEC the writes). Within it, for each due subscription:

* the unit gets a deterministic id (``sid:local date:HHMM``), and the subscription's ``last_slot_date`` and its
  next send time advance together with the XADD: a crash before EXEC leaves everything as it was, a crash
  after it leaves the slot planned exactly once, so a tick is idempotent when re-run;
* a slot whose local date is not after ``last_slot_date`` is never planned again: changing time or zone, or
  pausing and resuming, cannot give a reader two digests for one local date (``store.compute_next_send``
  uses the same date);
* a slot missed by less than ``settings.catch_up_hours`` is queued (the worker marks it late); an older one
  is skipped and recorded in the delivery log;
* two planners racing (a stale scheduler after a lease change) cannot both plan a slot: the second EXEC fails
  on WATCH and its batch is re-read, now showing the advanced next send.

Redis work per subscription: one HGETALL, one XADD, one HSET (the ZADD of the batch is one command).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from bot import keys
from bot.delivery.queue import DeliveryQueue, Unit, now_delivery_id, slot_delivery_id
from bot.delivery.schedule import local_date_of
from bot.store.delivery_log import LogEntry, Outcome, delivery_key
from bot.store.models import Subscription
from bot.store.subscriptions import Clock, compute_next_send, utc_now

__all__ = ["NowRequests", "PlanReport", "Planner"]

log = logging.getLogger(__name__)

_MAX_CONFLICTS = 100  # per tick; beyond it the shard waits for the next tick instead of spinning

# Reads the batch's hashes in one round trip while the connection is WATCHing them.
_READ = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
"""


@dataclass
class PlanReport:
    planned: int = 0
    skipped: int = 0
    rescheduled: int = 0  # due entries that needed no unit (paused, already planned, inactive)
    conflicts: int = 0


@dataclass(frozen=True, slots=True)
class _Decision:
    sid: str
    next_at: float | None  # None: drop from the index
    unit: Unit | None = None
    last_slot: str | None = None
    skipped_line: str | None = None


class Planner:
    """Plans due slots. Safe to run from any number of processes at once (see the module docstring)."""

    def __init__(self, redis: aioredis.Redis, *, catch_up: timedelta, clock: Clock = utc_now,
                 batch: int = 200) -> None:
        self._redis = redis
        self._catch_up = catch_up
        self._clock = clock
        self._batch = batch
        self._queue = DeliveryQueue(redis)

    async def tick(self) -> PlanReport:
        """Plan every shard up to now. Returns what was done (for logs and tests)."""
        await self._queue.ensure_groups()
        report = PlanReport()
        now = self._clock()
        for shard in range(keys.SHARDS):
            await self.plan_shard(shard, now, report)
        if report.planned or report.skipped:
            log.info("planned %d deliveries, skipped %d missed slots", report.planned, report.skipped)
        return report

    async def plan_shard(self, shard: int, now: datetime, report: PlanReport) -> None:
        while True:
            done = await self._plan_batch(shard, now, report)
            if done < self._batch:
                return

    async def _plan_batch(self, shard: int, now: datetime, report: PlanReport) -> int:
        """Plan up to one batch; returns how many index entries it consumed (0 when nothing is due)."""
        due_key = keys.due_index(shard)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(due_key)
                    rows: list[Any] = await pipe.zrangebyscore(
                        due_key, "-inf", now.timestamp(), start=0, num=self._batch, withscores=True)
                    if not rows:
                        await pipe.unwatch()  # type: ignore[no-untyped-call]
                        return 0
                    sids = [str(sid) for sid, _ in rows]
                    sub_keys = [keys.subscription(sid) for sid in sids]
                    await pipe.watch(*sub_keys)
                    hashes: list[Any] = await pipe.execute_command(  # type: ignore[assignment]
                        "EVAL", _READ, len(sub_keys), *sub_keys)
                    decisions = [self._decide(str(sid), float(score), _pairs(raw), now)
                                 for (sid, score), raw in zip(rows, hashes, strict=True)]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._write(pipe, shard, decisions)
                    await pipe.execute()
                except WatchError:  # a subscriber changed something meanwhile: read the batch again
                    report.conflicts += 1
                    if report.conflicts > _MAX_CONFLICTS:
                        log.warning("shard %d kept changing during planning; the next tick retries", shard)
                        return 0
                    continue
                for decision in decisions:
                    if decision.unit is not None:
                        report.planned += 1
                    elif decision.skipped_line is not None:
                        report.skipped += 1
                    else:
                        report.rescheduled += 1
                return len(rows)

    def _decide(self, sid: str, score: float, raw: dict[str, str], now: datetime) -> _Decision:
        if not raw:
            return _Decision(sid, None)
        sub = Subscription.from_hash(raw)
        if not sub.active:
            return _Decision(sid, None)
        if sub.is_paused(now):
            return _Decision(sid, _epoch(compute_next_send(sub, now)))
        zone = sub.zone
        slot_at = datetime.fromtimestamp(score, now.tzinfo)
        day = local_date_of(slot_at, zone)
        if sub.last_slot_date is not None and day <= sub.last_slot_date:
            return _Decision(sid, _epoch(compute_next_send(sub, now)))  # already planned: only fix the index
        advanced = sub.with_changes(last_slot_date=day)
        next_at = _epoch(compute_next_send(advanced, now))
        delivery_id = slot_delivery_id(sid, day, sub.delivery_time)
        if now - slot_at > self._catch_up:
            line = LogEntry(at=now, channel=sub.identity.channel, outcome=Outcome.SKIPPED,
                            delivery=delivery_key(delivery_id), late=True,
                            detail=f"missed by more than {self._catch_up}").encode()
            return _Decision(sid, next_at, last_slot=day.isoformat(), skipped_line=line)
        unit = Unit(delivery_id=delivery_id, due=int(score))
        return _Decision(sid, next_at, unit=unit, last_slot=day.isoformat())

    @staticmethod
    def _write(pipe: Any, shard: int, decisions: list[_Decision]) -> None:
        due_key = keys.due_index(shard)
        stream = keys.shard_stream(shard)
        scores: dict[str, float] = {}
        gone: list[str] = []
        for d in decisions:
            if d.unit is not None:
                pipe.xadd(stream, {"u": d.unit.encode()})
            if d.skipped_line is not None:
                pipe.lpush(keys.delivery_log(d.sid), d.skipped_line)
            if d.last_slot is not None:
                pipe.hset(keys.subscription(d.sid), "last_slot", d.last_slot)
            if d.next_at is None:
                gone.append(d.sid)
            else:
                scores[d.sid] = d.next_at
        if scores:
            pipe.zadd(due_key, scores)
        if gone:
            pipe.zrem(due_key, *gone)


class NowRequests:
    """The ``now`` command's path: one on-demand unit on the same stream, at most one per cooldown."""

    def __init__(self, redis: aioredis.Redis, *, cooldown_seconds: float, clock: Clock = utc_now) -> None:
        self._queue = DeliveryQueue(redis)
        self._cooldown = cooldown_seconds
        self._clock = clock

    async def request(self, sub: Subscription) -> bool:
        """Queue a delivery of the latest edition now; False when the subscriber asked too recently."""
        epoch = int(self._clock().timestamp())
        unit = Unit(delivery_id=now_delivery_id(sub.sid, epoch), due=epoch)
        return await self._queue.enqueue_now(unit, self._cooldown)


def _epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


def _pairs(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    items = list(raw or [])
    return {str(items[i]): str(items[i + 1]) for i in range(0, len(items), 2)}
