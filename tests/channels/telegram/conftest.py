"""Fixtures of the Telegram tests: the Bot API stand-in on loopback and the channel pointed at it.

``SCALE`` compresses the clock: the stand-in's windows and the channel's declared limits and sleeps all run
``SCALE`` times faster, so Telegram's real limits (30/s, 1/s per chat, 20/min per group) keep their shape.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.app import Services, build_services
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.client import RedisClient
from bot.store.models import Identity, Subscription
from bot.web.app import create_app
from channels.telegram.channel import TelegramChannel, TelegramLimits
from tests.stubs.loopback import serve
from tests.stubs.telegram_api import TelegramApiStub

SCALE = 20.0
TOKEN = "7000001:TEST-token_abc"


async def compressed_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds / SCALE)


@pytest.fixture
async def tg_stub() -> AsyncIterator[TelegramApiStub]:
    async with TelegramApiStub(TOKEN, time_scale=SCALE) as stub:
        yield stub


@pytest.fixture
async def channel(tg_stub: TelegramApiStub) -> AsyncIterator[TelegramChannel]:
    chan = TelegramChannel(TOKEN, api_url=tg_stub.api_url, limits=TelegramLimits(time_scale=SCALE),
                           sleep=compressed_sleep)
    yield chan
    await chan.aclose()


# ---------------------------------------------------------------------------------------------- the webhook

SECRET = "wh-Secret_0123456789abcdef"
BOT_USERNAME = "AITodayBot"


@dataclass
class Chat:
    """Talks to the bot through ``POST /telegram/webhook`` as Telegram would, and reads what it answered."""

    http: httpx.AsyncClient
    stub: TelegramApiStub
    services: Services
    next_update: int = 1000

    def message_update(self, text: str, *, chat_id: int = 42, user_id: int = 42, language: str = "en",
                       sender_chat: bool = False) -> dict[str, Any]:
        self.next_update += 1
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "AI readers"
        else:
            chat["first_name"] = "Ada"
        message: dict[str, Any] = {
            "message_id": self.next_update, "date": 1764223200, "chat": chat, "text": text,
            "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": language},
        }
        if sender_chat:
            message["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
            message["sender_chat"] = chat
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self.next_update, "message": message}

    def callback_update(self, data: str, *, chat_id: int = 42, user_id: int = 42,
                        language: str = "en") -> dict[str, Any]:
        self.next_update += 1
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        return {"update_id": self.next_update, "callback_query": {
            "id": f"cq{self.next_update}", "chat_instance": "-99", "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": language},
            "message": {"message_id": 7, "date": 1764223200, "chat": chat, "text": "settings",
                        "from": {"id": 7000001, "is_bot": True, "first_name": "AIToday"}},
        }}

    async def post(self, update: dict[str, Any], *, secret: str | bytes | None = SECRET) -> httpx.Response:
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.http.post("/telegram/webhook", content=json.dumps(update), headers=headers)

    async def say(self, text: str, **kwargs: Any) -> list[str]:
        """Send ``text`` and return the texts the bot sent back to that chat."""
        chat_id = kwargs.get("chat_id", 42)
        before = len(self.stub.messages_to(chat_id))
        response = await self.post(self.message_update(text, **kwargs))
        assert response.status_code == 200, response.text
        return [m.visible for m in self.stub.messages_to(chat_id)[before:]]

    async def sub(self, chat_id: int = 42) -> Subscription | None:
        return await self.services.store.get(Identity("telegram", (str(chat_id),)))


@pytest.fixture
async def chat(redis_client: RedisClient, redis_url: str) -> AsyncIterator[Chat]:
    """The bot's webhook over loopback HTTP, wired to a real Redis and the Bot API stand-in."""
    async with TelegramApiStub(TOKEN, time_scale=1000.0) as stub:
        settings = load_settings(env={
            "AITODAY_REDIS_URL": redis_url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "AITODAY_TELEGRAM_API_URL": stub.api_url, "AITODAY_DATA_DIR": "data",
        })
        services = build_services(Runtime(settings=settings, redis=redis_client, redis_url=redis_url))
        async with serve(create_app(services)) as url, httpx.AsyncClient(base_url=url) as http:
            yield Chat(http=http, stub=stub, services=services)
        await services.aclose()
