"""The acceptance story on Slack: subscribe, ``time 07:30`` and ``topics add robotics`` by chat; the clock reaches
07:30 in the reader's zone; the stand-in records exactly one Block Kit digest holding only robotics stories.

Everything is real: signed requests over HTTP into the app, Redis, the planner, the delivery worker, the Slack
channel from the registry with slack_sdk, and the Web API stand-in. The worker judges lateness by the real
clock, so the reader's zone is chosen so that 07:30 there has just passed (a whole-hour region zone).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import Services, open_services
from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.settings import load_settings
from bot.store.delivery_log import DeliveryLog
from bot.store.models import Identity
from bot.web.app import create_app
from tests.bot.delivery.conftest import wait_until
from tests.channels.slack.conftest import TEAM, event_body, post_signed, slash
from tests.clock import Clock, zone_where_it_is_just_past_0730
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub
from tests.tasks import stop

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
async def timed(slack_env: dict[str, str], clock: Clock) -> AsyncIterator[Services]:
    async with open_services(load_settings(env=slack_env), clock=clock) as opened:
        yield opened


async def test_a_slack_reader_gets_exactly_one_block_kit_digest_of_their_topics_at_0730(
    timed: Services, slack_stub: SlackApiStub, clock: Clock
) -> None:
    zone = zone_where_it_is_just_past_0730(datetime.now(UTC))
    slot = datetime.now(UTC).astimezone(ZoneInfo(zone)).replace(hour=7, minute=30, second=0, microsecond=0)
    clock.now = (slot - timedelta(hours=1)).astimezone(UTC)  # the reader chats at 06:30 their time
    me = Identity("slack", (TEAM, "W111"))

    transport = httpx.ASGITransport(app=create_app(timed))
    async with httpx.AsyncClient(transport=transport, base_url="http://aitoday.test") as http:
        for text in ("subscribe", f"timezone {zone}", "time 07:30"):
            response = await post_signed(http, slash(text), FORM)
            assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"
        dm = {"type": "message", "channel_type": "im", "channel": "D0DM", "user": "W111",
              "text": "topics add robotics", "ts": "2.2", "team": TEAM}
        assert (await post_signed(http, event_body(dm, event_id="EvE2E"), "application/json")).status_code == 200
        [reply] = await slack_stub.wait_for_posts(1)
        assert reply.channel == "D0DM" and reply.text.startswith("Added robotics.")

    sub = await timed.store.get(me)
    assert sub is not None and sub.active and sub.topics == ("robotics",) and sub.timezone == zone
    assert await timed.store.next_send_of(me) == slot.astimezone(UTC)

    planner = Planner(timed.runtime.redis, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 0  # 06:30: nothing due yet
    clock.now = slot.astimezone(UTC)
    assert (await planner.tick()).planned == 1
    assert (await planner.tick()).planned == 0

    worker = Worker(timed.runtime.redis, timed.store, timed.channels,
                    FixedEditions({"en": sample_edition()}), WorkerConfig(name="slack-e2e", concurrency=4))
    running = asyncio.create_task(worker.run())
    try:
        posts = await slack_stub.wait_for_posts(2)
        log = DeliveryLog(timed.runtime.redis)

        async def settled() -> bool:  # the log line is written with the stream ack
            return bool(await log.read(me.sid))

        await wait_until(settled, what="the delivery settled")
        assert (await planner.tick()).planned == 0
    finally:
        await stop(running)

    digests = [p for p in slack_stub.posts if p.blocks]
    assert len(digests) == 1 and len(slack_stub.posts) == 2 and posts[1] is digests[0]
    digest = digests[0]
    assert digest.channel == "W111" and digest.token == "xoxb-test-token"
    assert digest.blocks[0]["type"] == "header"
    robotics = [s for s in sample_edition().stories if "robotics" in s.topics]
    shown = [b["block_id"] for b in digest.blocks if b["type"] == "section"]
    assert shown == [f"story:{s.id}:s" for s in robotics]
    assert "&lt;!channel&gt; Boston Dynamics" in digest.blocks[1]["text"]["text"]
