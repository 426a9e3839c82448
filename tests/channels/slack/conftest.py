"""Fixtures of the Slack tests: the Web API stand-in on loopback, and a signer using Slack's real v0 algorithm."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.app import Services, open_services
from bot.settings import load_settings
from bot.web.app import create_app
from tests.stubs.slack_api import SlackApiStub

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"


def sign(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body``: ``v0=HMAC_SHA256(secret, "v0:{ts}:{body}")``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@pytest.fixture
async def slack_stub() -> AsyncIterator[SlackApiStub]:
    stub = SlackApiStub()
    await stub.start()
    yield stub
    await stub.stop()


TEAM = "T111"


@pytest.fixture
def slack_env(redis_url: str, slack_stub: SlackApiStub, tmp_path: Path) -> dict[str, str]:
    """Single-workspace settings pointing the real SDK at the stand-in."""
    return {
        "AITODAY_REDIS_URL": redis_url,
        "AITODAY_DATA_DIR": str(tmp_path / "data"),
        "AITODAY_SECRET_KEY": "test-secret-key-test-secret-key-slack",
        "AITODAY_SLACK_API_URL": slack_stub.url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }


@pytest.fixture
async def services(slack_env: dict[str, str]) -> AsyncIterator[Services]:
    async with open_services(load_settings(env=slack_env)) as opened:
        yield opened


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app, over HTTP (httpx's ASGI transport)."""
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://aitoday.test") as http:
        yield http


async def post_signed(
    http: httpx.AsyncClient, body: bytes, content_type: str, *, timestamp: int | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    headers = {"Content-Type": content_type, **sign(body, timestamp=timestamp), **(extra or {})}
    return await http.post("/slack/events", content=body, headers=headers)


def slash(text: str, *, channel: str = "D0DM", user: str = "W111", team: str = TEAM,
          response_url: str = "https://hooks.slack.com/commands/T111/111/xxxxx") -> bytes:
    """A slash command body as Slack sends it (form-encoded, fields of the bolt fixture)."""
    return urlencode({
        "token": "verification_token", "team_id": team, "team_domain": "test-domain", "channel_id": channel,
        "channel_name": "random", "user_id": user, "user_name": "someone", "command": "/aitoday", "text": text,
        "response_url": response_url,
        "trigger_id": f"111.111.{uuid.uuid4().hex}",  # Slack's is unique per invocation
    }).encode()


def event_body(event: dict[str, Any], *, event_id: str = "Ev111", team: str = TEAM) -> bytes:
    return json.dumps({
        "token": "verification_token", "team_id": team, "api_app_id": "A111", "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
    }).encode()
