"""A 👍/👎 pressed in Slack while Redis is down: the reader is told at once, on the press's ``response_url``.

Slack never delivers an interactivity payload again, and it ignores the body of the answer to a ``block_actions``
request, so a "try again" in the HTTP answer (what a slash command gets) would never be seen. The reader must get
an ephemeral message through ``response_url`` instead, and a press once Redis is back counts as usual.
The test runs a redis-server of its own (never the session's shared one) and stops it under the running app.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from bot.app import open_services
from bot.redis_server import EmbeddedRedis
from bot.settings import load_settings
from bot.store.edition_store import EditionStore
from bot.store.feedback import FeedbackStore, Vote
from bot.store.models import Identity
from bot.web.app import create_app
from channels.slack.render import ACTION_LIKE
from tests.channels.slack.conftest import post_signed
from tests.conftest import PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub

FORM = "application/x-www-form-urlencoded"
READER = Identity.parse("slack:T111:W111")


def _press(stub: SlackApiStub, press: int) -> bytes:
    """A 👍 on story s02 in the reader's DM, as Slack sends it, with a ``response_url`` the stand-in answers."""
    payload = json.loads((PAYLOADS / "slack" / "block_actions_button.json").read_text())["payload"]
    payload["trigger_id"] += f".{press}"
    payload["actions"][0].update(action_id=ACTION_LIKE, value="s02")
    payload["channel"]["id"] = payload["container"]["channel_id"] = "D0DM"
    payload["response_url"] = stub.response_url(f"T111/{press}/x")
    return ("payload=" + quote(json.dumps(payload))).encode()


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    yield server
    server.stop(force=True)


async def test_a_thumb_pressed_while_redis_is_down_says_try_again_and_counts_once_it_is_back(
    own_redis: EmbeddedRedis, slack_env: dict[str, str], slack_stub: SlackApiStub,
) -> None:
    settings = load_settings(env={**slack_env, "AITODAY_REDIS_URL": own_redis.url})
    async with open_services(settings) as services, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(services)), base_url="http://aitoday.test") as client:
        await EditionStore(services.runtime.redis).save(sample_edition())
        own_redis.stop(force=True)
        pressed = await post_signed(client, _press(slack_stub, 1), FORM)
        assert pressed.status_code == 200  # not an error Slack would show in place of ours
        [told] = await slack_stub.wait_for_hooks(1, timeout=20)
        assert told["response_type"] == "ephemeral" and told["replace_original"] is False
        assert told["text"] == "Your button press could not be recorded just now. Please press it again in a minute."
        assert slack_stub.posts == []

        own_redis.start()
        again = await post_signed(client, _press(slack_stub, 2), FORM)
        assert again.status_code == 200
        [noted] = await slack_stub.wait_for_posts(1, timeout=20)
        assert noted.channel == "D0DM" and noted.text.startswith("👍 Noted: more like")
        assert await FeedbackStore(services.runtime.redis).votes(READER.sid) == {"s02": Vote.UP}
        assert len(slack_stub.hook_messages) == 1
