"""The console channel prints the digest a reader would read, and a slot caught up after downtime says late."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from bot.store.client import RedisClient
from bot.store.delivery_log import DeliveryLog
from bot.store.models import Identity
from channels.base import Delivery, Recipient
from channels.console import ConsoleChannel
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.bot.delivery.engine import running_worker
from tests.sample_edition import sample_edition


async def test_console_prints_each_story_with_its_three_key_points() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(out)
    edition = sample_edition("ja").for_subscriber(items=2)
    receipt = await channel.send(Delivery("sid:now:1", Recipient("console", "me", "ja"), edition, late=True))
    text = out.getvalue()
    assert text.startswith("--- to console:me [遅配] (sid:now:1)\nAIToday — 2026-11-27")
    assert text.count("何が起きたか:") == 2 and text.count("なぜ重要か:") == 2 and text.count("今後の注目点:") == 2
    assert receipt.provider_message_id == "console-1"
    assert channel.rate_limits(Recipient("console", "me")) == ()


async def test_a_slot_caught_up_after_downtime_is_delivered_and_marked_late(redis_client: RedisClient) -> None:
    out = io.StringIO()
    async with running_worker(redis_client, "http://127.0.0.1:9", channel=ConsoleChannel(out)) as engine:
        subs = await add_subscribers(engine.store, ["me"], channel="console")
        await make_due(redis_client, subs, datetime.now(UTC) - timedelta(hours=2))  # the service was down
        assert (await engine.planner.tick()).planned == 1
        await wait_until(lambda: _settled(redis_client), what="delivered")
    assert out.getvalue().startswith("--- to console:me [late]")
    (entry,) = await DeliveryLog(redis_client).read(subs[0].sid)
    assert entry.late and entry.outcome.value == "sent"


async def _settled(redis: RedisClient) -> bool:
    logged = await DeliveryLog(redis).read(Identity.parse("console:me").sid)
    return await pending_total(redis) == 0 and bool(logged)
