"""Fixtures for LINE tests: the Messaging API stand-in on loopback, the real bot app over HTTP, and a signer.

Requests are signed with LINE's own algorithm (base64 HMAC-SHA256 of the raw body with the channel secret),
written out here independently of the SDK so that a bug in how we call the SDK cannot hide behind it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Services, open_services
from bot.settings import Settings, load_settings
from bot.web.app import create_app
from channels.line.channel import LineChannel
from tests.clock import Clock
from tests.conftest import PAYLOADS
from tests.stubs.line_api import LineApiStub
from tests.stubs.loopback import serve

SECRET = "channel_secret"
LINE_PAYLOADS = PAYLOADS / "line"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LINE_PAYLOADS / name).read_text(encoding="utf-8"))
    return data


def event_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "U123", "events": list(events)}, ensure_ascii=False).encode("utf-8")


def make_event(kind: str, user: str, event_id: str, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind, "mode": "active", "timestamp": 1462629479859,
        "source": {"type": "user", "userId": user}, "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
    }
    if kind != "unfollow":
        event["replyToken"] = f"reply-{event_id}"
    if kind == "follow":
        event["follow"] = {"isUnblocked": False}
    event.update(extra)
    return event


def text_event(user: str, text: str, event_id: str) -> dict[str, Any]:
    return make_event("message", user, event_id,
                      message={"id": event_id, "type": "text", "text": text, "quoteToken": "q"})


@pytest.fixture
def stub() -> LineApiStub:
    return LineApiStub()


@pytest.fixture
async def api_url(stub: LineApiStub) -> AsyncIterator[str]:
    async with serve(stub.app) as url:
        yield url


@pytest.fixture
async def channel(stub: LineApiStub, api_url: str) -> AsyncIterator[LineChannel]:
    line = LineChannel(stub.token, api_url)
    yield line
    await line.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))


@pytest.fixture
def settings(redis_url: str, api_url: str, stub: LineApiStub, tmp_path: Path) -> Settings:
    return load_settings(env={
        "AITODAY_REDIS_URL": redis_url,
        "AITODAY_DATA_DIR": str(tmp_path / "data"),
        "AITODAY_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": stub.token,
        "AITODAY_LINE_API_URL": api_url,
    })


@pytest.fixture
async def services(settings: Settings, clock: Clock) -> AsyncIterator[Services]:
    async with open_services(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
async def app_url(services: Services) -> AsyncIterator[str]:
    async with serve(create_app(services)) as url:
        yield url


Post = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
async def post(app_url: str) -> AsyncIterator[Post]:
    """``await post(body)`` signs ``body`` properly; pass ``signature=``/``headers=`` to forge."""
    async with httpx.AsyncClient(base_url=app_url, timeout=10) as client:

        async def send(body: bytes, *, signature: str | None = None, headers: dict[str, str] | None = None,
                       sign_it: bool = True) -> httpx.Response:
            sent = {"content-type": "application/json"}
            if sign_it:
                sent["x-line-signature"] = sign(body) if signature is None else signature
            sent.update(headers or {})
            return await client.post("/line/webhook", content=body, headers=sent)

        yield send
