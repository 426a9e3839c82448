"""Fixtures of the ingest tests: a loopback feed server and a fetcher allowed to reach it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from summaries.fetch import Fetcher, FetchLimits
from summaries.ssrf import AddressPolicy
from tests.summaries.feedserver import FeedServer

#: Test limits: production's, with timeouts short enough that a stalling server costs a second or two.
TEST_LIMITS = FetchLimits(total_timeout=2.0, connect_timeout=1.0, read_timeout=1.0)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher whose SSRF guard lets loopback through (what AITODAY_FETCH_ALLOW=127.0.0.1 does)."""
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS) as client:
        yield client
