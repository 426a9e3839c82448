"""Sending through PTB to the Bot API stand-in: what arrives, and how Telegram's refusals are translated."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace

import pytest

from bot import keys
from bot.app import shared_pacer
from bot.delivery.pacing import Pacer
from bot.store.client import RedisClient
from channels.base import (
    AmbiguousError,
    Delivery,
    InstallBroken,
    RateLimited,
    Recipient,
    RecipientGone,
    RecipientMoved,
    RenderBug,
    TransientError,
)
from channels.telegram.channel import TelegramChannel, TelegramLimits
from summaries.models import Card
from tests.channels.telegram.conftest import SCALE, TOKEN, compressed_sleep
from tests.conftest import PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.telegram_api import (
    BLOCKED,
    CHAT_NOT_FOUND,
    PASS,
    SERVER_ERROR,
    TelegramApiStub,
    migrated,
    retry_after,
)

FIXTURES = PAYLOADS / "telegram"

# PTB 22 warns (PTBDeprecationWarning) when it builds a RetryAfter without PTB_TIMEDELTA; the channel reads
# both forms (see the timedelta_mode test), so that upstream notice is not our failure.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _delivery(chat: str, *, plain: bool = False, stories: int = 0, language: str = "en") -> Delivery:
    edition = sample_edition(language)
    if stories:
        long_card = Card(gist="g", what_happened="h" * 650, why_it_matters="m" * 650, what_to_watch="w" * 650)
        many = [replace(edition.stories[i % 8], id=f"x{i}", card=long_card) for i in range(stories)]
        edition = replace(edition, stories=tuple(many))
    return Delivery(delivery_id=f"d-{chat}", recipient=Recipient("telegram", chat, language), edition=edition,
                    plain=plain)


def _fixture(name: str) -> tuple[int, dict[str, object]]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return int(data["response"]["status"]), data["response"]["body"]


def test_stand_in_answers_with_the_real_error_bodies() -> None:
    assert _fixture("error_403_bot_blocked.json") == BLOCKED
    assert _fixture("error_400_chat_not_found.json") == CHAT_NOT_FOUND
    assert _fixture("error_429_retry_after.json") == retry_after(35)


def test_rate_limit_declarations_match_telegram() -> None:
    """30/s for the bot, 1/s per chat, 20/min per group: one message per interval, so no window overflows."""
    channel = TelegramChannel("1:x")
    private = {(r.bucket, r.rate, round(r.per_seconds, 6)) for r in channel.rate_limits(Recipient("telegram", "42"))}
    assert private == {("telegram:global", 1.0, round(1 / 30, 6)), ("telegram:chat:42", 1.0, 1.0)}
    group = {(r.bucket, r.rate, r.per_seconds) for r in channel.rate_limits(Recipient("telegram", "-100777"))}
    assert {(b, r, p) for b, r, p in group if b != "telegram:global"} == {
        ("telegram:chat:-100777", 1.0, 1.0), ("telegram:group:-100777", 1.0, 3.0)}


async def test_digest_arrives_as_html_with_one_preview(channel: TelegramChannel, tg_stub: TelegramApiStub) -> None:
    receipt = await channel.send(_delivery("42"))
    [message] = tg_stub.messages_to(42)
    assert message.parse_mode == "HTML"
    assert "<script>alert(1)</script>" in message.visible
    assert message.link_preview == {"url": "https://news.example.com/story-1?a=1&b=2", "is_disabled": False}
    assert receipt.provider_message_id == str(message.message_id) and receipt.messages == 1
    assert tg_stub.parse_errors == [] and tg_stub.violations == []


async def test_a_long_digest_is_paced_within_the_chat_limits(channel: TelegramChannel,
                                                               tg_stub: TelegramApiStub) -> None:
    receipt = await channel.send(_delivery("-100555", stories=20))
    parts = tg_stub.messages_to(-100555)
    assert receipt.messages == len(parts) >= 3
    assert tg_stub.violations == [] and tg_stub.parse_errors == []
    assert parts[0].link_preview["is_disabled"] is False
    assert all(p.link_preview == {"is_disabled": True} for p in parts[1:])
    # a group: 20 per minute, so parts are at least 3 (compressed) seconds apart
    gaps = [b.at - a.at for a, b in itertools.pairwise(parts)]
    assert min(gaps) >= 3.0 / SCALE * 0.95


@pytest.mark.parametrize("timedelta_mode", [False, True])
async def test_retry_after_pauses_only_that_chat(channel: TelegramChannel, tg_stub: TelegramApiStub,
                                                 monkeypatch: pytest.MonkeyPatch, timedelta_mode: bool) -> None:
    if timedelta_mode:
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg_stub.script(42, retry_after(35))
    with pytest.raises(RateLimited) as caught:
        await channel.send(_delivery("42"))
    assert caught.value.retry_after == 35.0
    assert caught.value.bucket == "telegram:chat:42"


async def test_retry_after_inside_a_400_body_is_still_a_rate_limit(channel: TelegramChannel,
                                                                   tg_stub: TelegramApiStub) -> None:
    tg_stub.script(42, _fixture("ptb_retry_after_in_400.json"))
    with pytest.raises(RateLimited) as caught:
        await channel.send(_delivery("42"))
    assert caught.value.retry_after == 42.0


async def test_retry_after_on_a_later_part_is_waited_out_not_repeated(channel: TelegramChannel,
                                                                      tg_stub: TelegramApiStub) -> None:
    tg_stub.script(42, PASS, retry_after(2))
    receipt = await channel.send(_delivery("42", stories=20))
    parts = tg_stub.messages_to(42)
    assert receipt.messages == len(parts)
    numbers = [int(n) for p in parts for n in re.findall(r"^(\d+)\. ", p.visible, flags=re.MULTILINE)]
    assert numbers == list(range(1, 21))  # each story shown once, in order


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("Forbidden: bot was blocked by the user", "blocked by the user"),
        ("Forbidden: user is deactivated", "account deactivated"),
        ("Forbidden: bot was kicked from the group chat", "removed from the chat"),
        ("Forbidden: bot is not a member of the supergroup chat", "removed from the chat"),
    ],
)
async def test_forbidden_means_the_recipient_is_gone(channel: TelegramChannel, tg_stub: TelegramApiStub,
                                                     description: str, reason: str) -> None:
    tg_stub.script(42, (403, {"ok": False, "error_code": 403, "description": description}))
    with pytest.raises(RecipientGone) as caught:
        await channel.send(_delivery("42"))
    assert caught.value.detail == reason
    assert not isinstance(caught.value, RecipientMoved)


async def test_chat_not_found_is_gone_and_migration_is_a_move(channel: TelegramChannel,
                                                              tg_stub: TelegramApiStub) -> None:
    tg_stub.unknown_chats.add(43)
    with pytest.raises(RecipientGone, match="chat not found"):
        await channel.send(_delivery("43"))
    tg_stub.script(-4001, migrated(-1004001))
    with pytest.raises(RecipientMoved) as caught:
        await channel.send(_delivery("-4001"))
    assert caught.value.new_address == "-1004001"
    await channel.send(_delivery(caught.value.new_address))  # the worker's retry at the new id
    assert len(tg_stub.messages_to(-1004001)) == 1


async def test_unparseable_html_is_our_bug_and_plain_text_gets_through(channel: TelegramChannel,
                                                                       tg_stub: TelegramApiStub) -> None:
    tg_stub.reject_html.add(42)
    with pytest.raises(RenderBug, match=r"(?i)can't parse entities"):
        await channel.send(_delivery("42"))
    await channel.send(_delivery("42", plain=True))
    [message] = tg_stub.messages_to(42)
    assert message.parse_mode == "" and "https://news.example.com/story-1?a=1&b=2" in message.visible


async def test_server_errors_and_unreachable_api_are_transient(channel: TelegramChannel,
                                                               tg_stub: TelegramApiStub) -> None:
    tg_stub.script(42, SERVER_ERROR)
    with pytest.raises(TransientError) as caught:
        await channel.send(_delivery("42"))
    assert not isinstance(caught.value, AmbiguousError)
    closed = TelegramChannel(TOKEN, api_url="http://127.0.0.1:9", limits=TelegramLimits(time_scale=SCALE),
                             sleep=compressed_sleep)
    with pytest.raises(TransientError):
        await closed.send(_delivery("42"))
    await closed.aclose()


async def test_a_revoked_token_breaks_the_install(tg_stub: TelegramApiStub) -> None:
    revoked = TelegramChannel("7000001:REVOKED", api_url=tg_stub.api_url)
    with pytest.raises(InstallBroken) as caught:
        await revoked.send(_delivery("42"))
    assert "REVOKED" not in str(caught.value)
    await revoked.aclose()


async def test_setup_registers_webhook_secret_and_menus(channel: TelegramChannel, tg_stub: TelegramApiStub) -> None:
    await channel.setup_webhook("https://bot.example.com/telegram/webhook", "s3cr3t-_X")
    assert tg_stub.webhook["url"] == "https://bot.example.com/telegram/webhook"
    assert tg_stub.webhook["secret_token"] == "s3cr3t-_X"
    assert await channel.setup_commands() == ["default", "en", "ja"]
    assert {c["command"] for c in tg_stub.commands["ja"]} >= {"start", "stop", "settings", "time", "topics"}
    assert tg_stub.commands[""] == tg_stub.commands["en"]


async def test_later_parts_take_tokens_from_the_shared_redis_buckets(tg_stub: TelegramApiStub,
                                                                     redis_client: RedisClient) -> None:
    """A digest in several parts counts each part against the buckets every worker process shares."""
    pace = shared_pacer(Pacer(redis_client))
    channel = TelegramChannel(TOKEN, api_url=tg_stub.api_url, limits=TelegramLimits(time_scale=SCALE),
                              sleep=compressed_sleep, pacer=pace)
    delivery = _delivery("42", stories=20)
    await pace(channel.rate_limits(delivery.recipient))  # the worker's token for the first part
    receipt = await channel.send(delivery)
    await channel.aclose()
    assert receipt.messages == len(tg_stub.messages_to(42)) >= 3
    assert tg_stub.violations == []
    assert await redis_client.exists(keys.pacing_bucket("telegram:global"), keys.pacing_bucket("telegram:chat:42")) == 2


async def test_no_answer_after_sending_is_ambiguous(tg_stub: TelegramApiStub) -> None:
    """Telegram took the message but the answer never came: a retry may show it twice, so the worker must know."""
    tg_stub.delay[42] = 1.0
    slow = TelegramChannel(TOKEN, api_url=tg_stub.api_url, limits=TelegramLimits(time_scale=SCALE), timeout=0.2)
    with pytest.raises(AmbiguousError):
        await slow.send(_delivery("42"))
    await slow.aclose()
    assert len(tg_stub.messages_to(42)) == 1  # it was in fact delivered
