"""Fixtures of the Telegram tests: the Bot API stand-in on loopback and the channel pointed at it.

``SCALE`` compresses the clock: the stand-in's windows and the channel's declared limits and sleeps all run
``SCALE`` times faster, so Telegram's real limits (30/s, 1/s per chat, 20/min per group) keep their shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from channels.telegram import TelegramChannel, TelegramLimits
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
