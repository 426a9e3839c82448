"""Plain-language preferences, as a reader types them: each phrase family in English and Japanese lands on the
same settings the strict commands store, and the reply echoes what was understood."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation.commands import MAX_REPLY, CommandHandler
from bot.conversation.parser import parse_command
from bot.conversation.phrases import understand
from bot.delivery.next_send import WEEKDAYS
from bot.store.client import connect
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from tests.bot.conftest import Chat

READER = "telegram:7"


async def _sub(store: SubscriptionStore) -> Subscription:
    sub = await store.get(Identity.parse(READER))
    assert sub is not None
    return sub


async def test_send_me_robotics_news_at_8am(chat: Chat, store: SubscriptionStore) -> None:
    await chat(READER, "timezone Asia/Tokyo")
    reply = await chat(READER, "send me robotics news at 8am")
    assert reply.ok and reply.changed
    assert reply.text == "Understood: every day at 08:00 Asia/Tokyo · topics: robotics."
    sub = await _sub(store)
    assert sub.active and sub.topics == ("robotics",) and sub.delivery_time == time(8, 0)


async def test_japanese_morning_robot_news(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(READER, "毎朝8時にロボットのニュースを送って")
    assert reply.language == "ja"
    assert reply.text.startswith("了解しました: 毎日 08:00（Asia/Tokyo）・トピック: robotics")
    sub = await _sub(store)
    assert sub.active and sub.topics == ("robotics",) and sub.delivery_time == time(8, 0)
    assert sub.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(("phrase", "echo"), [
    ("every weekday at 7:15", "Understood: Monday to Friday at 07:15 UTC"),
    ("平日だけ", "了解しました: 平日（月〜金）"),
])
async def test_weekday_phrases(chat: Chat, store: SubscriptionStore, phrase: str, echo: str) -> None:
    reply = await chat(READER, phrase)
    assert reply.text.startswith(echo), reply.text
    assert (await _sub(store)).weekdays == WEEKDAYS


async def test_every_day_again(chat: Chat, store: SubscriptionStore) -> None:
    await chat(READER, "days mon-fri")
    reply = await chat(READER, "毎日")
    assert reply.text.startswith("配信日: 毎日")
    assert len((await _sub(store)).weekdays) == 7


async def test_no_more_a_source_mutes_it(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(READER, "no more OpenAI News")  # a name from the source list (sources mute takes no other)
    assert reply.text.startswith("Understood:")
    assert [name.casefold() for name in (await _sub(store)).muted_sources] == ["openai news"]


async def test_no_more_a_topic_removes_it(chat: Chat, store: SubscriptionStore) -> None:
    await chat(READER, "topics add chips, robotics")
    reply = await chat(READER, "no more chips news please")
    assert "topics: robotics" in reply.text
    assert (await _sub(store)).topics == ("robotics",)


@pytest.mark.parametrize(("phrase", "items", "minutes"), [
    ("fewer stories", 20, 3), ("more stories", 20, 7), ("only 4 stories", 4, 5), ("記事を減らして", 20, 3),
    ("3件だけ", 3, 5), ("10 minutes a day", 20, 10),
])
async def test_length_phrases(chat: Chat, store: SubscriptionStore, phrase: str, items: int, minutes: int) -> None:
    await chat(READER, "minutes 5")
    reply = await chat(READER, phrase)
    assert reply.ok, reply.text
    sub = await _sub(store)
    assert (sub.items, sub.minutes) == (items, minutes)


@pytest.mark.parametrize(("phrase", "zone"), [
    ("I'm in London", "Europe/London"), ("Tokyo time please", "Asia/Tokyo"),
])
async def test_zone_phrases(chat: Chat, store: SubscriptionStore, phrase: str, zone: str) -> None:
    reply = await chat(READER, phrase)
    assert zone in reply.text
    assert (await _sub(store)).timezone == zone


@pytest.mark.parametrize(("phrase", "days"), [
    ("I'm on vacation for 2 weeks", 14), ("1週間お休み", 7), ("pause for 10 days", 10),
])
async def test_pause_phrases(chat: Chat, store: SubscriptionStore, phrase: str, days: int) -> None:
    await chat(READER, "subscribe")
    await chat(READER, phrase)
    sub = await _sub(store)
    assert sub.paused_until is not None
    assert round((sub.paused_until - store.clock()).total_seconds() / 86400) == days


@pytest.mark.parametrize(("phrase", "language"), [("in japanese please", "ja"), ("英語で", "en")])
async def test_language_phrases(chat: Chat, store: SubscriptionStore, phrase: str, language: str) -> None:
    await chat(READER, phrase)
    assert (await _sub(store)).language == language


async def test_what_nothing_understands_says_so_with_an_example(chat: Chat) -> None:
    reply = await chat(READER, "what a lovely morning")
    assert not reply.ok
    assert reply.text == ("I did not understand “what a lovely morning”. Try: “send me robotics news at 8am”, "
                          "“time 07:30”, or “help”.")


async def test_a_typo_of_one_command_still_names_it(chat: Chat) -> None:
    assert (await chat(READER, "frobnicate")).text == "I don't know the command “frobnicate”. Try: help"


async def test_removing_an_absent_topic_says_so(chat: Chat, store: SubscriptionStore) -> None:
    await chat(READER, "topics add robotics")
    reply = await chat(READER, "topics remove chips")
    assert not reply.changed
    assert reply.text == "chips was not one of your topics, so nothing changed. Your topics: robotics."
    ja = await chat("line:U1", "トピック 削除 chips")
    assert ja.text.startswith("chips はトピックに入っていない")


async def test_settings_show_the_days(chat: Chat) -> None:
    await chat(READER, "days mon,wed,fri")
    assert "Time: 07:30 (UTC), Mon, Wed, Fri" in (await chat(READER, "settings")).text


def test_every_understood_command_is_a_strict_command() -> None:
    for phrase in ("send me robotics news at 8am", "every weekday at 7:15", "no more TechCrunch", "fewer stories",
                   "毎朝8時にロボットのニュース", "平日だけ", "夜9時に送って", "1週間お休み", "I'm back"):
        understood = understand(phrase)
        assert understood is not None, phrase
        for command in understood.commands:
            parse_command(command)  # raises if the grammar ever produced something the strict language refuses


# ------------------------------------------------------------------------------------------- generated phrasings

_PIECES = st.sampled_from([
    "send me", "I want", "please", "robotics", "chips", "llm news", "at 8am", "at 7:15", "around 6pm", "every weekday",
    "daily", "no more TechCrunch", "fewer stories", "more stories", "only 3 stories", "in japanese", "Tokyo time",
    "pause for 2 weeks", "I'm back", "毎朝8時に", "ロボットの", "ニュース", "平日だけ", "記事を減らして", "日本語で",
    "hello", "what", "🤖", "tomorrow", "the", "and", "news", "!", "?", "more like 2", "less like story 3", "I liked",
    "2が良かった", "2はいらない",
])


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(words=st.lists(_PIECES, min_size=2, max_size=6))
def test_generated_phrasings_get_one_reply_and_either_a_change_or_an_example(
    runner: asyncio.Runner, redis_url: str, words: list[str],
) -> None:
    phrase = " ".join(words)

    async def run() -> None:
        client = connect(redis_url)
        try:
            reply = await CommandHandler(SubscriptionStore(client)).handle(Identity.parse("telegram:99"), phrase)
        finally:
            await client.aclose()
        assert reply.text and len(reply.text) <= MAX_REPLY
        understood = reply.text.startswith(("Understood:", "了解しました:"))
        strict = reply.command not in ("", "understood")
        explained = "Try:" in reply.text or "例:" in reply.text or "例" in reply.text
        assert understood or strict or explained, reply.text

    runner.run(run())


async def test_the_readmes_example_phrase(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(READER, "send me robotics news every weekday at 8am")
    assert reply.text == "Understood: Monday to Friday at 08:00 UTC · topics: robotics."
    sub = await _sub(store)
    assert (sub.active, sub.weekdays, sub.delivery_time, sub.topics) == (True, WEEKDAYS, time(8, 0), ("robotics",))
