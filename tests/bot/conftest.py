"""Fixtures for bot tests: a store on the real Redis with a controllable clock, and a chat helper."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.conversation.commands import CommandHandler, Reply
from bot.store.client import RedisClient
from bot.store.link_codes import LinkCodes
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from tests.clock import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))


@pytest.fixture
def store(redis_client: RedisClient, clock: Clock) -> SubscriptionStore:
    return SubscriptionStore(redis_client, clock=clock)


@pytest.fixture
def handler(store: SubscriptionStore, redis_client: RedisClient) -> CommandHandler:
    return CommandHandler(store, link_codes=LinkCodes(redis_client))


Chat = Callable[[str, str], Awaitable[Reply]]


@pytest.fixture
def chat(handler: CommandHandler) -> Chat:
    """``await chat("telegram:42", "time 7:30")`` → the reply, as a transcript reads."""

    async def send(who: str, text: str) -> Reply:
        return await handler.handle(Identity.parse(who), text)

    return send
