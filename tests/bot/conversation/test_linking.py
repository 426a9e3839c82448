"""One reader on Slack and Telegram: linked with a one-time code, one preference set, one digest a day on the
channel they chose — planned by the real due-tick on the real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.conversation.commands import CommandHandler
from bot.delivery.planner import Planner
from bot.store.client import RedisClient
from bot.store.link_codes import LinkCodes
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from tests.bot.conftest import Chat
from tests.bot.delivery.conftest import stream_units
from tests.clock import Clock

SLACK = "slack:T1:U1"
TELEGRAM = "telegram:42"


async def _link(chat: Chat) -> str:
    reply = await chat(SLACK, "link")
    code = next(word.rstrip(".") for word in reply.text.split() if word.rstrip(".").isdigit())
    assert len(code) == 6
    return code


async def test_linked_reader_gets_one_digest_on_the_chosen_channel(
    redis_client: RedisClient, clock: Clock,
) -> None:
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    store = SubscriptionStore(redis_client, clock=clock)
    handler = CommandHandler(store, link_codes=LinkCodes(redis_client))

    async def chat(who: str, text: str) -> str:
        return (await handler.handle(Identity.parse(who), text)).text

    await chat(SLACK, "subscribe")
    await chat(TELEGRAM, "subscribe")  # two strangers, two digests — until they link
    code = await _link(lambda who, text: handler.handle(Identity.parse(who), text))
    assert (await chat(TELEGRAM, code)).startswith("Linked with slack:T1:U1")
    assert (await chat(TELEGRAM, code)).startswith("That code is unknown or expired")  # single use

    # Commands from either chat change the one preference set.
    await chat(TELEGRAM, "topics add robotics")
    await chat(SLACK, "time 07:30")
    primary = await store.get(Identity.parse(SLACK))
    assert primary is not None and primary.topics == ("robotics",) and primary.delivery_time == time(7, 30)
    assert "Topics: robotics" in await chat(TELEGRAM, "settings")

    assert (await chat(TELEGRAM, "deliver on telegram")) == "Your digest now comes on telegram, once a day."
    clock.now = datetime(2026, 11, 27, 7, 30, 5, tzinfo=UTC)
    planner = Planner(redis_client, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 1
    units = await stream_units(redis_client)
    assert units == [f"{Identity.parse(TELEGRAM).sid}:2026-11-27:0730"]

    # Moving the digest back after today's went out does not bring a second one today.
    await chat(SLACK, "deliver on slack")
    clock.now = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    await planner.tick()
    assert len(await stream_units(redis_client)) == 1
    assert await store.next_send_of(Identity.parse(SLACK)) == datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    assert await store.next_send_of(Identity.parse(TELEGRAM)) is None


async def test_unlink_gives_each_chat_its_own_settings(chat: Chat, store: SubscriptionStore) -> None:
    await chat(SLACK, "subscribe")
    code = await _link(chat)
    await chat(TELEGRAM, code)
    await chat(TELEGRAM, "topics add chips")
    assert (await chat(TELEGRAM, "unlink")).text == "Unlinked: this chat has its own settings again."
    await chat(TELEGRAM, "topics add robotics")
    slack = await store.get(Identity.parse(SLACK))
    telegram = await store.get(Identity.parse(TELEGRAM))
    assert slack is not None and slack.topics == ("chips",)
    assert telegram is not None and telegram.topics == ("chips", "robotics")
    assert (await chat(TELEGRAM, "unlink")).text == "This chat is not linked to another."


async def test_bad_codes_and_channels_get_clear_answers(chat: Chat) -> None:
    assert (await chat(TELEGRAM, "123456")).text.startswith("That code is unknown or expired")
    assert (await chat(TELEGRAM, "link 12ab")).text == "“12ab” is not a link code (six digits). Try: link"
    assert (await chat(TELEGRAM, "deliver on fax")).text.startswith("“on fax” is not a channel")
    assert (await chat(TELEGRAM, "deliver on slack")).text == "No chat on slack is linked: send “link” there first."
    code = await _link(chat)
    assert (await chat(SLACK, code)).text == "That code comes from this same chat; send it on your other channel."
    ja = await chat("line:U9", "連携")
    assert ja.text.startswith("連携コードは")
