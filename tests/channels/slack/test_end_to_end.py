"""The acceptance story on Slack: subscribe, ``time 07:30`` and ``topics add robotics`` by chat; the clock reaches
07:30 in the reader's zone; the stand-in records exactly one Block Kit digest holding only robotics stories.

Everything is real: signed requests over HTTP into the app, Redis, the planner, the delivery worker, the Slack
channel from the registry with slack_sdk, and the Web API stand-in (the story's common steps:
``tests/channels/acceptance.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.app import Services, open_services
from bot.settings import load_settings
from bot.store.models import Identity
from bot.web.app import create_app
from tests.channels.acceptance import delivering, morning, planned_once_at_0730
from tests.channels.slack.conftest import TEAM, event_body, post_signed, slash
from tests.clock import Clock
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub

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
    day = morning(clock)
    me = Identity("slack", (TEAM, "W111"))

    transport = httpx.ASGITransport(app=create_app(timed))
    async with httpx.AsyncClient(transport=transport, base_url="http://aitoday.test") as http:
        for text in ("subscribe", f"timezone {day.zone}", "time 07:30"):
            response = await post_signed(http, slash(text), FORM)
            assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"
        dm = {"type": "message", "channel_type": "im", "channel": "D0DM", "user": "W111",
              "text": "topics add robotics", "ts": "2.2", "team": TEAM}
        assert (await post_signed(http, event_body(dm, event_id="EvE2E"), "application/json")).status_code == 200
        [reply] = await slack_stub.wait_for_posts(1)
        assert reply.channel == "D0DM" and reply.text.startswith("Added robotics.")

    planner = await planned_once_at_0730(timed, me, day, clock)

    async with delivering(timed, me, "slack-e2e"):
        posts = await slack_stub.wait_for_posts(2)
    assert (await planner.tick()).planned == 0  # delivered: nothing is due again today

    digests = [p for p in slack_stub.posts if p.blocks]
    assert len(digests) == 1 and len(slack_stub.posts) == 2 and posts[1] is digests[0]
    digest = digests[0]
    assert digest.channel == "W111" and digest.token == "xoxb-test-token"
    assert digest.blocks[0]["type"] == "header"
    robotics = [s for s in sample_edition().stories if "robotics" in s.topics]
    shown = [b["block_id"] for b in digest.blocks if b["type"] == "section"]
    assert shown == [f"story:{s.id}:s" for s in robotics]
    assert "&lt;!channel&gt; Boston Dynamics" in digest.blocks[1]["text"]["text"]
