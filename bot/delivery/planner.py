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

The transaction itself is the queue's (``bot.delivery.queue.planning.plan_batch``); this module decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import keys
from bot.delivery.next_send import local_date_of
from bot.delivery.queue import DeliveryQueue, Unit, now_delivery_id, slot_delivery_id
from bot.delivery.queue.planning import Decision, plan_batch
from bot.store import RedisClient
from bot.store.delivery_log import LogEntry, Outcome, delivery_key
from bot.store.models import Subscription
from bot.store.subscriptions import Clock, compute_next_send, utc_now

__all__ = ["NowRequests", "PlanReport", "Planner"]

log = logging.getLogger(__name__)

_MAX_CONFLICTS = 100  # per tick; beyond it the shard waits for the next tick instead of spinning


@dataclass
class PlanReport:
    planned: int = 0
    skipped: int = 0
    rescheduled: int = 0  # due entries that needed no unit (paused, already planned, inactive)
    conflicts: int = 0


class Planner:
    """Plans due slots. Safe to run from any number of processes at once (see the module docstring)."""

    def __init__(self, redis: RedisClient, *, catch_up: timedelta, clock: Clock = utc_now,
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
        while True:
            decisions = await plan_batch(self._redis, shard, now.timestamp(), self._batch,
                                         lambda sid, score, raw: self._decide(sid, score, raw, now))
            if decisions is not None:
                break
            report.conflicts += 1  # a subscriber changed something meanwhile: read the batch again
            if report.conflicts > _MAX_CONFLICTS:
                log.warning("shard %d kept changing during planning; the next tick retries", shard)
                return 0
        for decision in decisions:
            if decision.unit is not None:
                report.planned += 1
            elif decision.skipped_line is not None:
                report.skipped += 1
            else:
                report.rescheduled += 1
        return len(decisions)

    def _decide(self, sid: str, score: float, raw: dict[str, str], now: datetime) -> Decision:
        if not raw:
            return Decision(sid, None)
        sub = Subscription.from_hash(raw)
        if not sub.active:
            return Decision(sid, None)
        if sub.is_paused(now):
            return Decision(sid, _epoch(compute_next_send(sub, now)))
        zone = sub.zone
        slot_at = datetime.fromtimestamp(score, now.tzinfo)
        day = local_date_of(slot_at, zone)
        if sub.last_slot_date is not None and day <= sub.last_slot_date:
            return Decision(sid, _epoch(compute_next_send(sub, now)))  # already planned: only fix the index
        advanced = sub.with_changes(last_slot_date=day)
        next_at = _epoch(compute_next_send(advanced, now))
        delivery_id = slot_delivery_id(sid, day, sub.delivery_time)
        if now - slot_at > self._catch_up:
            line = LogEntry(at=now, channel=sub.identity.channel, outcome=Outcome.SKIPPED,
                            delivery=delivery_key(delivery_id), late=True,
                            detail=f"missed by more than {self._catch_up}").encode()
            return Decision(sid, next_at, last_slot=day.isoformat(), skipped_line=line)
        unit = Unit(delivery_id=delivery_id, due=int(score))
        return Decision(sid, next_at, unit=unit, last_slot=day.isoformat())


class NowRequests:
    """The ``now`` command's path: one on-demand unit on the same stream, at most one per cooldown."""

    def __init__(self, redis: RedisClient, *, cooldown_seconds: float, clock: Clock = utc_now) -> None:
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
