"""Transcripts of feedback that steers: ``like``/``dislike`` (👍/👎, いいね/よくない) and ``why`` (なぜ), en and ja.

The handler runs on the real Redis with the sample edition; a linked reader's votes land in one set.
"""

from __future__ import annotations

import pytest

from bot.content.digest import digest_of
from bot.content.editions import FixedEditions
from bot.content.steer import explain
from bot.conversation.commands import MAX_REPLY, CommandHandler
from bot.store.client import RedisClient
from bot.store.feedback import NO_AFFINITY, FeedbackStore, Vote
from bot.store.link_codes import LinkCodes
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from summaries.models import Story
from tests.sample_edition import sample_edition

pytestmark = pytest.mark.both_redis

TELEGRAM = Identity.parse("telegram:42")
SLACK = Identity.parse("slack:T1:U1")


@pytest.fixture
def feedback(redis_client: RedisClient) -> FeedbackStore:
    return FeedbackStore(redis_client)


@pytest.fixture
def handler(store: SubscriptionStore, redis_client: RedisClient, feedback: FeedbackStore) -> CommandHandler:
    editions = FixedEditions({"en": sample_edition("en"), "ja": sample_edition("ja")})
    older = sample_edition("en").stories[0]
    old_story = Story(**{**{f: getattr(older, f) for f in older.__slots__}, "id": "yesterday01"})  # type: ignore[arg-type]

    async def find_story(story_id: str) -> Story | None:
        return old_story if story_id == old_story.id else None

    return CommandHandler(store, link_codes=LinkCodes(redis_client), feedback=feedback, editions=editions,
                          find_story=find_story)


async def say(handler: CommandHandler, who: Identity, text: str) -> str:
    return (await handler.handle(who, text)).text


async def test_why_explains_each_story_of_todays_digest(handler: CommandHandler) -> None:
    await say(handler, TELEGRAM, "subscribe")
    await say(handler, TELEGRAM, "items 4")
    text = await say(handler, TELEGRAM, "/why")
    lines = text.splitlines()
    assert lines[0] == "Why these stories (2026-11-27):"
    assert lines[1].startswith("1. OpenAI releases GPT-6") and lines[1].endswith("llm · today's top story")
    assert lines[2].endswith("robotics · 2 outlets covered it · #2 in today's edition")
    assert len(lines) == 4 + 2 and lines[-1].startswith("Steer it:")


async def test_a_like_says_what_it_noted_counts_once_and_moves_the_source_up_in_why(
    handler: CommandHandler, feedback: FeedbackStore,
) -> None:
    await say(handler, TELEGRAM, "subscribe")
    reply = await handler.handle(TELEGRAM, "like 2")
    assert reply.changed and reply.text.startswith("👍 Noted: more like “<!channel> Boston Dynamics")
    assert "(The Robot Report · robotics)" in reply.text
    assert (await say(handler, TELEGRAM, "👍 s02")).startswith("👍 You already liked")  # the button: by id
    assert await feedback.votes(TELEGRAM.sid) == {"s02": Vote.UP}
    why = await say(handler, TELEGRAM, "why")
    assert "robotics · from a source you liked · 2 outlets covered it · #2 in today's edition" in why
    assert why.splitlines()[1].startswith("1. <!channel> Boston Dynamics")  # lifted a place, not from anywhere


async def test_a_dislike_flips_a_like_and_suggests_muting_for_good(
    handler: CommandHandler, feedback: FeedbackStore,
) -> None:
    await say(handler, TELEGRAM, "like s01")
    reply = await say(handler, TELEGRAM, "dislike s01")
    assert reply.startswith("👎 Noted: less like “OpenAI releases GPT-6")
    assert reply.endswith("To hide OpenAI: “sources mute OpenAI”.")
    assert (await feedback.affinity(TELEGRAM.sid)).source("openai") < 0


async def test_a_button_on_an_older_digest_still_counts_and_a_gone_story_says_so(
    handler: CommandHandler, feedback: FeedbackStore,
) -> None:
    assert (await say(handler, TELEGRAM, "like yesterday01")).startswith("👍 Noted")
    reply = await handler.handle(TELEGRAM, "like deadbeefdeadbeef")
    assert not reply.ok and reply.text == "That story is no longer in a recent edition, so nothing changed."
    assert set(await feedback.votes(TELEGRAM.sid)) == {"yesterday01"}


async def test_a_bad_story_reference_gets_one_line_and_an_example(handler: CommandHandler) -> None:
    assert await say(handler, TELEGRAM, "like 99") == (
        "“99” is not a story: use its number in today's digest. Try: like 1")
    assert await say(handler, TELEGRAM, "dislike 9") == "Your digest has 8 stories; story 9 is not one of them."
    assert await say(handler, TELEGRAM, "dislike") == (
        "“—” is not a story: use its number in today's digest. Try: dislike 1")


async def test_japanese_reader_likes_and_asks_why_in_japanese(handler: CommandHandler) -> None:
    await say(handler, TELEGRAM, "登録")
    await say(handler, TELEGRAM, "言語 ja")
    assert (await say(handler, TELEGRAM, "いいね 1")).startswith("👍 了解しました。「OpenAI releases GPT-6")
    assert (await say(handler, TELEGRAM, "よくない1")).startswith("👎 了解しました。")
    why = (await say(handler, TELEGRAM, "なぜ")).splitlines()
    assert why[0] == "この記事を選んだ理由（2026-11-27）:"
    assert any("4社が報道" in line for line in why)
    assert why[-1].startswith("調整するには")


async def test_a_linked_reader_has_one_feedback_set_which_follows_deliver_on(
    handler: CommandHandler, feedback: FeedbackStore,
) -> None:
    await say(handler, SLACK, "subscribe")
    await say(handler, TELEGRAM, "dislike s05")  # before linking: a stranger's vote ...
    code = next(w.rstrip(".") for w in (await say(handler, SLACK, "link")).split() if w.rstrip(".").isdigit())
    await say(handler, TELEGRAM, code)
    assert await feedback.votes(SLACK.sid) == {"s05": Vote.DOWN}  # ... joins the reader's one set
    assert (await feedback.affinity(SLACK.sid)).source("日経クロステック") < 0
    await say(handler, TELEGRAM, "like s02")  # from the member chat ...
    await say(handler, SLACK, "dislike s03")  # ... and from the primary: one set, the primary's
    assert await feedback.votes(SLACK.sid) == {"s02": Vote.UP, "s03": Vote.DOWN, "s05": Vote.DOWN}
    await say(handler, TELEGRAM, "deliver on telegram")
    assert await feedback.votes(TELEGRAM.sid) == {"s02": Vote.UP, "s03": Vote.DOWN, "s05": Vote.DOWN}
    assert "from a source you liked" in await say(handler, SLACK, "why")


async def test_why_fits_every_reply_for_a_long_digest(handler: CommandHandler) -> None:
    await say(handler, TELEGRAM, "items 20")
    text = await say(handler, TELEGRAM, "why")
    assert len(text) <= MAX_REPLY and text.count("\n") == 8 + 1


async def _digest_sent(who: Identity, language: str, store: SubscriptionStore, feedback: FeedbackStore) -> None:
    """What the worker records after sending: the numbers a reader types then name the digest as it was sent."""
    edition = sample_edition(language)
    sub = await store.get(who) or Subscription(identity=who, language=language)
    await feedback.record_picks(who.sid, explain(digest_of(edition, sub, NO_AFFINITY), edition, NO_AFFINITY, ()))


async def test_plain_english_votes_name_a_story_of_the_digest(
    handler: CommandHandler, feedback: FeedbackStore, store: SubscriptionStore,
) -> None:
    await say(handler, TELEGRAM, "subscribe")
    await _digest_sent(TELEGRAM, "en", store, feedback)
    liked = await handler.handle(TELEGRAM, "More like 2!")
    assert liked.changed and liked.text.startswith("👍 Noted: more like “<!channel> Boston Dynamics")
    assert (await say(handler, TELEGRAM, "I liked story 2")).startswith("👍 You already liked")
    assert (await say(handler, TELEGRAM, "less like story 1")).startswith("👎 Noted: less like “OpenAI releases")
    assert (await say(handler, TELEGRAM, "I didn't like #1 please")).startswith("👎 You already disliked")
    assert (await say(handler, TELEGRAM, "more like 9")).startswith("Your digest has")  # no such story: says so
    assert await feedback.votes(TELEGRAM.sid) == {"s02": Vote.UP, "s01": Vote.DOWN}
    stories = await handler.handle(TELEGRAM, "more like 2 stories")  # a length, not a vote
    assert stories.text.startswith("Understood:")
    assert await feedback.votes(TELEGRAM.sid) == {"s02": Vote.UP, "s01": Vote.DOWN}


async def test_plain_japanese_votes_name_a_story_of_the_digest(
    handler: CommandHandler, feedback: FeedbackStore, store: SubscriptionStore,
) -> None:
    reader = Identity.parse("line:U1")
    await _digest_sent(reader, "ja", store, feedback)
    liked = await handler.handle(reader, "2が良かった")
    assert liked.language == "ja" and liked.text.startswith("👍 了解しました。「")
    assert (await say(handler, reader, "２番の記事が良かったです")).startswith("👍 「")  # already liked
    assert (await say(handler, reader, "1はいらない")).startswith("👎 了解しました。「")
    assert await feedback.votes(reader.sid) == {"s02": Vote.UP, "s01": Vote.DOWN}
    await say(handler, reader, "3件はいらない")  # a count of stories, not a vote on story 3
    assert await feedback.votes(reader.sid) == {"s02": Vote.UP, "s01": Vote.DOWN}
    sub = await store.get(reader)
    assert sub is not None and sub.items == 3
