"""A Telegram digest split in messages resumes after the last message Telegram accepted (issue 14, row 14).

Telegram takes no idempotency key. When part 2 of a long digest fails, the worker's retry must start at
part 2: the reader sees every story once, in order, never part 1 twice.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.subscriptions import SubscriptionStore
from channels.base import Delivery, Receipt, Recipient
from channels.telegram.channel import TelegramChannel, TelegramLimits
from summaries.models import Card, Edition
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.channels.telegram.conftest import SCALE, TOKEN, compressed_sleep
from tests.sample_edition import sample_edition
from tests.stubs.telegram_api import CANT_PARSE, PASS, SERVER_ERROR, Canned, TelegramApiStub
from tests.tasks import stop

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 4242


def _long_edition() -> Edition:
    """12 long stories: more than one 4,096-character message."""
    edition = sample_edition("en")
    card = Card(gist="g", what_happened="h" * 650, why_it_matters="m" * 650, what_to_watch="w" * 650)
    return replace(edition, stories=tuple(replace(edition.stories[i % 8], id=f"x{i}", card=card)
                                          for i in range(12)))


def _numbers(stub: TelegramApiStub) -> list[int]:
    return [int(n) for m in stub.messages_to(CHAT) for n in re.findall(r"^(\d+)\. ", m.visible, flags=re.MULTILINE)]


def _channel(stub: TelegramApiStub) -> TelegramChannel:
    return TelegramChannel(TOKEN, api_url=stub.api_url, limits=TelegramLimits(time_scale=SCALE),
                           sleep=compressed_sleep)


async def test_channel_sends_only_the_parts_not_yet_accepted(tg_stub: TelegramApiStub) -> None:
    channel = _channel(tg_stub)
    reported: list[int] = []

    async def progress(count: int) -> None:
        reported.append(count)

    delivery = Delivery(delivery_id="d1", recipient=Recipient("telegram", str(CHAT), "en"),
                        edition=_long_edition(), progress=progress)
    whole = await channel.send(delivery)
    assert whole.messages >= 3 and reported == list(range(1, whole.messages + 1))
    first = len(tg_stub.messages_to(CHAT))
    rest = await channel.send(replace(delivery, parts_done=2))
    assert rest.messages == whole.messages - 2
    assert [m.text for m in tg_stub.messages_to(CHAT)[first:]] == [m.text for m in tg_stub.messages_to(CHAT)[2:first]]
    await channel.aclose()


async def _deliver(redis: aioredis.Redis, stub: TelegramApiStub, *answers: Canned | None) -> list[Outcome]:
    """A 12-story digest due for CHAT, sent by a real worker while Telegram gives ``answers`` first; the
    delivery log's outcomes, newest first."""
    store = SubscriptionStore(redis)
    [sub] = await add_subscribers(store, [str(CHAT)])
    await store.update(sub.identity, lambda current: current.with_changes(items=20) if current else None)
    await make_due(redis, [sub], datetime.now(UTC) - timedelta(seconds=10))
    await Planner(redis, catch_up=timedelta(hours=6)).tick()
    stub.script(CHAT, *answers)
    channel = _channel(stub)
    worker = Worker(redis, store, {"telegram": channel}, FixedEditions({"en": _long_edition()}),
                    WorkerConfig(name="w1", lease_seconds=2.0, retry_seconds=0.05, retry_poll=0.05, idle_max=0.05))
    task = asyncio.create_task(worker.run())
    try:
        await wait_until(lambda: _delivered(redis, sub.sid), what="the digest sent")
    finally:
        await stop(task)
        await channel.aclose()
    return [e.outcome for e in await DeliveryLog(redis).read(sub.sid)]


async def _delivered(redis: aioredis.Redis, sid: str) -> bool:
    log = await DeliveryLog(redis).read(sid)
    return any(e.outcome is Outcome.SENT for e in log) and await pending_total(redis) == 0


async def test_a_failure_mid_digest_is_retried_from_the_failed_part(
    redis_client: aioredis.Redis, tg_stub: TelegramApiStub
) -> None:
    outcomes = await _deliver(redis_client, tg_stub, PASS, SERVER_ERROR)  # part 1 shown, part 2 refused with a 5xx
    assert _numbers(tg_stub) == list(range(1, 13))  # every story once, in order: part 1 not repeated
    assert outcomes == [Outcome.SENT, Outcome.TRANSIENT]  # newest first


async def test_a_plain_fallback_mid_digest_starts_after_the_stories_already_shown(
    redis_client: aioredis.Redis, tg_stub: TelegramApiStub
) -> None:
    # part 1 shown as HTML; Telegram cannot parse part 2 (a RenderBug): the plain fallback, cut differently,
    # must start with the first story part 1 did not show; its own part 2 then fails (a 5xx), and the retry
    # resumes the fallback after its part 1
    outcomes = await _deliver(redis_client, tg_stub, PASS, CANT_PARSE, PASS, SERVER_ERROR)
    sent = tg_stub.messages_to(CHAT)
    assert sent[0].parse_mode == "HTML" and len(sent) > 2 and all(m.parse_mode == "" for m in sent[1:])
    assert _numbers(tg_stub) == list(range(1, 13))  # every story once, in order: nothing twice, nothing lost
    assert outcomes == [Outcome.SENT, Outcome.TRANSIENT]  # the fallback's 5xx, then its resume


class _DiesAfterPartOne(TelegramChannel):
    """Telegram accepts part 1, its count is recorded, then the worker hangs there until it is stopped: a worker
    killed mid-digest, its entry left pending."""

    def __init__(self, stub: TelegramApiStub) -> None:
        super().__init__(TOKEN, api_url=stub.api_url, limits=TelegramLimits(time_scale=SCALE), sleep=compressed_sleep)
        self.dead = asyncio.Event()

    async def send(self, delivery: Delivery) -> Receipt:
        report = delivery.progress
        assert report is not None

        async def progress(count: int) -> None:
            await report(count)
            if count == 1:
                self.dead.set()
                await asyncio.Event().wait()

        return await super().send(replace(delivery, progress=progress))


@pytest.mark.parametrize("successor", ["w1", "w2"])  # w1 restarts and reads its own pending entry first;
async def test_a_worker_killed_mid_digest_is_resumed_after_the_part_shown(  # w2 takes it over after the lease
    redis_client: aioredis.Redis, tg_stub: TelegramApiStub, successor: str
) -> None:
    store = SubscriptionStore(redis_client)
    [sub] = await add_subscribers(store, [str(CHAT)])
    await store.update(sub.identity, lambda current: current.with_changes(items=20) if current else None)
    await make_due(redis_client, [sub], datetime.now(UTC) - timedelta(seconds=10))
    await Planner(redis_client, catch_up=timedelta(hours=6)).tick()
    editions = FixedEditions({"en": _long_edition()})
    config = WorkerConfig(name="w1", lease_seconds=2.0, retry_seconds=0.05, retry_poll=0.05, idle_max=0.05)
    dying = _DiesAfterPartOne(tg_stub)
    task = asyncio.create_task(Worker(redis_client, store, {"telegram": dying}, editions, config).run())
    try:
        await asyncio.wait_for(dying.dead.wait(), 30)
    finally:
        await stop(task)
        await dying.aclose()
    assert len(tg_stub.messages_to(CHAT)) == 1 and await pending_total(redis_client) == 1
    channel = _channel(tg_stub)
    task = asyncio.create_task(Worker(redis_client, store, {"telegram": channel}, editions,
                                      replace(config, name=successor)).run())
    try:
        await wait_until(lambda: _delivered(redis_client, sub.sid), what="the digest sent")
    finally:
        await stop(task)
        await channel.aclose()
    assert _numbers(tg_stub) == list(range(1, 13))  # every story once, in order: part 1 not shown again
