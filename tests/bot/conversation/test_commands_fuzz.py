"""Arbitrary input never breaks the command handler, and a command never touches another subscriber.

Both run against the real Redis with the real store: the handler's promise (one reply, at most 4,000
characters, no exception) must hold with whatever a platform delivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot import keys
from bot.conversation.commands import MAX_REPLY, CommandHandler
from bot.store.client import connect
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore

_WORDS = ["subscribe", "stop", "time", "timezone", "topics add", "topics remove", "topics clear", "sources mute",
          "sources unmute", "language", "items", "pause", "resume", "now", "settings", "help", "時間", "停止",
          "再開", "設定", "ヘルプ", "トピック 追加", "/aitoday", "/"]

_hostile = st.one_of(
    st.just(""),
    # ~10 KB: a random chunk repeated (Hypothesis will not draw 10,000 characters directly)
    st.builds(lambda chunk, word: (word + " " + chunk * (10_240 // len(chunk) + 1))[:10_240],
              st.text(min_size=1, max_size=64, alphabet=st.characters(codec="utf-8")), st.sampled_from(_WORDS)),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), max_size=50),
    st.text(alphabet="\u202e\u202d\u200f\u0627\u0644\u0639\u0631\u0628\u064a\u0629 עברית", max_size=60),
    st.text(alphabet="😀🤖🧠🏳️‍🌈👍🏽\u200d\ufe0f", max_size=40),
    st.text(max_size=300),
)
_command_like = st.builds(
    lambda word, rest: f"{word} {rest}", st.sampled_from(_WORDS), st.text(max_size=80)
)
_inputs = st.one_of(_hostile, _command_like)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow,
                                                                     HealthCheck.data_too_large])
@given(text=_inputs, channel=st.sampled_from(["telegram:1", "slack:T1:U1", "line:Ux", "email:a@b.c"]))
def test_every_input_gets_exactly_one_short_reply(runner: asyncio.Runner, redis_url: str, text: str,
                                                  channel: str) -> None:
    async def run() -> None:
        client = connect(redis_url)
        try:
            handler = CommandHandler(SubscriptionStore(client))
            reply = await handler.handle(Identity.parse(channel), text)
        finally:
            await client.aclose()
        assert isinstance(reply.text, str) and reply.text
        assert len(reply.text) <= MAX_REPLY
        assert reply.language in ("en", "ja")
        assert "Traceback" not in reply.text

    runner.run(run())


# ------------------------------------------------------------------------------------------- isolation

IDENTITIES = [
    Identity.parse("slack:T1:U1"),
    Identity.parse("slack:T2:U1"),  # the same user id in another workspace
    Identity.parse("slack:T1:C9"),  # a channel subscription in the first workspace
    Identity.parse("telegram:U1"),  # the same id string on another channel
    Identity.parse("line:U1"),
    Identity.parse("email:u1@example.com"),
    Identity.parse("console:U1"),
]

_COMMANDS = st.sampled_from([
    "subscribe", "stop", "time 7:30", "time 19時", "timezone Asia/Tokyo", "timezone New York", "topics add robotics",
    "topics add llm, chips", "topics remove robotics", "topics clear", "sources mute Hacker News",
    "sources unmute Hacker News", "language ja", "language en", "items 3", "items 20", "pause 3 days", "pause",
    "resume", "settings", "help", "登録", "停止", "再開", "bogus",
])


class IsolationMachine(RuleBasedStateMachine):
    """Random commands from random identities; after each, every other identity's record is unchanged."""

    url: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.Runner()
        self.client = connect(self.url)
        self.handler = CommandHandler(
            SubscriptionStore(self.client, clock=lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
        )

    @initialize()
    def empty(self) -> None:
        self.loop.run(self.client.flushall())

    def _snapshot(self) -> dict[str, tuple[dict[str, str], float | None]]:
        async def read() -> dict[str, tuple[dict[str, str], float | None]]:
            out = {}
            for ident in IDENTITIES:
                data = await self.client.hgetall(keys.subscription(ident.sid))
                score = await self.client.zscore(keys.due_index(keys.shard_of(ident.sid)), ident.sid)
                out[str(ident)] = (data, score)
            return out

        return self.loop.run(read())

    @rule(who=st.sampled_from(IDENTITIES), text=_COMMANDS)
    def command(self, who: Identity, text: str) -> None:
        before = self._snapshot()
        reply = self.loop.run(self.handler.handle(who, text))
        assert reply.text
        after = self._snapshot()
        for name in before:
            if name != str(who):
                assert after[name] == before[name], f"{text!r} from {who} changed {name}"

    @invariant()
    def stored_identity_matches_key(self) -> None:
        for ident, (data, _score) in self._snapshot().items():
            if data:
                assert data["identity"] == ident

    def teardown(self) -> None:
        self.loop.run(self.client.aclose())
        self.loop.close()


def test_a_command_never_changes_another_identity(redis_url: str) -> None:
    IsolationMachine.url = redis_url
    runner = IsolationMachine.TestCase()
    runner.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
    runner.runTest()
