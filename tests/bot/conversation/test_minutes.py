"""``minutes N`` (分 N): how long a digest takes to read, as a reader types it (issue 16)."""

from __future__ import annotations

from bot.store.models import DEFAULT_MINUTES, Identity
from bot.store.subscriptions import SubscriptionStore
from tests.bot.conftest import Chat

ALICE = "telegram:42"
HANAKO = "line:Uhanako"


async def test_minutes_sets_the_reading_time_and_settings_shows_it(chat: Chat, store: SubscriptionStore) -> None:
    await chat(ALICE, "subscribe")
    assert "Reading time: 5 min" in (await chat(ALICE, "settings")).text  # five minutes a day by default
    reply = await chat(ALICE, "minutes 10")
    assert reply.ok and reply.changed
    assert reply.text.startswith("Your digest will take about 10 minutes to read.")
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.minutes == 10 and DEFAULT_MINUTES == 5
    assert "Reading time: 10 min" in (await chat(ALICE, "settings")).text


async def test_japanese_readers_type_fun_n(chat: Chat, store: SubscriptionStore) -> None:
    await chat(HANAKO, "購読")
    reply = await chat(HANAKO, "分 3")
    assert reply.ok and reply.text.startswith("ダイジェストを約3分で読める量にしました。")
    sub = await store.get(Identity.parse(HANAKO))
    assert sub is not None and sub.minutes == 3


async def test_minutes_out_of_range_gets_one_line_with_an_example(chat: Chat, store: SubscriptionStore) -> None:
    await chat(ALICE, "subscribe")
    for bad in ("minutes 45", "minutes 0", "minutes soon"):
        reply = await chat(ALICE, bad)
        assert not reply.ok and "\n" not in reply.text and "minutes 5" in reply.text, reply.text
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.minutes == DEFAULT_MINUTES
