"""The due-tick: each slot planned once, with a deterministic id; catch-up and skips; no double local date."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot import keys
from bot.delivery.planner import Planner
from bot.store.client import RedisClient
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from tests.bot.delivery.conftest import add_subscribers, make_due, stream_units
from tests.clock import Clock

pytestmark = pytest.mark.both_redis  # stores, queue and engine: on one Redis and on a cluster


START = datetime(2026, 11, 27, 7, 30, 20, tzinfo=UTC)


async def test_due_subscribers_become_one_unit_each_and_a_rerun_plans_nothing(redis_client: RedisClient) -> None:
    clock = Clock(START - timedelta(hours=1))
    store = SubscriptionStore(redis_client, clock=clock)
    subs = await add_subscribers(store, [str(n) for n in range(30)])
    tokyo = await add_subscribers(store, ["tokyo"], at=time(16, 30), zone="Asia/Tokyo")  # 07:30 UTC
    clock.now = START
    planner = Planner(redis_client, catch_up=timedelta(hours=6), clock=clock, batch=7)
    report = await planner.tick()
    assert report.planned == 31
    units = await stream_units(redis_client)
    assert sorted(units) == sorted([f"{s.sid}:2026-11-27:0730" for s in subs] + [f"{tokyo[0].sid}:2026-11-27:1630"])
    again = await planner.tick()
    assert again.planned == 0 and len(await stream_units(redis_client)) == 31
    stored = await store.get(subs[0].identity)
    assert stored is not None and stored.last_slot_date == START.date()
    assert await store.next_send_of(subs[0].identity) == datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


async def test_changing_time_or_zone_or_pausing_after_the_slot_never_sends_that_local_date_twice(
    redis_client: RedisClient,
) -> None:
    clock = Clock(START - timedelta(hours=1))
    store = SubscriptionStore(redis_client, clock=clock)
    await add_subscribers(store, ["42"])
    clock.now = START
    planner = Planner(redis_client, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 1
    identity = Identity.parse("telegram:42")
    await store.update(identity, lambda s: s.with_changes(delivery_time=time(9, 0)) if s else None)  # later today
    assert await store.next_send_of(identity) == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    await store.update(identity, lambda s: s.with_changes(timezone="America/New_York") if s else None)
    await store.update(identity, lambda s: s.with_changes(paused_until=START + timedelta(hours=1)) if s else None)
    await store.update(identity, lambda s: s.with_changes(paused_until=None) if s else None)
    for hours in range(1, 36):
        clock.now = START + timedelta(hours=hours)
        await planner.tick()
    units = await stream_units(redis_client)
    days = [u.split(":")[1] for u in units]
    assert days.count("2026-11-27") == 1
    assert len(days) == len(set(days)) == 2  # 27th (UTC slot) and 28th (09:00 New York)


async def test_a_slot_missed_within_the_window_is_queued_an_older_one_is_skipped_and_logged(
    redis_client: RedisClient,
) -> None:
    clock = Clock(START - timedelta(days=1))
    store = SubscriptionStore(redis_client, clock=clock)
    recent, old = await add_subscribers(store, ["recent", "old"])
    await make_due(redis_client, [recent], START - timedelta(hours=5))
    await make_due(redis_client, [old], START - timedelta(hours=7))
    clock.now = START
    report = await Planner(redis_client, catch_up=timedelta(hours=6), clock=clock).tick()
    assert (report.planned, report.skipped) == (1, 1)
    assert [u.split(":", 1)[0] for u in await stream_units(redis_client)] == [recent.sid]
    (entry,) = await DeliveryLog(redis_client).read(old.sid, now=START)
    assert entry.outcome is Outcome.SKIPPED and entry.late
    for sub in (recent, old):
        assert await redis_client.zscore(keys.due_index(keys.shard_of(sub.sid)), sub.sid) == (
            datetime(2026, 11, 28, 7, 30, tzinfo=UTC).timestamp())


async def test_inactive_and_paused_subscriptions_are_not_planned(redis_client: RedisClient) -> None:
    clock = Clock(START - timedelta(hours=1))
    store = SubscriptionStore(redis_client, clock=clock)
    gone, paused = await add_subscribers(store, ["gone", "paused"])
    await store.update(gone.identity, lambda s: s.with_changes(active=False) if s else None)
    await store.update(paused.identity, lambda s: s.with_changes(paused_until=START + timedelta(days=2)) if s else None)
    await make_due(redis_client, [gone, paused], START - timedelta(minutes=1))
    clock.now = START
    report = await Planner(redis_client, catch_up=timedelta(hours=6), clock=clock).tick()
    assert report.planned == 0
    assert await stream_units(redis_client) == []
    assert await redis_client.zscore(keys.due_index(keys.shard_of(gone.sid)), gone.sid) is None
    assert await store.next_send_of(paused.identity) == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # after the pause
