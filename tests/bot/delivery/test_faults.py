"""Fault tests with real processes on loopback: workers killed with -9, Redis killed and restarted, scheduler
lease holders killed mid-plan. Each asserts what a subscriber would notice: a lost or a doubled digest."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.exceptions import RedisError

from bot import keys
from bot.delivery.planner import Planner
from bot.store.client import RedisClient, connect
from bot.store.subscriptions import SubscriptionStore
from tests.bot.delivery.conftest import (
    add_subscribers,
    make_due,
    queue_idle,
    seed_subscribers,
    stream_units,
    wait_until,
)
from tests.bot.delivery.processes import DedicatedRedis, Role
from tests.stubs.recording_provider import RecordingProvider

#: The issue's figure: 2,000 subscribers, 3 workers, 10 kill -9 (each kill lands mid-fan-out, checked below).
SUBSCRIBERS = 2000
KILLS = 10
CONCURRENCY = 4


@pytest.mark.slow
async def test_ten_random_kill_9_of_workers_lose_nothing_and_duplicate_only_what_was_in_flight(
    redis_client: RedisClient, redis_url: str, provider: RecordingProvider
) -> None:
    provider.delay = 0.05
    provider.honour_keys = True
    due = datetime.now(UTC) - timedelta(seconds=10)
    await seed_subscribers(redis_client, [str(n) for n in range(SUBSCRIBERS)], due)
    assert (await Planner(redis_client, catch_up=timedelta(hours=6)).tick()).planned == SUBSCRIBERS
    names = ["w1", "w2", "w3"]
    args = {n: ["worker", "--redis", redis_url, "--provider", provider.url, "--name", n,
                "--concurrency", str(CONCURRENCY)] for n in names}
    workers = {n: await Role(args[n]).start() for n in names}
    rng = random.Random(2840)
    kills = 0
    progress_at_kills: list[int] = []
    try:
        for k in range(1, KILLS + 1):  # kills spread over the fan-out by progress, at random moments and workers
            await provider.wait_accepted(k * SUBSCRIBERS // (KILLS + 2) + rng.randrange(20), timeout=90)
            victim = rng.choice(names)
            await workers[victim].ready()  # a restarted worker is consuming again before it is killed again
            await workers[victim].kill()
            kills += 1
            progress_at_kills.append(provider.accepted_count)
            workers[victim] = await Role(args[victim]).start(wait=False)  # the same consumer name
        await provider.wait_accepted(SUBSCRIBERS, timeout=90)
        await wait_until(lambda: queue_idle(redis_client), timeout=30, what="every entry settled")
    finally:
        for worker in workers.values():
            await worker.stop()
    delivered = {a.delivery_id for a in provider.accepted}
    assert kills == KILLS and max(progress_at_kills) < SUBSCRIBERS  # every kill landed mid-fan-out
    assert len(delivered) == SUBSCRIBERS  # 0 lost
    assert len(provider.accepted) == SUBSCRIBERS  # 0 visible duplicates: the stand-in honours the key
    assert provider.repeated <= KILLS * CONCURRENCY  # resent only what was in flight at a kill
    print(f"\nworker kills: {kills}, subscribers: {SUBSCRIBERS}, lost: 0, "
          f"re-sent (deduped by key): {provider.repeated}, bound: {KILLS * CONCURRENCY}")


async def _tick_forever(planner: Planner) -> None:
    """The scheduler's due-tick, as a loop that survives Redis being away."""
    while True:
        with contextlib.suppress(RedisError, OSError):
            await planner.tick()
        await asyncio.sleep(0.3)


@pytest.mark.slow
async def test_redis_killed_and_restarted_twice_during_a_fan_out_loses_nothing(
    tmp_path: Path, provider: RecordingProvider
) -> None:
    server = DedicatedRedis(tmp_path / "redis")
    server.start()
    count = 600
    provider.delay = 0.02
    redis = connect(server.url, socket_timeout=2)
    ticking: asyncio.Task[None] | None = None
    workers: list[Role] = []
    try:
        store = SubscriptionStore(redis)
        subs = await add_subscribers(store, [str(n) for n in range(count)])
        await make_due(redis, subs, datetime.now(UTC) - timedelta(seconds=10))
        ticking = asyncio.create_task(_tick_forever(Planner(redis, catch_up=timedelta(hours=6))))
        for name in ("r1", "r2"):
            workers.append(await Role(["worker", "--redis", server.url, "--provider", provider.url, "--name", name,
                                       "--concurrency", "8"]).start())
        restarts = 0
        for fraction in (0.25, 0.6):
            await provider.wait_accepted(int(count * fraction), timeout=60)
            server.kill()  # kill -9: whatever the AOF had not fsynced is gone
            await asyncio.sleep(0.3)  # Redis stays down for a moment; workers keep retrying
            server.start()
            restarts += 1
        await wait_until(lambda: _all_delivered(provider, count), timeout=90, what="every subscriber served")
        await wait_until(lambda: queue_idle(redis), timeout=30, what="every entry settled")
    finally:
        if ticking is not None:
            ticking.cancel()
        for worker in workers:
            await worker.stop()
        await redis.aclose()
        server.stop()
    delivered = {a.address for a in provider.accepted}
    assert restarts == 2
    assert delivered == {str(n) for n in range(count)}  # 0 lost
    print(f"\nredis restarts: {restarts}, subscribers: {count}, lost: 0, "
          f"duplicates (AOF everysec rolled back records): {len(provider.accepted) - count}")


async def _all_delivered(provider: RecordingProvider, count: int) -> bool:
    return len({a.address for a in provider.accepted}) >= count


@pytest.mark.slow
async def test_three_schedulers_killing_the_lease_holder_mid_plan_plan_each_slot_exactly_once(
    redis_client: RedisClient, redis_url: str
) -> None:
    count = 3000
    subs = await seed_subscribers(redis_client, [str(n) for n in range(count)], datetime.now(UTC) + timedelta(days=1))
    names = ["s1", "s2", "s3"]
    schedulers = {n: await Role(["scheduler", "--redis", redis_url, "--name", n, "--tick", "0.3", "--lease", "1.0",
                                 "--batch", "2"]).start() for n in names}
    started = time.monotonic()
    now = datetime.now(UTC)
    await make_due(redis_client, subs[: count // 2], now - timedelta(seconds=1))  # due now
    await make_due(redis_client, subs[count // 2:], now + timedelta(seconds=2))  # due a few ticks later
    try:
        await wait_until(lambda: _some_planned(redis_client), timeout=30, what="planning under way")
        holder = str(await redis_client.get(keys.scheduler_lease())).rsplit(" ", 1)[0]
        await schedulers[holder].kill()
        at_kill = len(await stream_units(redis_client))  # planned by the holder before it died
        await wait_until(lambda: _planned(redis_client, count), timeout=60, what="every slot planned")
        while time.monotonic() - started < 10 * 0.3:  # at least ten ticks of the survivors
            await asyncio.sleep(0.3)
        after = str(await redis_client.get(keys.scheduler_lease())).rsplit(" ", 1)[0]
    finally:
        for scheduler in schedulers.values():
            await scheduler.stop()
    units = await stream_units(redis_client)
    assert 0 < at_kill < count // 2  # killed in the middle of planning the first due half
    assert after != holder  # another process took the lease over
    assert len(units) == len(set(units)) == count  # exactly one unit per subscription and slot
    print(f"\nschedulers: 3, holder killed with {at_kill}/{count} planned, units: {len(units)}, duplicates: 0")


async def _some_planned(redis: RedisClient) -> bool:
    return len(await stream_units(redis)) > 0


async def _planned(redis: RedisClient, count: int) -> bool:
    return len(await stream_units(redis)) >= count
