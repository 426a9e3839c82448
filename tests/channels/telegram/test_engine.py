"""The delivery engine acting on Telegram's refusals, through the real channel and the Bot API stand-in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from bot.store.client import RedisClient
from bot.store.models import Identity
from tests.channels.telegram.fanout import TOKEN, pending_total, plan, running_engine, subscribe_due
from tests.stubs.telegram_api import TelegramApiStub, retry_after

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SCALE = 20.0


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_blocked_moved_unparseable_and_told_to_wait(redis_client: RedisClient) -> None:
    async with TelegramApiStub(TOKEN, time_scale=SCALE) as stub:
        stub.blocked.add(201)
        stub.migrations[-202] = -100202
        stub.reject_html.add(203)
        stub.script(205, retry_after(1))
        store = await subscribe_due(redis_client, ["201", "-202", "203", "204", "205"])

        async def settled() -> bool:
            # a whole digest (five minutes of cards) may take two messages in plain text
            delivered = all(len(stub.messages_to(chat)) >= 1 for chat in (-100202, 203, 204, 205))
            return delivered and await pending_total(redis_client) == 0

        async with running_engine(redis_client, stub.api_url, scale=SCALE, workers=1):
            assert await plan(redis_client) == 5
            await _until(settled)

        blocked = await store.get(Identity("telegram", ("201",)))
        assert blocked is not None and not blocked.active
        assert blocked.deactivated_reason == "recipient gone: blocked by the user"
        old, new = await store.get(Identity("telegram", ("-202",))), await store.get(Identity("telegram", ("-100202",)))
        assert old is not None and not old.active
        assert new is not None and new.active
        assert stub.messages_to(203)[0].parse_mode == ""  # the one plain-text fallback
        assert stub.messages_to(204)[0].parse_mode == "HTML"
        assert stub.messages_to(201) == [] and stub.violations == []
