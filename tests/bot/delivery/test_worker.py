"""The worker against the recording stand-in: what subscribers receive, and what the log and queue say after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import keys
from bot.app import now_requester
from bot.content.editions import FixedEditions
from bot.conversation.commands import CommandHandler
from bot.delivery.planner import NowRequests
from bot.delivery.queue import Claimed, DeliveryQueue, Unit
from bot.store.client import RedisClient
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.models import Identity
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, stream_units, wait_until
from tests.bot.delivery.engine import running_worker
from tests.sample_edition import sample_edition
from tests.stubs.recording_provider import RecordingProvider

pytestmark = pytest.mark.both_redis  # stores, queue and engine: on one Redis and on a cluster


async def test_every_due_subscriber_gets_one_digest_and_the_log_says_so(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        subs = await add_subscribers(engine.store, [str(n) for n in range(60)])
        await make_due(redis_client, subs, datetime.now(UTC) - timedelta(seconds=30))
        assert (await engine.planner.tick()).planned == 60
        await provider.wait_accepted(60)
        await wait_until(lambda: _zero(pending_total(redis_client)), what="all entries acknowledged")
    assert sorted(a.address for a in provider.accepted) == sorted(str(n) for n in range(60))
    entries = await DeliveryLog(redis_client).read(subs[0].sid)
    assert [e.outcome for e in entries] == [Outcome.SENT]
    assert entries[0].provider_message_id.startswith("m") and not entries[0].late
    assert entries[0].delivery == f"{datetime.now(UTC).date().isoformat()}:0730"


async def test_a_delivery_already_marked_sent_is_not_sent_again(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        (sub,) = await add_subscribers(engine.store, ["7"])
        await make_due(redis_client, [sub], datetime.now(UTC) - timedelta(seconds=5))
        await engine.planner.tick()
        await provider.wait_accepted(1)
        await wait_until(lambda: _zero(pending_total(redis_client)), what="ack")
        # Someone replays the same unit (a dead letter replay, a reclaimed duplicate): the sent-marker stops it.
        unit = Unit(f"{sub.sid}:{datetime.now(UTC).date().isoformat()}:0730", due=int(datetime.now(UTC).timestamp()))
        await redis_client.xadd(keys.shard_stream(unit.shard), {"u": unit.encode()})
        await wait_until(lambda: _log_has(redis_client, sub.sid, Outcome.DUPLICATE), what="duplicate recorded")
    assert provider.accepted_count == 1


async def test_now_sends_the_latest_edition_through_the_stream_once_per_cooldown(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        editions = FixedEditions({"en": sample_edition("en")})
        handler = CommandHandler(engine.store, request_now=now_requester(
            editions, NowRequests(redis_client, cooldown_seconds=600)))
        who = Identity.parse("telegram:99")
        first = await handler.handle(who, "now")
        assert first.text == "Today's digest is on its way."
        await provider.wait_accepted(1)
        second = await handler.handle(who, "now")
        assert second.text == "You just asked for a digest; please wait a few minutes."
        other = await handler.handle(Identity.parse("telegram:100"), "now")
        assert other.text == "Today's digest is on its way."
        await provider.wait_accepted(2)
    assert sorted(a.address for a in provider.accepted) == ["100", "99"]
    none = CommandHandler(engine.store, request_now=now_requester(
        FixedEditions({}), NowRequests(redis_client, cooldown_seconds=600)))
    assert (await none.handle(Identity.parse("telegram:5"), "now")).text.startswith("There is no digest yet")


async def _zero(value: object) -> bool:
    return await value == 0  # type: ignore[misc]


async def _log_has(redis: RedisClient, sid: str, outcome: Outcome) -> bool:
    return any(e.outcome is outcome for e in await DeliveryLog(redis).read(sid))


async def test_trimming_keeps_every_pending_and_unread_entry(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        subs = await add_subscribers(engine.store, [str(n) for n in range(20)])
        await make_due(redis_client, subs, datetime.now(UTC) - timedelta(seconds=5))
        await engine.planner.tick()
        await provider.wait_accepted(20)
        await wait_until(lambda: _zero(pending_total(redis_client)), what="acknowledged")
    queue = DeliveryQueue(redis_client, "stalled")
    late = await add_subscribers(engine.store, ["late1", "late2"])
    await make_due(redis_client, late, datetime.now(UTC) - timedelta(seconds=5))
    await engine.planner.tick()
    held: list[Claimed] = []
    for _ in range(2 * keys.SHARDS):  # the window rotates over the shards, one at a time here
        held = held or await queue.read(1)  # one entry read by a worker that then stalls: pending, not acked
    await queue.trim()
    remaining = await stream_units(redis_client)
    assert len(held) == 1 and held[0].unit is not None
    assert held[0].unit.delivery_id in remaining  # the pending entry stays
    assert {u.split(":")[0] for u in remaining} >= {late[0].sid, late[1].sid}  # so does the unread one
    assert not {s.sid for s in subs} & {u.split(":")[0] for u in remaining}  # acknowledged ones are gone
