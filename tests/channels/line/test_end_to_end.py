"""The acceptance story on LINE: follow, set ``time 07:30`` and ``topics add robotics`` by chat, the clock reaches
07:30 in the reader's zone, and the stand-in records exactly one Flex digest holding only robotics stories.

Everything is real: the signed webhook over HTTP, Redis, the planner, the delivery worker, the SDK and the
stand-in. The worker judges lateness by the real clock, so the reader's zone is chosen so that 07:30 there has
just passed (a whole-hour region zone).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from bot.app import Services
from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.delivery_log import DeliveryLog
from bot.store.models import Identity
from tests.channels.line.conftest import Clock, Post, event_body, make_event, text_event
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub

USER = "U4af4980629e1c3d6a6e6b5fa7e4e6a3b"


def _zone_where_it_is_just_past_0730(now: datetime) -> str:
    """A whole-hour region zone in which the local time now is in [07:30, 08:30)."""
    for offset in range(-12, 15):
        local = now + timedelta(hours=offset)
        if (local.hour, local.minute) >= (7, 30) and (local.hour, local.minute) < (8, 30):
            zone = _region_zone(offset, now)
            if zone:
                return zone
    raise AssertionError("every hour of the day has a whole-hour region zone")


def _region_zone(offset: int, now: datetime) -> str:
    """A region zone (the command language takes no ``Etc/GMT`` zones) that is ``offset`` hours from UTC now."""
    if offset == 0:
        return "UTC"
    for name in sorted(available_timezones()):
        regional = name.startswith(("Africa/", "America/", "Asia/", "Europe/", "Pacific/", "Atlantic/", "Indian/"))
        if regional and ZoneInfo(name).utcoffset(now) == timedelta(hours=offset):
            return name
    return ""


async def test_a_line_reader_gets_exactly_one_flex_digest_of_their_topics_at_0730(
    post: Post, services: Services, stub: LineApiStub, clock: Clock
) -> None:
    real_now = datetime.now(UTC)
    zone = _zone_where_it_is_just_past_0730(real_now)
    local_now = real_now.astimezone(ZoneInfo(zone))
    slot = local_now.replace(hour=7, minute=30, second=0, microsecond=0)
    clock.now = (slot - timedelta(hours=1)).astimezone(UTC)  # the reader chats at 06:30 their time

    assert (await post(event_body(make_event("follow", USER, "e1")))).status_code == 200
    for n, text in enumerate([f"timezone {zone}", "time 07:30", "topics add robotics"], start=2):
        response = await post(event_body(text_event(USER, text, f"e{n}")))
        assert response.status_code == 200
    me = Identity("line", (USER,))
    sub = await services.store.get(me)
    assert sub is not None and sub.active and sub.topics == ("robotics",) and sub.timezone == zone
    assert await services.store.next_send_of(me) == slot.astimezone(UTC)

    planner = Planner(services.runtime.redis, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 0  # 06:30: nothing due yet
    clock.now = slot.astimezone(UTC)
    assert (await planner.tick()).planned == 1
    assert (await planner.tick()).planned == 0  # a second tick plans nothing twice

    worker = Worker(services.runtime.redis, services.store, services.channels,
                    FixedEditions({"en": sample_edition()}), WorkerConfig(name="line-e2e", concurrency=4))
    running = asyncio.create_task(worker.run())
    try:
        [push] = await stub.wait_for_sends(1)
        log = DeliveryLog(services.runtime.redis)
        for _ in range(200):  # until the worker settled the entry (the log line is written with the ack)
            if await log.read(me.sid):
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running

    assert stub.pushes_to(USER) == [push] and len(stub.sent) == 1
    [message] = push.messages
    assert message["type"] == "flex"
    bubbles = message["contents"]["contents"]
    titles = [bubble["body"]["contents"][0]["text"] for bubble in bubbles]
    robotics = [s.title for s in sample_edition().stories if "robotics" in s.topics]
    assert titles == robotics
    assert push.retry_key  # the delivery id became the X-Line-Retry-Key
