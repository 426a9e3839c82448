"""The acceptance story every chat channel tells end to end: a reader sets ``time 07:30`` in a zone where 07:30
has just passed, the planner makes the digest due exactly once at 07:30, and a real worker delivers it.

Each channel's test keeps what is its own (how the reader chats, what the platform's stand-in must hold); the
clock, the planning and the worker are the same story and live here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from bot.app import Services
from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.delivery_log import DeliveryLog
from bot.store.models import Identity
from tests.bot.delivery.conftest import wait_until
from tests.clock import Clock
from tests.sample_edition import sample_edition
from tests.tasks import stop

__all__ = ["Morning", "delivering", "morning", "planned_once_at_0730"]

_REGIONS = ("Africa/", "America/", "Asia/", "Europe/", "Pacific/", "Atlantic/", "Indian/")


@dataclass(frozen=True)
class Morning:
    """The reader's zone and today's 07:30 there (aware, in that zone)."""

    zone: str
    slot: datetime


def morning(clock: Clock) -> Morning:
    """Choose the reader's zone (07:30 there has just passed by the real clock, which the worker judges lateness
    by) and set ``clock`` to 06:30 there: the reader chats an hour before their digest."""
    zone = _zone_where_it_is_just_past_0730(datetime.now(UTC))
    slot = datetime.now(UTC).astimezone(ZoneInfo(zone)).replace(hour=7, minute=30, second=0, microsecond=0)
    clock.now = (slot - timedelta(hours=1)).astimezone(UTC)
    return Morning(zone, slot)


async def planned_once_at_0730(services: Services, me: Identity, day: Morning, clock: Clock) -> Planner:
    """Check the chat left the reader subscribed to robotics at 07:30 in their zone, then move ``clock`` to 07:30
    and check the planner makes the digest due exactly once. The planner is returned for later ticks."""
    sub = await services.store.get(me)
    assert sub is not None and sub.active and sub.topics == ("robotics",) and sub.timezone == day.zone
    assert await services.store.next_send_of(me) == day.slot.astimezone(UTC)

    planner = Planner(services.runtime.redis, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 0  # 06:30: nothing due yet
    clock.now = day.slot.astimezone(UTC)
    assert (await planner.tick()).planned == 1
    assert (await planner.tick()).planned == 0  # a second tick plans nothing twice
    return planner


@asynccontextmanager
async def delivering(services: Services, me: Identity, name: str) -> AsyncIterator[None]:
    """A real worker sending the sample edition through the services' channels while the block runs; leaving
    the block waits until the reader's delivery is settled (its log line is written with the stream ack)."""
    worker = Worker(services.runtime.redis, services.store, services.channels,
                    FixedEditions({"en": sample_edition()}), WorkerConfig(name=name, concurrency=4))
    running = asyncio.create_task(worker.run())
    try:
        yield
        log = DeliveryLog(services.runtime.redis)

        async def settled() -> bool:
            return bool(await log.read(me.sid))

        await wait_until(settled, what="the delivery settled")
    finally:
        await stop(running)


def _zone_where_it_is_just_past_0730(now: datetime) -> str:
    """A whole-hour region zone in which the local time ``now`` is in [07:30, 08:30): a 07:30 digest there is
    due and not late, whatever the hour the test runs at."""
    for offset in range(-12, 15):
        local = now + timedelta(hours=offset)
        if (7, 30) <= (local.hour, local.minute) < (8, 30):
            zone = _region_zone(offset, now)
            if zone:
                return zone
    raise AssertionError("every hour of the day has a whole-hour region zone")


def _region_zone(offset: int, now: datetime) -> str:
    """A region zone (the command language takes no ``Etc/GMT`` zones) that is ``offset`` hours from UTC now."""
    if offset == 0:
        return "UTC"
    for name in sorted(available_timezones()):
        if name.startswith(_REGIONS) and ZoneInfo(name).utcoffset(now) == timedelta(hours=offset):
            return name
    return ""
