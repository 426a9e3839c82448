"""A store whose Redis does not answer raises ``StoreUnavailable``, so callers can answer 503 without knowing Redis."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from bot.delivery.queue import DeliveryQueue
from bot.store import StoreUnavailable, counters
from bot.store.client import RedisClient, open_client
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore


@pytest.fixture
async def unreachable() -> AsyncIterator[RedisClient]:
    """A client for a loopback port where nothing listens (bound, then closed: refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = open_client(f"redis://127.0.0.1:{port}", cluster=False, socket_timeout=1)  # nothing to ask
    yield client
    await client.aclose()


async def test_a_store_method_raises_store_unavailable(unreachable: RedisClient) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        await SubscriptionStore(unreachable).get(Identity.parse("telegram:42"))
    assert caught.value.__cause__ is not None  # the library's error stays readable in the log


async def test_an_iterating_store_method_raises_store_unavailable(unreachable: RedisClient) -> None:
    with pytest.raises(StoreUnavailable):
        [sub async for sub in SubscriptionStore(unreachable).all()]


async def test_counters_and_the_queue_raise_store_unavailable(unreachable: RedisClient) -> None:
    with pytest.raises(StoreUnavailable):
        await counters.incr(unreachable, "articles")
    with pytest.raises(StoreUnavailable):
        await DeliveryQueue(unreachable).dead_letters()


async def test_a_working_store_raises_nothing(redis_client: RedisClient) -> None:
    assert await SubscriptionStore(redis_client).get(Identity.parse("telegram:42")) is None
