"""A Slack digest split in posts resumes after the last post Slack accepted (issue 14, row 14).

Slack takes no idempotency key, so only we can know which posts a reader already has. A worker that dies
between post 1 and post 2 (the stand-in holds post 2 unanswered, then the worker is cancelled: nothing
settled, the entry left pending) is replaced by another that reclaims the entry and posts only what is left.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from channels.base import Delivery, Recipient, TransientError
from channels.slack.channel import SlackChannel
from summaries.models import Edition
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.channels.slack.conftest import BOT_TOKEN
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub
from tests.tasks import stop

ADDRESS = "T111:C111"


def _long_edition() -> Edition:
    """20 stories: Slack's 50-block limit splits the digest into two posts."""
    edition = sample_edition("en")
    base = edition.stories
    return replace(edition, stories=tuple(replace(base[i % len(base)], id=f"n{i}", url=f"https://news.example.com/n{i}")
                                          for i in range(20)))


def _channel(stub: SlackApiStub) -> SlackChannel:
    async def token_for(team: str) -> str | None:
        return BOT_TOKEN if team == "T111" else None

    return SlackChannel(api_url=stub.url, token_for=token_for)


def _headers(stub: SlackApiStub) -> list[str]:
    return [post.blocks[0]["text"]["text"] for post in stub.posts]


def _parts(stub: SlackApiStub) -> list[str]:
    """Each posted header's part marker ("(1/2)"), whatever the header says before it (date, reading time)."""
    headers = _headers(stub)
    assert all(header.startswith("AIToday · Fri 27 Nov 2026") for header in headers), headers
    return [header.rsplit(" ", 1)[-1] for header in headers]


@asynccontextmanager
async def _worker(redis: aioredis.Redis, channel: SlackChannel, name: str) -> AsyncIterator[None]:
    worker = Worker(redis, SubscriptionStore(redis), {"slack": channel}, FixedEditions({"en": _long_edition()}),
                    WorkerConfig(name=name, lease_seconds=1.0, retry_seconds=0.05, retry_poll=0.05, idle_max=0.05))
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        await stop(task)  # a crash: the entry in flight is neither settled nor acknowledged
        await channel.aclose()


async def test_channel_skips_the_posts_already_accepted_and_reports_each_new_one(slack_stub: SlackApiStub) -> None:
    channel = _channel(slack_stub)
    reported: list[int] = []

    async def progress(count: int) -> None:
        reported.append(count)

    delivery = Delivery(delivery_id="d1", recipient=Recipient("slack", ADDRESS, "en"), edition=_long_edition())
    slack_stub.fail_next("internal_error", status=500, times=1)  # the first post fails: nothing shown
    with pytest.raises(TransientError):
        await channel.send(replace(delivery, progress=progress))
    assert reported == [] and slack_stub.posts == []
    receipt = await channel.send(replace(delivery, progress=progress))
    assert reported == [1, 2] and receipt.messages == 2
    resumed = await channel.send(replace(delivery, parts_done=1, progress=progress))
    assert resumed.messages == 1
    assert _headers(slack_stub)[-1].endswith("(2/2)") and len(slack_stub.posts) == 3
    await channel.aclose()


async def test_a_worker_dying_mid_digest_is_resumed_after_the_last_accepted_post(
    redis_client: aioredis.Redis, slack_stub: SlackApiStub
) -> None:
    await _due(redis_client)

    slack_stub.hang_after = 1  # post 1 accepted; post 2 never answered: the worker dies waiting
    async with _worker(redis_client, _channel(slack_stub), "w1"):
        await asyncio.wait_for(slack_stub.hung.wait(), 30)
    assert _parts(slack_stub) == ["(1/2)"]

    slack_stub.hang_after = None
    async with _worker(redis_client, _channel(slack_stub), "w2"):  # reclaims the entry after its lease
        await slack_stub.wait_for_posts(2, timeout=30)
        await wait_until(lambda: _settled(redis_client), what="the delivery settled")
    assert _parts(slack_stub) == ["(1/2)", "(2/2)"]
    ids = [b["block_id"] for p in slack_stub.posts for b in p.blocks if b.get("type") == "section"]
    assert ids == [f"story:n{i}:s" for i in range(20)]  # every story once, in order
    log = await DeliveryLog(redis_client).read(Identity.parse(f"slack:{ADDRESS}").sid)
    assert [entry.outcome for entry in log] == [Outcome.SENT]


async def _due(redis: aioredis.Redis) -> None:
    """A 20-story digest due for ADDRESS, planned into the queue."""
    store = SubscriptionStore(redis)
    [sub] = await add_subscribers(store, [ADDRESS], channel="slack")
    await store.update(sub.identity, lambda current: current.with_changes(items=20) if current else None)
    await make_due(redis, [sub], datetime.now(UTC) - timedelta(seconds=10))
    await Planner(redis, catch_up=timedelta(hours=6)).tick()


async def _settled(redis: aioredis.Redis) -> bool:
    return await pending_total(redis) == 0


async def test_a_plain_fallback_mid_digest_posts_only_the_stories_not_yet_shown(
    redis_client: aioredis.Redis, slack_stub: SlackApiStub
) -> None:
    await _due(redis_client)

    slack_stub.fail_next("invalid_blocks", after=1)  # post 1 accepted, Slack refuses post 2's blocks
    async with _worker(redis_client, _channel(slack_stub), "w1"):
        await slack_stub.wait_for_posts(2, timeout=30)
        await wait_until(lambda: _settled(redis_client), what="the delivery settled")
    rich, *plain = slack_stub.posts
    assert [b["block_id"] for b in rich.blocks if b.get("type") == "section"] == [f"story:n{i}:s" for i in range(12)]
    assert plain and all(not post.blocks for post in plain)
    shown = [int(n) for post in plain for n in re.findall(r"news\.example\.com/n(\d+)\|", post.text)]
    assert shown == list(range(12, 20))  # after the rich post's stories: nothing twice, nothing lost
    log = await DeliveryLog(redis_client).read(Identity.parse(f"slack:{ADDRESS}").sid)
    assert [(entry.outcome, entry.detail) for entry in log] == [(Outcome.SENT, "plain fallback")]
