"""Transcripts of the command language, in English and Japanese: what a reader sends, sees and gets stored."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.conversation.parser import COMMANDS
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from tests.bot.conftest import Chat
from tests.clock import Clock

pytestmark = pytest.mark.both_redis  # stores, queue and engine: on one Redis and on a cluster

ALICE = "telegram:42"


async def test_time_then_settings_shows_it(chat: Chat, store: SubscriptionStore) -> None:
    assert "Subscribed" in (await chat(ALICE, "subscribe")).text
    reply = await chat(ALICE, "time 7:30")
    assert reply.changed
    assert "07:30" in reply.text
    settings = (await chat(ALICE, "settings")).text
    assert "Time: 07:30 (UTC)" in settings
    assert "Status: subscribed" in settings
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.delivery_time == time(7, 30)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("07:30", time(7, 30)), ("7:30", time(7, 30)), ("7am", time(7, 0)), ("7:30pm", time(19, 30)),
     ("19:00", time(19, 0)), ("19時", time(19, 0)), ("19時30分", time(19, 30)), ("12am", time(0, 0)),
     ("１９：４５", time(19, 45)), ("午後7時半", time(19, 30))],
)
async def test_time_forms(chat: Chat, store: SubscriptionStore, typed: str, stored: time) -> None:
    reply = await chat(ALICE, f"time {typed}")
    assert reply.ok, reply.text
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.delivery_time == stored


@pytest.mark.parametrize("bad", ["25:00", "7:61", "13pm", "soon", "7:3"])
async def test_bad_time_gets_one_line_with_example(chat: Chat, store: SubscriptionStore, bad: str) -> None:
    reply = await chat(ALICE, f"time {bad}")
    assert not reply.ok
    assert "\n" not in reply.text
    assert "Try: time 07:30" in reply.text
    assert await store.get(Identity.parse(ALICE)) is None


async def test_unknown_timezone_names_the_zone_and_an_example(chat: Chat) -> None:
    reply = await chat(ALICE, "timezone Mars/Olympus")
    assert reply.text == (
        "“Mars/Olympus” is not a time zone I know (use an IANA name or a city). Try: timezone Asia/Tokyo"
    )


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("asia/tokyo", "Asia/Tokyo"), ("Tokyo", "Asia/Tokyo"), ("New York", "America/New_York"),
     ("america/new_york", "America/New_York"), ("東京", "Asia/Tokyo"), ("Kathmandu", "Asia/Kathmandu")],
)
async def test_timezone_names_and_cities(chat: Chat, store: SubscriptionStore, typed: str, zone: str) -> None:
    reply = await chat(ALICE, f"timezone {typed}")
    assert reply.ok, reply.text
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.timezone == zone


async def test_items_out_of_range_says_the_range(chat: Chat) -> None:
    reply = await chat(ALICE, "items 50")
    assert not reply.ok
    assert "1–20" in reply.text and "Try: items 5" in reply.text


async def test_topics_add_remove_clear(chat: Chat, store: SubscriptionStore) -> None:
    await chat(ALICE, "subscribe")
    assert "robotics, chips" in (await chat(ALICE, "topics add robotics, chips")).text
    assert (await chat(ALICE, "topics remove chips")).text.endswith("Your topics: robotics.")
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.topics == ("robotics",)
    unknown = await chat(ALICE, "topics add astrology")
    assert not unknown.ok and "“astrology” is not a topic" in unknown.text
    await chat(ALICE, "topics clear")
    sub = await store.get(Identity.parse(ALICE))
    assert sub is not None and sub.topics == ()


async def test_pause_and_resume_move_the_next_send(chat: Chat, store: SubscriptionStore, clock: Clock) -> None:
    me = Identity.parse(ALICE)
    await chat(ALICE, "subscribe")
    before = await store.next_send_of(me)
    assert before == datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
    reply = await chat(ALICE, "pause 7 days")
    assert "Paused until 2026-12-04" in reply.text
    assert await store.next_send_of(me) == datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
    assert "Resumed" in (await chat(ALICE, "resume")).text
    assert await store.next_send_of(me) == before


async def test_unsubscribe_removes_from_the_due_index(chat: Chat, store: SubscriptionStore) -> None:
    me = Identity.parse(ALICE)
    await chat(ALICE, "subscribe")
    assert await store.next_send_of(me) is not None
    assert "Unsubscribed" in (await chat(ALICE, "stop")).text
    assert await store.next_send_of(me) is None
    assert "not subscribed" in (await chat(ALICE, "settings")).text


async def test_unknown_command_gets_reason_and_example(chat: Chat) -> None:
    reply = await chat(ALICE, "frobnicate now")
    assert reply.text == "I don't know the command “frobnicate”. Try: help"


async def test_help_lists_every_command_with_an_example(chat: Chat) -> None:
    text = (await chat(ALICE, "help")).text
    for command in ("subscribe", "unsubscribe", "time", "timezone", "topics", "sources", "language", "items",
                    "pause", "resume", "now", "settings"):
        assert command in text
    assert text.count("e.g.") >= 10


async def test_slash_forms_from_slack_and_telegram(chat: Chat, store: SubscriptionStore) -> None:
    await chat("slack:T1:U1", "/aitoday time 6am")
    await chat("telegram:7", "/time@AITodayBot 06:15")
    slack = await store.get(Identity.parse("slack:T1:U1"))
    telegram = await store.get(Identity.parse("telegram:7"))
    assert slack is not None and slack.delivery_time == time(6, 0)
    assert telegram is not None and telegram.delivery_time == time(6, 15)


# --------------------------------------------------------------------------------------- Japanese


async def test_japanese_commands_are_answered_in_japanese(chat: Chat, store: SubscriptionStore) -> None:
    assert (await chat("line:Uabc", "登録")).text.startswith("登録しました")
    reply = await chat("line:Uabc", "時間 7:30")
    assert reply.language == "ja" and "07:30" in reply.text
    settings = (await chat("line:Uabc", "設定")).text
    assert "配信時刻: 07:30" in settings
    assert "一時停止します" in (await chat("line:Uabc", "停止 3日")).text
    assert "再開しました" in (await chat("line:Uabc", "再開")).text
    assert "AIToday のコマンド" in (await chat("line:Uabc", "ヘルプ")).text
    sub = await store.get(Identity.parse("line:Uabc"))
    assert sub is not None and sub.language == "ja"


async def test_japanese_errors_are_one_line_with_example(chat: Chat) -> None:
    reply = await chat("line:Uabc", "件数 50")
    assert reply.text == "50件は範囲外です。1〜20件で指定してください。 例: items 5"
    reply = await chat("line:Uabc", "時間 あとで")
    assert reply.text.startswith("「あとで」は時刻として読めません") and "\n" not in reply.text


async def test_english_reader_who_chose_japanese_gets_japanese(chat: Chat) -> None:
    await chat(ALICE, "subscribe")
    assert (await chat(ALICE, "language ja")).text == "言語を日本語にしました。"
    assert (await chat(ALICE, "settings")).text.startswith("状態: 登録中")
    assert (await chat(ALICE, "language en")).text == "Language set to English."


async def test_japanese_topic_aliases(chat: Chat, store: SubscriptionStore) -> None:
    await chat("line:Uj", "トピック 追加 ロボット")
    sub = await store.get(Identity.parse("line:Uj"))
    assert sub is not None and sub.topics == ("robotics",)


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_every_command_the_parser_knows_gets_an_answer(chat: Chat, name: str) -> None:
    """A command the parser accepts but nothing runs would answer "something went wrong"."""
    reply = await chat(ALICE, name)
    assert "went wrong" not in reply.text, reply.text
