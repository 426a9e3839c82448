"""Phrases the grammar misses, read by a model (the OpenAI stand-in over loopback HTTP, real Redis), as a reader
sees them in English and Japanese: a confident reading runs and is echoed; an unsure one, or a big change, asks
first and "yes" / "はい" applies it; a reading our parser refuses changes nothing; a model that fails leaves the
offline "I did not understand, try …" reply exactly as it is without a model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, time

import pytest

from bot.app import build_services
from bot.conversation.commands import CommandHandler, Reply
from bot.conversation.intent import IntentReader, read_intent
from bot.conversation.phrases import understand
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.client import RedisClient
from bot.store.edition_store import RedisTokenBudget
from bot.store.intents import PendingIntents
from bot.store.link_codes import LinkCodes
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from summaries.llm import ChatClient, LLMConfig
from tests.stubs.loopback import loopback_socket, serve, url_of
from tests.stubs.openai_stub import OpenAIStub

READER = "telegram:7"
DAY = date(2026, 11, 27)
# Phrases neither the strict language nor the grammar of phrases.py understands (checked in each test)
WAKE_UP = "could you ping me around eight each morning"
JA_SHORTER = "読む時間を三分くらいにして"
JA_STOP = "もう送らなくていいです"


@dataclass
class Bot:
    stub: OpenAIStub
    handler: CommandHandler
    offline: CommandHandler  # the same store, no model: what a reader gets today
    store: SubscriptionStore

    async def say(self, text: str, who: str = READER) -> Reply:
        return await self.handler.handle(Identity.parse(who), text)

    async def sub(self, who: str = READER) -> Subscription | None:
        return await self.store.get(Identity.parse(who))


def _config(url: str, timeout: float = 15.0) -> LLMConfig:
    # Generous: a loaded CI box must never turn a scripted answer into a timeout; no retries (one try, as in app)
    return LLMConfig(base_url=url, model="gpt-test", api_key="sk-test-key", timeout=timeout, retries=0,
                     max_retry_wait=1.0)


def _bot(stub: OpenAIStub, model: ChatClient, store: SubscriptionStore, redis: RedisClient, *,
         per_hour: int = 20, budget: int = 100_000, timeout: float = 15.0) -> Bot:
    reader = IntentReader(model, PendingIntents(redis), per_hour=per_hour, timeout=timeout,
                          budget=lambda: RedisTokenBudget(redis, budget, day=DAY))
    handler = CommandHandler(store, link_codes=LinkCodes(redis), intents=reader)
    return Bot(stub, handler, CommandHandler(store, link_codes=LinkCodes(redis)), store)


@pytest.fixture
async def bot(store: SubscriptionStore, redis_client: RedisClient) -> AsyncIterator[Bot]:
    stub = OpenAIStub(slow_seconds=3.0)
    async with serve(stub.app) as url, ChatClient(_config(url + "/v1")) as model:
        yield _bot(stub, model, store, redis_client)


def test_the_phrases_are_ones_the_grammar_misses() -> None:
    assert all(understand(text) is None for text in (WAKE_UP, JA_SHORTER, JA_STOP))


# ------------------------------------------------------------------------------------------ confident


async def test_confident_reading_runs_and_echoes_what_was_understood(bot: Bot) -> None:
    bot.stub.intent("time", "08:00", confidence=0.93)
    reply = await bot.say(WAKE_UP)
    assert reply.ok and reply.changed
    assert reply.text.startswith("Understood as “time 08:00”: Delivery time set to 08:00 (UTC).")
    sub = await bot.sub()
    assert sub is not None and sub.delivery_time == time(8, 0)
    assert bot.stub.intent_messages == [WAKE_UP]  # the phrase went to the model as data, once


async def test_confident_japanese_reading_answers_in_japanese(bot: Bot) -> None:
    bot.stub.intent("minutes", "3", confidence=0.9)
    reply = await bot.say(JA_SHORTER)
    assert reply.language == "ja"
    assert reply.text.startswith("「minutes 3」と理解しました: ")
    sub = await bot.sub()
    assert sub is not None and sub.minutes == 3


async def test_a_fenced_answer_is_read_too(bot: Bot) -> None:
    bot.stub.intent_raw('```json\n{"command": "topics", "args": "add robotics", "confidence": 0.95}\n```')
    reply = await bot.say("i mostly care about machines that walk")
    assert reply.text.startswith("Understood as “topics add robotics”: Added robotics.")
    sub = await bot.sub()
    assert sub is not None and sub.topics == ("robotics",)


# ------------------------------------------------------------------------------------------ unsure


async def test_unsure_reading_asks_and_yes_applies_it(bot: Bot) -> None:
    bot.stub.intent("time", "07:00", confidence=0.6)
    asked = await bot.say("I'd rather get it when I wake up, like seven-ish")
    assert asked.text == ("Did you mean: time 07:00? Reply “yes” to apply it (within 5 minutes); "
                          "anything else cancels.")
    assert not asked.changed and await bot.sub() is None  # nothing stored before the answer
    applied = await bot.say("Yes!")
    assert applied.changed
    assert applied.text.startswith("Understood as “time 07:00”: Delivery time set to 07:00 (UTC).")
    sub = await bot.sub()
    assert sub is not None and sub.delivery_time == time(7, 0)
    again = await bot.say("yes")  # the question was answered: nothing is applied twice
    assert again.text.startswith("There is nothing to confirm")
    assert len(bot.stub.requests) == 1


async def test_japanese_unsubscribe_always_asks_and_hai_applies_it(bot: Bot) -> None:
    await bot.say("購読")
    bot.stub.intent("unsubscribe", confidence=0.97)  # sure, but a big change: asked all the same
    asked = await bot.say(JA_STOP)
    assert asked.text.startswith("「unsubscribe」という意味ですか？")
    sub = await bot.sub()
    assert sub is not None and sub.active
    done = await bot.say("はい")
    assert done.text.startswith("「unsubscribe」と理解しました: ")
    sub = await bot.sub()
    assert sub is not None and not sub.active


async def test_anything_else_drops_the_question(bot: Bot) -> None:
    bot.stub.intent("pause", "7", confidence=0.95)
    await bot.say("subscribe")
    asked = await bot.say("gonna be off the grid next week")
    assert asked.text.startswith("Did you mean: pause 7?")
    typed = await bot.say("time 9:00")  # another command: it runs, and the question is gone
    assert typed.text.startswith("Delivery time set to 09:00")
    late = await bot.say("yes")
    assert late.text.startswith("There is nothing to confirm")
    sub = await bot.sub()
    assert sub is not None and sub.paused_until is None and sub.delivery_time == time(9, 0)


async def test_a_guess_too_weak_to_ask_about_is_not_understood(bot: Bot) -> None:
    bot.stub.intent("now", confidence=0.2)
    reply = await bot.say(WAKE_UP)
    assert reply.text == (await bot.offline.handle(Identity.parse("telegram:8"), WAKE_UP)).text
    assert reply.text.startswith("I did not understand")


# ------------------------------------------------------------------------------------------ refused


@pytest.mark.parametrize("answer", [
    {"command": "link", "args": "123456", "confidence": 0.99},            # codes are never guessed
    {"command": "deliver", "args": "on email", "confidence": 0.99},       # nor identities
    {"command": "time", "args": "25:00", "confidence": 0.99},             # the parser's own rules
    {"command": "language", "args": "klingon", "confidence": 0.99},
    {"command": "topics", "args": "add robotics; unsubscribe", "confidence": 0.99},
    {"command": "time", "args": "08:00\nunsubscribe", "confidence": 0.99},
    {"command": "set", "args": "timezone=Mars/Olympus", "confidence": 0.99},
    {"command": "time", "args": "08:00", "confidence": "very"},
    {"command": "stop", "args": "", "confidence": 0.99},                   # aliases are not the command names
])
async def test_a_reading_we_refuse_changes_nothing(bot: Bot, answer: dict[str, object]) -> None:
    bot.stub.intent_raw(json.dumps(answer))
    await bot.say("subscribe")
    before = await bot.sub()
    reply = await bot.say(WAKE_UP)
    assert not reply.ok
    assert reply.text == (await bot.offline.handle(Identity.parse("telegram:8"), WAKE_UP)).text
    assert await bot.sub() == before
    assert (await bot.say("yes")).text.startswith("There is nothing to confirm")  # and nothing waits


# ------------------------------------------------------------------------------------------ failing model


@pytest.mark.parametrize("behaviour", ["500", "503", "429", "broken", "preamble"])
@pytest.mark.parametrize("phrase", [WAKE_UP, JA_STOP])
async def test_a_failing_model_gives_the_offline_reply(bot: Bot, behaviour: str, phrase: str) -> None:
    bot.stub.script(behaviour)
    bot.stub.intent("time", "08:00", confidence=0.99)
    reply = await bot.say(phrase)
    assert reply.text == (await bot.offline.handle(Identity.parse("telegram:8"), phrase)).text
    assert reply.text.startswith(("I did not understand “could you ping",
                                  "「もう送らなくていいです」は分かりませんでした。"))
    assert await bot.sub() is None
    assert len(bot.stub.requests) == 1


async def test_a_slow_model_gives_the_offline_reply(store: SubscriptionStore, redis_client: RedisClient) -> None:
    stub = OpenAIStub(slow_seconds=3.0)
    async with serve(stub.app) as url, ChatClient(_config(url + "/v1")) as model:
        bot = _bot(stub, model, store, redis_client, timeout=0.2)  # the reader's own deadline, well under 3 s
        stub.script("slow")
        stub.intent("time", "08:00")
        reply = await bot.say(WAKE_UP)
    assert reply.text.startswith("I did not understand “could you ping me")
    assert await bot.sub() is None


async def test_an_unreachable_model_gives_the_offline_reply(store: SubscriptionStore,
                                                            redis_client: RedisClient) -> None:
    sock = loopback_socket()
    closed = url_of(sock) + "/v1"
    sock.close()  # nothing listens there any more: connection refused
    async with ChatClient(_config(closed)) as model:
        bot = _bot(OpenAIStub(), model, store, redis_client)
        reply = await bot.say(JA_STOP)
    assert reply.language == "ja" and reply.text.startswith("「もう送らなくていいです」は分かりませんでした。")


# ------------------------------------------------------------------------------------------ spending


async def test_a_chatty_reader_is_cut_off_per_hour(store: SubscriptionStore, redis_client: RedisClient) -> None:
    stub = OpenAIStub()
    async with serve(stub.app) as url, ChatClient(_config(url + "/v1")) as model:
        bot = _bot(stub, model, store, redis_client, per_hour=2)
        replies = [await bot.say(f"tell me a joke number {n} please") for n in range(3)]
        other = await bot.say("tell me a joke please", who="telegram:99")  # another chat has its own allowance
    assert all(r.text.startswith("I did not understand") for r in [*replies, other])
    assert stub.intent_messages == ["tell me a joke number 0 please", "tell me a joke number 1 please",
                                    "tell me a joke please"]


async def test_a_spent_token_budget_asks_nothing(store: SubscriptionStore, redis_client: RedisClient) -> None:
    stub = OpenAIStub()
    async with serve(stub.app) as url, ChatClient(_config(url + "/v1")) as model:
        bot = _bot(stub, model, store, redis_client, budget=50)
        stub.intent("time", "08:00")
        reply = await bot.say(WAKE_UP)
    assert reply.text.startswith("I did not understand")
    assert stub.requests == []


def test_read_intent_none_and_strict_text() -> None:
    assert read_intent('{"command": "none", "args": "", "confidence": 0}') is None
    intent = read_intent('{"command": "topics", "args": " add   robotics ", "confidence": 1}')
    assert intent is not None and intent.text == "topics add robotics" and not intent.asks_first
    cleared = read_intent('{"command": "topics", "args": "clear", "confidence": 1}')
    assert cleared is not None and cleared.asks_first


async def test_a_strict_command_with_a_typo_keeps_its_own_error(bot: Bot) -> None:
    reply = await bot.say("time 25:00")
    assert reply.text == "“25:00” is not a time of day (00:00–23:59). Try: time 07:30"
    assert bot.stub.requests == []


@pytest.mark.parametrize(("per_hour", "asked"), [("20", True), ("0", False)])
async def test_the_settings_wire_the_reader(redis_client: RedisClient, redis_url: str, per_hour: str,
                                            asked: bool) -> None:
    stub = OpenAIStub()
    async with serve(stub.app) as url:
        settings = load_settings(env={
            "AITODAY_REDIS_URL": redis_url, "AITODAY_DATA_DIR": "data", "AITODAY_LLM_BASE_URL": url + "/v1",
            "AITODAY_LLM_MODEL": "gpt-test", "AITODAY_LLM_API_KEY": "sk-test-key",
            "AITODAY_LLM_INTENT_TIMEOUT_SECONDS": "15", "AITODAY_LLM_INTENTS_PER_HOUR": per_hour,
        })
        services = build_services(Runtime(settings=settings, redis=redis_client, redis_url=redis_url), entries=())
        try:
            stub.intent("time", "08:00", confidence=0.95)
            reply = await services.commands.handle(Identity.parse("telegram:5"), WAKE_UP)
        finally:
            await services.aclose()
    assert reply.text.startswith("Understood as “time 08:00”" if asked else "I did not understand")
    assert len(stub.requests) == (1 if asked else 0)
