"""Sign in with Slack against the local Slack stand-in: offered only when configured, the state used once,
a refused code back on the login page, and a signed-in reader who can comment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.app import open_services
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.web.conftest import Site, store_sample_editions
from tests.bot.web.readers import csrf_of
from tests.stubs.loopback import loopback_socket, serve_on, url_of
from tests.stubs.slack_api import SlackApiStub

CLAIMS = {"sub": "U123", "https://slack.com/user_id": "U123", "https://slack.com/team_id": "T9", "name": "Kai"}


@pytest.fixture
async def slack() -> AsyncIterator[SlackApiStub]:
    stub = SlackApiStub(oidc_client=("cid.1", "csecret"))
    await stub.start()
    try:
        yield stub
    finally:
        await stub.stop()


@pytest.fixture
async def slack_site(redis_url: str, slack: SlackApiStub) -> AsyncIterator[Site]:
    sock = loopback_socket()
    url = url_of(sock)
    settings = load_settings(redis_url=redis_url, public_url=url, slack_client_id="cid.1",
                             slack_client_secret="csecret", slack_api_url=slack.url)
    async with open_services(settings) as services, serve_on(create_app(services), sock):
        yield Site(url=url, services=services)


async def _to_slack(client: httpx.AsyncClient, next_path: str) -> dict[str, list[str]]:
    login = await client.get(f"/login?next={next_path}")
    assert "Sign in with Slack" in login.text
    start = await client.get(f"/login/slack?next={next_path}")
    assert start.status_code == 302
    target = urlsplit(start.headers["location"])
    assert target.path == "/openid/connect/authorize"
    return parse_qs(target.query)


async def test_sign_in_with_slack_then_comment(slack_site: Site, slack: SlackApiStub) -> None:
    await store_sample_editions(slack_site)
    async with httpx.AsyncClient(base_url=slack_site.url) as client:
        query = await _to_slack(client, "/stories/s02")
        assert query["scope"] == ["openid profile"] and query["client_id"] == ["cid.1"]
        assert query["redirect_uri"] == [slack_site.url + "/login/slack/callback"]
        slack.oidc_codes["code-1"] = CLAIMS
        back = await client.get(f"/login/slack/callback?code=code-1&state={query['state'][0]}")
        assert back.status_code == 303 and back.headers["location"] == "/stories/s02"
        session = next(c for c in back.headers.get_list("set-cookie") if c.startswith("aitoday_session="))
        assert "HttpOnly" in session and "SameSite=lax" in session
        page = await client.get("/stories/s02")
        posted = await client.post("/stories/s02/comments",
                                   data={"csrf": csrf_of(page.text), "name": "Kai", "text": "From Slack"})
        assert posted.status_code == 303
        assert "From Slack" in (await client.get("/stories/s02")).text
        # the state was used up: replaying the callback signs nobody in
        replay = await client.get(f"/login/slack/callback?code=code-1&state={query['state'][0]}")
        assert replay.status_code == 303 and replay.headers["location"].startswith("/login?e=slack")


async def test_a_refused_code_returns_to_the_login_page_with_a_sentence(slack_site: Site) -> None:
    async with httpx.AsyncClient(base_url=slack_site.url) as client:
        query = await _to_slack(client, "/")
        back = await client.get(f"/login/slack/callback?code=wrong&state={query['state'][0]}")
        assert back.status_code == 303 and "aitoday_session" not in back.headers.get("set-cookie", "")
        page = await client.get(back.headers["location"])
    assert "Signing in with Slack didn&#39;t work" in page.text and 'action="/login"' in page.text


async def test_without_slack_settings_there_is_no_slack_button(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as client:
        assert "Sign in with Slack" not in (await client.get("/login")).text
        assert (await client.get("/login/slack")).status_code == 404
