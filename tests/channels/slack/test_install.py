"""Multi-workspace install: the OAuth flow on the real app, installs and state kept in Redis, sends per workspace."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.app import Services, open_services
from bot.settings import load_settings
from bot.store.client import RedisClient
from bot.store.slack import RedisSlackInstallRecords
from bot.web.app import create_app
from channels.base import Delivery, Recipient
from channels.slack.installs import SlackInstallationStore, SlackStateStore
from tests.channels.slack.conftest import post_signed, slash
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub

INSTALLED_TOKEN = "xoxb-installed-T222"

# slack_sdk's oauth.v2.access still passes aiohttp.BasicAuth, which aiohttp 3.14 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


def _installs(redis: RedisClient) -> SlackInstallationStore:
    return SlackInstallationStore(RedisSlackInstallRecords(redis))


@pytest.fixture
async def multi(slack_env: dict[str, str], slack_stub: SlackApiStub) -> AsyncIterator[Services]:
    env = {k: v for k, v in slack_env.items() if k != "SLACK_BOT_TOKEN"}
    env.update(SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="client-secret",
               AITODAY_PUBLIC_URL="https://aitoday.example")
    slack_stub.tokens[INSTALLED_TOKEN] = "T222"
    slack_stub.oauth_codes["code-1"] = {
        "access_token": INSTALLED_TOKEN, "token_type": "bot", "scope": "chat:write,commands",
        "bot_user_id": "UBOT2", "app_id": "A111", "team": {"id": "T222", "name": "Two"}, "enterprise": None,
        "authed_user": {"id": "U9"}, "is_enterprise_install": False,
    }
    async with open_services(load_settings(env=env)) as opened:
        yield opened


@pytest.fixture
async def http(multi: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(multi))
    async with httpx.AsyncClient(transport=transport, base_url="https://aitoday.example") as client:
        yield client


async def _install(http: httpx.AsyncClient) -> tuple[httpx.Response, str]:
    page = await http.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([\w\-]+)", page.text)
    assert state is not None
    done = await http.get("/slack/oauth_redirect", params={"code": "code-1", "state": state.group(1)})
    return done, state.group(1)


async def test_install_stores_the_workspace_token_and_the_digest_goes_out_with_it(
    http: httpx.AsyncClient, multi: Services, slack_stub: SlackApiStub, redis_client: RedisClient
) -> None:
    done, state = await _install(http)
    assert done.status_code == 200
    assert "oauth.v2.access" in slack_stub.calls
    bot = await _installs(redis_client).async_find_bot(enterprise_id=None, team_id="T222")
    assert bot is not None and bot.bot_token == INSTALLED_TOKEN
    assert not await SlackStateStore(RedisSlackInstallRecords(redis_client)).async_consume(state)  # used once, gone

    receipt = await multi.channels["slack"].send(Delivery(
        delivery_id="d1", recipient=Recipient("slack", "T222:C5", "en"), edition=sample_edition()))
    assert receipt.messages == 1
    assert slack_stub.posts[-1].token == INSTALLED_TOKEN and slack_stub.posts[-1].channel == "C5"

    response = await post_signed(http, slash("subscribe", team="T222", channel="D1", user="U9"),
                                 "application/x-www-form-urlencoded")
    assert response.json()["text"].startswith("Subscribed")


async def test_a_forged_or_replayed_oauth_state_installs_nothing(
    http: httpx.AsyncClient, redis_client: RedisClient, slack_stub: SlackApiStub
) -> None:
    forged = await http.get("/slack/oauth_redirect", params={"code": "code-1", "state": "made-up"})
    assert 400 <= forged.status_code < 500
    assert "oauth.v2.access" not in slack_stub.calls
    assert await _installs(redis_client).async_find_bot(enterprise_id=None, team_id="T222") is None


async def test_commands_from_a_workspace_that_never_installed_are_refused_politely(
    http: httpx.AsyncClient, slack_stub: SlackApiStub, multi: Services
) -> None:
    body = slash("subscribe", team="T999", response_url=slack_stub.response_url())
    response = await post_signed(http, body, "application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert "Subscribed" not in response.text
    assert len(slack_stub.hook_messages) == 1  # bolt tells the user, on the command's response_url
    assert [s async for s in multi.store.all()] == []


async def test_installation_store_round_trip_and_delete_all(redis_client: RedisClient) -> None:
    from slack_sdk.oauth.installation_store.models.installation import Installation

    store = _installs(redis_client)
    installation = Installation(app_id="A1", enterprise_id="E1", team_id="T1", user_id="U1", bot_token="xoxb-1",
                                bot_id="B1", bot_user_id="UB1", bot_scopes="chat:write",
                                installed_at=datetime(2026, 11, 27, tzinfo=UTC).timestamp())
    await store.async_save(installation)
    found = await store.async_find_installation(enterprise_id="E1", team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1" and found.user_id == "U1"
    mine = await store.async_find_installation(enterprise_id="E1", team_id="T1", user_id="U1")
    assert mine is not None and mine.bot_token == "xoxb-1"
    await store.async_delete_all(enterprise_id="E1", team_id="T1")
    assert await store.async_find_installation(enterprise_id="E1", team_id="T1") is None
    assert await store.async_find_bot(enterprise_id="E1", team_id="T1") is None
    assert [k async for k in redis_client.scan_iter(match="aitoday:v1:{slack}:*")] == []
