"""The worker role: consumes the delivery streams and sends digests through the channels.

A continuous task pool: at most ``concurrency`` entries are held at once (bounded prefetch); a freed place is
refilled at once. For each entry::

    read subscription + delivery log (one round trip) ─► sent-marker found? ack, done
    affinity (only for a reader who voted) ─► digest ─► pace (token buckets in Redis) ─► channel.send
    ─► settle: LPUSH log "sent" + SET picks + XACK in one MULTI/EXEC

Settlements are group-committed: entries finishing together are settled in one transaction per shard.
A failed send is decided once, by the exception's type, in ``bot.delivery.failures``.

A digest split into parts resumes after the last part the provider accepted (``bot.store.delivery_parts``):
the channel reports each accepted part, and the next attempt (a retry, or another worker after a crash)
starts after them.

No failure sleeps in a worker slot: a wait longer than ``max_hold`` goes back to the shard's retry set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot import keys
from bot.content.digest import digest_of
from bot.content.editions import CachedEditions, EditionSource, RuntimeEditions
from bot.content.steer import explain
from bot.delivery.failures import FailurePolicy
from bot.delivery.pacing import Pacer
from bot.delivery.queue import Claimed, DeliveryQueue, Settlement, Unit
from bot.settings import Settings
from bot.store import RedisClient, StoreUnavailable, counters
from bot.store.delivery_log import LogEntry, Outcome, attempted_in, delivery_key, sent_in, trim_index
from bot.store.delivery_parts import DeliveryParts
from bot.store.feedback import NO_AFFINITY, FeedbackStore
from bot.store.models import Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.base import (
    Channel,
    Delivery,
    Recipient,
)

__all__ = ["Worker", "WorkerConfig", "default_worker_name", "run_worker", "worker_config"]

if TYPE_CHECKING:  # the composition root imports every channel SDK; a worker needs none of that
    from bot.app import Services

log = logging.getLogger(__name__)
#: The delivery log's detail of a day skipped because no story matched the reader's settings.
NOTHING_MATCHED = "nothing matched"

_NOT_READY_WAIT = 300.0  # no edition yet, or this worker lacks the channel: look again in five minutes


def default_worker_name() -> str:
    """``AITODAY_WORKER_NAME`` when set (stable across restarts: own pending entries resume at once)."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class WorkerConfig:
    name: str
    concurrency: int = 64
    max_attempts: int = 5
    retry_seconds: float = 30.0
    lease_seconds: float = 60.0
    catch_up: timedelta = timedelta(hours=6)
    late_after: timedelta = timedelta(minutes=10)
    max_hold: float = 5.0  # longest pacing wait spent holding an entry; longer ones are re-scheduled
    idle_max: float = 0.2  # longest pause between reads of an empty queue
    retry_poll: float = 1.0  # how often due retries are moved back onto the streams
    commit_linger: float = 0.01  # longest a settlement waits for others of its shard (group commit)
    commit_batch: int = 8  # a shard's settlements go at once when this many have gathered


@dataclass
class _Held:
    claimed: Claimed
    task: asyncio.Task[None] | None = None
    lost: bool = False


@dataclass
class _Stats:
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    flushed: float = 0.0


class Worker:
    """One worker process's engine. ``run`` until cancelled; any number may run against one Redis."""

    def __init__(self, redis: RedisClient, store: SubscriptionStore, channels: Mapping[str, Channel],
                 editions: EditionSource, config: WorkerConfig) -> None:
        self._redis = redis
        self._store = store
        self._channels = channels
        self._editions = CachedEditions(editions)
        self._config = config
        self._queue = DeliveryQueue(redis, config.name)
        self._pacer = Pacer(redis)
        self._parts = DeliveryParts(redis)
        self._feedback = FeedbackStore(redis)
        self._failures = FailurePolicy(store, self._pacer, self._parts, max_attempts=config.max_attempts,
                                       retry_seconds=config.retry_seconds)
        self._held: dict[tuple[int, str], _Held] = {}
        self._settle_q: asyncio.Queue[Settlement] = asyncio.Queue()
        self._room = asyncio.Event()
        self._refill = max(1, min(16, config.concurrency // 4))
        self._stats = _Stats()

    # ------------------------------------------------------------------------------------------ the loops

    async def run(self) -> None:
        await self._until_redis(self._queue.ensure_groups)
        helpers = [asyncio.create_task(loop()) for loop in (self._committer, self._housekeeping, self._promoter)]
        try:
            await self._reader()
        finally:
            held = [h.task for h in self._held.values() if h.task is not None]
            await _cancel_until_done([*helpers, *held])

    async def _reader(self) -> None:
        idle, empty_reads = 0.005, 0
        while True:
            _stop_if_cancelled()
            room = self._config.concurrency - len(self._held)
            if room < self._refill and self._held:  # refill in batches: fewer, fuller reads
                self._room.clear()
                await self._room.wait()
                continue
            try:
                claimed = await self._queue.read(room)
            except (StoreUnavailable, OSError) as exc:
                log.warning("reading the delivery streams failed (%s); retrying", exc.__class__.__name__)
                await asyncio.sleep(1.0)
                continue
            if not claimed:
                empty_reads += 1
                if empty_reads * min(room, keys.SHARDS) >= keys.SHARDS:  # every shard was looked at: idle
                    await asyncio.sleep(idle)
                    idle = min(self._config.idle_max, idle * 2)
                    empty_reads = 0
                continue
            idle, empty_reads = 0.005, 0
            self._start(claimed)

    def _start(self, claimed: list[Claimed]) -> None:
        for item in claimed:
            if item.key in self._held:
                continue
            held = _Held(item)
            self._held[item.key] = held
            held.task = asyncio.create_task(self._run_one(held))

    async def _run_one(self, held: _Held) -> None:
        try:
            await self._process(held)
        except (StoreUnavailable, OSError) as exc:
            # Left pending: renewed no more, so it is reclaimed after the lease (by us or another worker).
            log.warning("delivery %s interrupted by Redis (%s)", held.claimed.entry_id, exc.__class__.__name__)
        except Exception:
            log.exception("delivery %s failed unexpectedly; it will be reclaimed", held.claimed.entry_id)
        finally:
            self._held.pop(held.claimed.key, None)
            self._room.set()

    async def _committer(self) -> None:
        """Group commit per shard: a shard's settlements go in one transaction once ``commit_batch`` have
        gathered or the oldest has waited ``commit_linger`` (so a quiet worker still settles promptly)."""
        loop = asyncio.get_running_loop()
        buffers: dict[int, list[Settlement]] = {}
        deadlines: dict[int, float] = {}
        while True:
            timeout = max(0.0, min(deadlines.values()) - loop.time()) if deadlines else None
            try:
                items = [await asyncio.wait_for(self._settle_q.get(), timeout)]
            except TimeoutError:
                items = []
            while not self._settle_q.empty():
                items.append(self._settle_q.get_nowait())
            for item in items:
                shard = item.claimed.shard
                buffers.setdefault(shard, []).append(item)
                deadlines.setdefault(shard, loop.time() + self._config.commit_linger)
            now = loop.time()
            ready = [s for s in buffers if len(buffers[s]) >= self._config.commit_batch or deadlines[s] <= now]
            if not ready:
                continue
            batch = [item for shard in ready for item in buffers.pop(shard)]
            for shard in ready:
                deadlines.pop(shard, None)
            await self._commit(batch)

    async def _commit(self, batch: list[Settlement]) -> None:
        delay = 0.05
        while True:
            try:
                await self._queue.settle(batch)
                break
            except (StoreUnavailable, OSError) as exc:
                log.warning("settling %d deliveries failed (%s); retrying", len(batch), exc.__class__.__name__)
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)
        for item in batch:
            if item.done is not None and not item.done.done():
                item.done.set_result(None)
        await self._flush_counters()

    async def _flush_counters(self) -> None:
        """Operational counters (``bot.store.counters``), batched: at most one flush a second per worker."""
        now = time.monotonic()
        if now - self._stats.flushed < 1.0:
            return
        self._stats.flushed = now
        outcomes, self._stats.outcomes = self._stats.outcomes, Counter()
        try:
            for (channel, outcome), n in outcomes.items():
                await counters.incr(self._redis, "deliveries", {"channel": channel, "class": outcome}, amount=n)
        except (StoreUnavailable, OSError):
            self._stats.outcomes.update(outcomes)

    async def _housekeeping(self) -> None:
        """Renew the lease of held entries; take over entries a dead or stalled worker left pending."""
        every = max(0.05, self._config.lease_seconds / 4)
        while True:
            await asyncio.sleep(every)
            try:
                held: dict[int, list[str]] = {}
                for h in list(self._held.values()):
                    held.setdefault(h.claimed.shard, []).append(h.claimed.entry_id)
                if held:
                    for key in await self._queue.renew(held):
                        if key in self._held:
                            self._held[key].lost = True
                room = self._config.concurrency - len(self._held)
                if room > 0:
                    self._start(await self._queue.reclaim(self._config.lease_seconds, room))
            except (StoreUnavailable, OSError) as exc:
                log.warning("lease renewal/reclaim failed (%s); retrying", exc.__class__.__name__)

    async def _promoter(self) -> None:
        while True:
            await asyncio.sleep(self._config.retry_poll)
            try:
                await self._queue.promote_due(time.time())
                await self._flush_counters()
            except (StoreUnavailable, OSError) as exc:
                log.warning("moving due retries failed (%s); retrying", exc.__class__.__name__)

    @staticmethod
    async def _until_redis(action: object) -> None:
        delay = 0.1
        while True:
            try:
                await action()  # type: ignore[operator]
                return
            except (StoreUnavailable, OSError):
                _stop_if_cancelled()
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    # ------------------------------------------------------------------------------------------ one delivery

    async def _process(self, held: _Held) -> None:
        claimed = held.claimed
        unit = claimed.unit
        if unit is None:
            await self._settle(Settlement(claimed=claimed, sid=""))
            return
        sub, lines = await self._store.get_with_log(unit.sid)
        now = datetime.now(UTC)
        key = delivery_key(unit.delivery_id)
        trim = trim_index(lines, now)
        channel_name = sub.identity.channel if sub is not None else ""

        def record(outcome: Outcome, *, message_id: str = "", late: bool = False, detail: str = "") -> Settlement:
            self._stats.outcomes[(channel_name, outcome.value)] += 1
            line = LogEntry(at=now, channel=channel_name, outcome=outcome, delivery=key,
                            provider_message_id=message_id, late=late, detail=detail).encode()
            return Settlement(claimed=claimed, sid=unit.sid, log_line=line, trim_log_to=trim)

        if sent_in(lines, key):
            await self._settle(record(Outcome.DUPLICATE, detail="already sent"))
            return
        if sub is None or not self._wanted(sub, unit, now):
            await self._settle(record(Outcome.SKIPPED, detail="subscription inactive or paused"))
            return
        lateness = now.timestamp() - unit.due
        if lateness > self._config.catch_up.total_seconds():
            await self._settle(record(Outcome.SKIPPED, late=True, detail="older than the catch-up window"))
            return
        late = not unit.on_demand and lateness > self._config.late_after.total_seconds()
        channel = self._channels.get(sub.identity.channel)
        edition = await self._editions.latest(sub.effective_language)
        if channel is None or edition is None:  # not an attempt: wait (the catch-up window ends the wait)
            why = "channel not enabled on this worker" if channel is None else "no edition yet"
            item = record(Outcome.TRANSIENT, late=late, detail=f"{why}; waiting")
            item.retry_unit, item.retry_at = unit, time.time() + _NOT_READY_WAIT
            await self._settle(item)
            return
        # the reader's 👍/👎 steer the digest, within bounds; a reader who never voted has none to read
        affinity = await self._feedback.affinity(sub.sid) if sub.has_feedback else NO_AFFINITY
        digest = digest_of(edition, sub, affinity)
        if not digest.stories:  # an empty digest is never sent: the day is skipped, and the log says why
            log.info("skipped: nothing matched (%s %s)", sub.identity.channel, unit.delivery_id)
            await self._settle(record(Outcome.SKIPPED, late=late, detail=NOTHING_MATCHED))
            return
        picks = explain(digest, edition, affinity, sub.topics)  # for `why`: written when the attempt settles
        recipient = Recipient(channel=channel.name, address=sub.identity.address,
                              language=sub.effective_language, extra=dict(sub.extra))
        limits = list(channel.rate_limits(recipient))
        wait = await self._pacer.wait_for(limits, self._config.max_hold)
        if wait > 0:  # a paused bucket or a long queue for it: give the place back, come back then
            await self._settle(Settlement(claimed=claimed, sid=unit.sid, retry_unit=unit,
                                          retry_at=time.time() + wait))  # not an attempt: nothing logged
            return
        if held.lost:
            return  # another worker took this entry over while we waited: it sends, not us
        delivery = Delivery(delivery_id=unit.delivery_id, recipient=recipient, edition=digest, late=late,
                            plain=unit.plain)
        # after the parts earlier attempts got accepted; an entry no attempt came before has none to look up
        first = claimed.fresh and not attempted_in(lines, key)
        delivery = self._parts.first(unit.sid, delivery) if first else await self._parts.resume(unit.sid, delivery)
        try:
            receipt = await channel.send(delivery)
        except Exception as exc:  # classified once, below; nothing else may escape a send
            settled = await self._failures.settle(exc, record, sub, unit, delivery, channel, limits)
        else:
            settled = record(Outcome.SENT, message_id=receipt.provider_message_id, late=late)
        settled.picks = picks  # on a failure too, as some parts may have been shown
        await self._settle(settled)

    @staticmethod
    def _wanted(sub: Subscription, unit: Unit, now: datetime) -> bool:
        if unit.on_demand:
            return not sub.deactivated_reason
        return sub.active and not sub.is_paused(now)

    async def _settle(self, item: Settlement) -> None:
        item.done = asyncio.get_running_loop().create_future()
        await self._settle_q.put(item)
        await item.done


def _stop_if_cancelled() -> None:
    """Raise ``CancelledError`` when this task was asked to stop but the request was swallowed.

    redis-py's asyncio client can turn a cancel that lands mid-command into a connection error; a loop that
    retries on connection errors would then run on forever (a worker that never stops on SIGTERM). The task
    still counts the request (``Task.cancelling``), so each retrying loop checks it before going round again.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _cancel_until_done(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel ``tasks`` and wait for them; repeat the cancel, because redis-py's asyncio client can swallow
    one that lands mid-command (the task would otherwise keep running after the worker stopped)."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            task.exception()


def worker_config(settings: Settings, name: str | None = None) -> WorkerConfig:
    """The worker's configuration from the settings (``AITODAY_WORKER_*``, ``AITODAY_DELIVERY_*``)."""
    return WorkerConfig(
        name=name or settings.worker_name or default_worker_name(),
        concurrency=settings.worker_concurrency,
        max_attempts=settings.delivery_max_attempts,
        retry_seconds=settings.delivery_retry_seconds,
        lease_seconds=settings.delivery_lease_seconds,
        catch_up=timedelta(hours=settings.catch_up_hours),
    )


async def run_worker(services: Services, *, name: str | None = None) -> None:
    """Consume deliveries until cancelled (the ``worker`` role)."""
    config = worker_config(services.settings, name)
    editions = services.editions or RuntimeEditions(services.runtime)
    worker = Worker(services.runtime.redis, services.store, services.channels, editions, config)
    log.info("worker %s consuming with %d places", config.name, config.concurrency)
    await worker.run()
