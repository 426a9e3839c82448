"""One action per failure class, as a subscriber and an operator see it (stand-in answers over real HTTP)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot import keys
from bot.delivery.pacing import Pacer
from bot.delivery.queue import DeliveryQueue
from bot.store.client import RedisClient
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.models import Identity
from channels.base import (
    Delivery,
    InstallBroken,
    QuotaExceeded,
    RateLimit,
    Receipt,
    Recipient,
    RecipientMoved,
    RenderBug,
)
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.bot.delivery.engine import running_worker
from tests.bot.delivery.http_channel import HttpTestChannel
from tests.stubs.recording_provider import RecordingProvider


async def _plan(engine_store: object, redis: RedisClient, planner: object, addresses: Sequence[str]) -> None:
    subs = await add_subscribers(engine_store, addresses)  # type: ignore[arg-type]
    await make_due(redis, subs, datetime.now(UTC) - timedelta(seconds=10))
    await planner.tick()  # type: ignore[attr-defined]


async def _tried(provider: RecordingProvider, address: str) -> bool:
    """Pending 0 alone may be read before a worker has taken an entry at all (unread is not pending)."""
    return provider.attempts.get(address, 0) > 0


async def _outcomes(redis: RedisClient, address: str) -> list[Outcome]:
    return [e.outcome for e in await DeliveryLog(redis).read(Identity.parse(f"telegram:{address}").sid)]


async def _settled(redis: RedisClient) -> bool:
    return await pending_total(redis) == 0


@pytest.mark.both_redis
async def test_always_failing_recipients_are_tried_exactly_n_times_then_dead_lettered_once(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    addresses = [str(n) for n in range(100)]
    provider.fail = {"13"}  # 1 % of recipients always answer 500
    async with running_worker(redis_client, provider.url, max_attempts=4) as engine:
        await _plan(engine.store, redis_client, engine.planner, addresses)
        await provider.wait_accepted(99)
        queue = DeliveryQueue(redis_client)
        await wait_until(lambda: _dead_count(queue, 1), what="one dead letter")
        await wait_until(lambda: _settled(redis_client), what="all settled")
    assert provider.attempts["13"] == 4
    (letter,) = await DeliveryQueue(redis_client).dead_letters()
    assert letter.unit.sid == Identity.parse("telegram:13").sid
    assert "after 4 attempts" in letter.reason and "HTTP 500" in letter.reason
    assert await _outcomes(redis_client, "13") == [Outcome.DEAD, *[Outcome.TRANSIENT] * 3]


async def _dead_count(queue: DeliveryQueue, n: int) -> bool:
    return len(await queue.dead_letters()) == n


async def test_replaying_a_dead_letter_delivers_it_once_the_recipient_works_again(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    provider.fail = {"1"}
    async with running_worker(redis_client, provider.url, max_attempts=2) as engine:
        await _plan(engine.store, redis_client, engine.planner, ["1"])
        queue = DeliveryQueue(redis_client)
        await wait_until(lambda: _dead_count(queue, 1), what="dead letter")
        provider.fail = set()
        assert await queue.replay(await queue.dead_letters()) == 1
        await provider.wait_accepted(1)
        await wait_until(lambda: _settled(redis_client), what="settled")
    assert await DeliveryQueue(redis_client).dead_letters() == []
    assert (await _outcomes(redis_client, "1"))[0] is Outcome.SENT


@pytest.mark.both_redis
async def test_a_blocked_recipient_is_deactivated_with_the_reason(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    provider.blocked = {"9"}
    async with running_worker(redis_client, provider.url) as engine:
        await _plan(engine.store, redis_client, engine.planner, ["9", "10"])
        await provider.wait_accepted(1)
        await wait_until(lambda: _tried(provider, "9"), what="the blocked recipient tried")
        await wait_until(lambda: _settled(redis_client), what="settled")
        sub = await engine.store.get(Identity.parse("telegram:9"))
        assert sub is not None and not sub.active
        assert sub.deactivated_reason == "recipient gone: blocked by the user"
        assert await engine.store.next_send_of(sub.identity) is None
    assert provider.attempts["9"] == 1
    assert await _outcomes(redis_client, "9") == [Outcome.GONE]


async def test_one_chat_told_to_wait_an_hour_does_not_slow_the_others_and_is_not_asked_again_before(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    provider.wait = {"5": 3600.0}
    addresses = [str(n) for n in range(40)]
    async with running_worker(redis_client, provider.url, concurrency=8) as engine:
        await _plan(engine.store, redis_client, engine.planner, addresses)
        await provider.wait_accepted(39)
        await wait_until(lambda: _settled(redis_client), what="settled")
        assert await _outcomes(redis_client, "5") == [Outcome.RATE_LIMITED]
        # It waits in the retry set, not in a worker place, until its hour is up.
        waiting = Identity.parse("telegram:5").sid
        retry = await redis_client.zrange(keys.shard_retry(keys.shard_of(waiting)), 0, -1, withscores=True)
        assert [m.split(":")[0] for m, _ in retry] == [waiting]
        assert 3500 < retry[0][1] - time.time() <= 3600
    assert provider.early == 0 and provider.attempts["5"] == 1
    assert sorted(a.address for a in provider.accepted) == sorted(a for a in addresses if a != "5")


async def test_ten_percent_429s_are_honoured_without_duplicates_or_early_requests(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    provider.rate_limit_fraction = 0.10
    provider.retry_after = 0.3
    addresses = [str(n) for n in range(150)]
    channel = HttpTestChannel(provider.url, per_address_rate=5.0)
    async with running_worker(redis_client, provider.url, channel=channel, concurrency=16) as engine:
        await _plan(engine.store, redis_client, engine.planner, addresses)
        await provider.wait_accepted(150)
        await wait_until(lambda: _settled(redis_client), what="settled")
    assert provider.statuses[429] > 0
    assert provider.early == 0
    assert sorted(a.address for a in provider.accepted) == sorted(addresses)


class _Flaky:
    """A channel whose adapter reports what real adapters do: a render bug, then a move (in-process, no HTTP)."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def render(self, edition: object, language: str) -> str:
        return ""

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return ()

    async def send(self, delivery: Delivery) -> Receipt:
        address = delivery.recipient.address
        if address == "render" and not delivery.plain:
            raise RenderBug("can't parse entities")
        if address == "always-bad":
            raise RenderBug("can't parse entities")
        if address == "group":
            raise RecipientMoved("-100777", "group upgraded to a supergroup")
        self.sent.append((address, delivery.plain))
        return Receipt(provider_message_id=f"x{len(self.sent)}")

    async def aclose(self) -> None:
        return None


async def test_a_render_bug_gets_one_plain_fallback_then_a_dead_letter_and_a_moved_chat_is_followed(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    channel = _Flaky()
    async with running_worker(redis_client, provider.url, channel=channel) as engine:  # type: ignore[arg-type]
        await _plan(engine.store, redis_client, engine.planner, ["render", "always-bad", "group"])
        queue = DeliveryQueue(redis_client)
        await wait_until(lambda: _dead_count(queue, 1), what="dead letter")
        await wait_until(lambda: _settled(redis_client), what="settled")
        moved = await engine.store.get(Identity.parse("telegram:-100777"))
        old = await engine.store.get(Identity.parse("telegram:group"))
    assert sorted(channel.sent) == [("-100777", False), ("render", True)]
    (letter,) = await DeliveryQueue(redis_client).dead_letters()
    assert letter.reason == "render bug: can't parse entities"
    assert moved is not None and moved.active and moved.last_slot_date == datetime.now(UTC).date()
    assert old is not None and not old.active and old.deactivated_reason == "moved to telegram:-100777"


@pytest.mark.both_redis
async def test_an_answer_lost_past_the_timeout_is_retried_and_the_idempotency_key_makes_it_one_message(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    provider.hang = {"slow"}  # the stand-in accepts the message, then never answers
    provider.honour_keys = True
    channel = HttpTestChannel(provider.url, timeout=0.3)
    async with running_worker(redis_client, provider.url, channel=channel) as engine:
        await _plan(engine.store, redis_client, engine.planner, ["slow"])
        await wait_until(lambda: _has_sent(redis_client, "slow"), what="sent after the retry")
        await wait_until(lambda: _settled(redis_client), what="settled")
    assert provider.attempts["slow"] == 2
    assert len(provider.accepted) == 1  # the reader sees one message
    assert await _outcomes(redis_client, "slow") == [Outcome.SENT, Outcome.AMBIGUOUS]


async def _has_sent(redis: RedisClient, address: str) -> bool:
    return Outcome.SENT in await _outcomes(redis, address)


class _Provider:
    """An adapter whose provider says: this install's token is revoked, or this month's quota is spent."""

    name = "telegram"

    def render(self, edition: object, language: str) -> str:
        return ""

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return (RateLimit("telegram:global", 30), RateLimit(f"telegram:chat:{recipient.address}", 1))

    async def send(self, delivery: Delivery) -> Receipt:
        if delivery.recipient.address == "revoked":
            raise InstallBroken("token revoked")
        raise QuotaExceeded("monthly messages spent")

    async def aclose(self) -> None:
        return None


async def test_a_broken_install_deactivates_and_a_spent_quota_pauses_the_channel_for_an_hour(
    redis_client: RedisClient, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url, channel=_Provider()) as engine:  # type: ignore[arg-type]
        await _plan(engine.store, redis_client, engine.planner, ["revoked"])
        await wait_until(lambda: _logged(redis_client, "revoked"), what="install broken logged")
        await _plan(engine.store, redis_client, engine.planner, ["quota"])
        await wait_until(lambda: _logged(redis_client, "quota"), what="quota logged")
        revoked = await engine.store.get(Identity.parse("telegram:revoked"))
        assert revoked is not None and not revoked.active
        assert revoked.deactivated_reason == "install broken: token revoked"
        wait = await Pacer(redis_client).acquire([RateLimit("telegram:global", 30)], time.time())
    assert 3500 < wait <= 3600  # the whole channel waits, not just this reader
    assert await _outcomes(redis_client, "quota") == [Outcome.QUOTA]
    quota_sid = Identity.parse("telegram:quota").sid
    retry = await redis_client.zrange(keys.shard_retry(keys.shard_of(quota_sid)), 0, -1, withscores=True)
    assert [m.split(":")[0] for m, _ in retry] == [quota_sid] and retry[0][1] - time.time() > 3500


async def _logged(redis: RedisClient, address: str) -> bool:
    return bool(await _outcomes(redis, address))
