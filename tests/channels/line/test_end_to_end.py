"""The acceptance story on LINE: follow, set ``time 07:30`` and ``topics add robotics`` by chat, the clock reaches
07:30 in the reader's zone, and the stand-in records exactly one Flex digest holding only robotics stories.

Everything is real: the signed webhook over HTTP, Redis, the planner, the delivery worker, the SDK and the
stand-in. The worker judges lateness by the real clock, so the reader's zone is chosen so that 07:30 there has
just passed (a whole-hour region zone).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Services
from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.delivery_log import DeliveryLog
from bot.store.models import Identity
from tests.bot.delivery.conftest import wait_until
from tests.channels.line.conftest import Post, event_body, make_event, text_event
from tests.clock import Clock, zone_where_it_is_just_past_0730
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub
from tests.tasks import stop

USER = "U4af4980629e1c3d6a6e6b5fa7e4e6a3b"


async def test_a_line_reader_gets_exactly_one_flex_digest_of_their_topics_at_0730(
    post: Post, services: Services, stub: LineApiStub, clock: Clock
) -> None:
    real_now = datetime.now(UTC)
    zone = zone_where_it_is_just_past_0730(real_now)
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

        async def settled() -> bool:  # the log line is written with the stream ack
            return bool(await log.read(me.sid))

        await wait_until(settled, what="the delivery settled")
    finally:
        await stop(running)

    assert stub.pushes_to(USER) == [push] and len(stub.sent) == 1
    [message] = push.messages
    assert message["type"] == "flex"
    bubbles = message["contents"]["contents"]
    titles = [bubble["body"]["contents"][0]["text"] for bubble in bubbles]
    robotics = [s.title for s in sample_edition().stories if "robotics" in s.topics]
    assert titles == robotics
    assert push.retry_key  # the delivery id became the X-Line-Retry-Key
