"""The one inbound pipeline: the same failure rules for every channel's webhook, over real HTTP.

Bad signature 401 (missing) / 403 (wrong), oversized 413, malformed 400 (a 100,000-deep JSON included, with a
valid signature), Redis unreachable or frozen 503 with ``Retry-After`` — never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.client import RedisClient
from bot.web.app import create_app
from tests.stubs.loopback import serve

TG_SECRET = "tg-Secret_0123456789"
LINE_SECRET = "line-channel-secret"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DEEP = b"[" * 100_000 + b"]" * 100_000  # 200 KB, within every channel's cap


def _env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "AITODAY_REDIS_URL": redis_url, "AITODAY_DATA_DIR": str(tmp_path / "data"),
        "AITODAY_SECRET_KEY": "test-secret-key-test-secret-key-web",
        "TELEGRAM_BOT_TOKEN": "7000001:TEST-token_abc", "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "AITODAY_TELEGRAM_API_URL": "http://127.0.0.1:9",
        "LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "line-token",
        "AITODAY_LINE_API_URL": "http://127.0.0.1:9",
        "SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "AITODAY_SLACK_API_URL": "http://127.0.0.1:9/",
    }


def _line_sig(body: bytes) -> str:
    return base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def _slack_headers(body: bytes, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SLACK_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


def _signed(channel: str, body: bytes) -> tuple[str, dict[str, str]]:
    """The webhook path and the headers that make ``body`` genuine on ``channel``."""
    if channel == "telegram":
        return "/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"}
    if channel == "line":
        return "/line/webhook", {"X-Line-Signature": _line_sig(body), "Content-Type": "application/json"}
    return "/slack/events", _slack_headers(body, "application/json")


async def _app(redis: RedisClient, redis_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(env=_env(redis_url, tmp_path))
    services = build_services(Runtime(settings=settings, redis=redis, redis_url=redis_url))
    try:
        async with serve(create_app(services)) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield http
    finally:
        await services.aclose()


@pytest.fixture
async def client(redis_client: RedisClient, redis_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _app(redis_client, redis_url, tmp_path):
        yield http


@pytest.fixture
async def down(redis_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a Redis that refuses connections (nothing listens on port 9)."""
    dead = aioredis.Redis.from_url("redis://127.0.0.1:9/0", decode_responses=True, socket_connect_timeout=0.5)
    async for http in _app(dead, redis_url, tmp_path):
        yield http
    await dead.aclose()


@pytest.mark.parametrize("channel", ["telegram", "line", "slack"])
async def test_a_100000_deep_json_with_a_valid_signature_is_400(client: httpx.AsyncClient, channel: str) -> None:
    path, headers = _signed(channel, DEEP)
    response = await client.post(path, content=DEEP, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize(("channel", "cap"), [("telegram", 512 * 1024), ("line", 256 * 1024), ("slack", 256 * 1024)])
async def test_an_oversized_body_is_413_before_anything_reads_it(
    client: httpx.AsyncClient, channel: str, cap: int
) -> None:
    body = b"{" + b" " * cap + b"}"
    path, headers = _signed(channel, body)
    assert (await client.post(path, content=body, headers=headers)).status_code == 413


@pytest.mark.parametrize("channel", ["telegram", "line", "slack"])
async def test_unsigned_is_401_and_forged_is_403(client: httpx.AsyncClient, channel: str) -> None:
    body = json.dumps({"update_id": 1, "events": [], "type": "event_callback"}).encode()
    path, headers = _signed(channel, body)
    unsigned = {k: v for k, v in headers.items() if k == "Content-Type"}
    assert (await client.post(path, content=body, headers=unsigned)).status_code == 401
    forged = {k: ("v0=" + "0" * 64 if "Signature" in k else "wrong" if "Secret" in k else v)
              for k, v in headers.items()}
    if channel == "line":
        forged["X-Line-Signature"] = _line_sig(b"other")
    assert (await client.post(path, content=body, headers=forged)).status_code == 403


async def test_with_redis_down_forged_is_still_403_and_genuine_is_503_with_retry_after(
    down: httpx.AsyncClient,
) -> None:
    update = json.dumps({"update_id": 7, "message": {"message_id": 1, "date": 1, "text": "/start",
                                                     "chat": {"id": 42, "type": "private"}}}).encode()
    forged = await down.post("/telegram/webhook", content=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert forged.status_code == 403
    path, headers = _signed("telegram", update)
    genuine = await down.post(path, content=update, headers=headers)
    assert genuine.status_code == 503 and int(genuine.headers["Retry-After"]) > 0
    event = json.dumps({"destination": "U1", "events": [{
        "type": "unfollow", "mode": "active", "timestamp": 1, "source": {"type": "user", "userId": "U1"},
        "webhookEventId": "01H", "deliveryContext": {"isRedelivery": False}}]}).encode()
    path, headers = _signed("line", event)
    line = await down.post(path, content=event, headers=headers)
    assert line.status_code == 503 and "Retry-After" in line.headers


@pytest.mark.slow
async def test_a_frozen_redis_is_503_within_seconds(client: httpx.AsyncClient, redis_client: RedisClient) -> None:
    update = json.dumps({"update_id": 8, "message": {"message_id": 1, "date": 1, "text": "/start",
                                                     "chat": {"id": 42, "type": "private"}}}).encode()
    path, headers = _signed("telegram", update)
    await redis_client.execute_command("CLIENT", "PAUSE", "5000", "WRITE")
    try:
        started = time.monotonic()
        response = await client.post(path, content=update, headers=headers)
        assert response.status_code == 503 and "Retry-After" in response.headers
        assert time.monotonic() - started < 4.5
    finally:
        await redis_client.execute_command("CLIENT", "UNPAUSE")
