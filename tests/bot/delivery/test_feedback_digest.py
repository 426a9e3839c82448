"""The worker sends the steered digest and records its picks, which ``why`` and ``like N`` then read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from bot import keys
from bot.content.editions import FixedEditions
from bot.conversation.commands import CommandHandler
from bot.store.feedback import FeedbackStore, StoryRef, Vote
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.bot.delivery.engine import running_worker
from tests.sample_edition import sample_edition
from tests.stubs.recording_provider import RecordingProvider


async def test_a_liked_source_leads_the_sent_digest_and_why_explains_what_was_sent(
    redis_client: aioredis.Redis, provider: RecordingProvider,
) -> None:
    feedback = FeedbackStore(redis_client)
    async with running_worker(redis_client, provider.url) as engine:
        fan, plain = await add_subscribers(engine.store, ["fan", "plain"])
        for story in ("s02", "s99"):
            await feedback.vote(fan.sid, StoryRef(story, "the-robot-report", ("robotics",)), Vote.UP)
        await make_due(redis_client, [fan, plain], datetime.now(UTC) - timedelta(seconds=5))
        await engine.planner.tick()
        await provider.wait_accepted(2)

        async def settled() -> bool:
            return await pending_total(redis_client) == 0

        await wait_until(settled, what="both settled")
        fan_picks, plain_picks = await feedback.picks(fan.sid), await feedback.picks(plain.sid)
        assert fan_picks is not None and plain_picks is not None
        assert [p.story_id for p in plain_picks.stories][:2] == ["s01", "s02"]  # the edition's order
        assert [p.story_id for p in fan_picks.stories][:2] == ["s02", "s01"]  # lifted one place
        assert "liked_source" in fan_picks.stories[0].reasons

        raw = await redis_client.get(keys.picks(fan.sid))
        assert raw is not None and len(raw) < 100 * len(fan_picks.stories)  # ids and reasons: no titles kept
        editions = FixedEditions({"en": sample_edition("en")})  # where `why` takes the titles from
        handler = CommandHandler(engine.store, feedback=feedback, editions=editions)
        why = (await handler.handle(fan.identity, "why")).text.splitlines()
        assert why[1].startswith("1. <!channel> Boston Dynamics") and "from a source you liked" in why[1]
        reply = await handler.handle(fan.identity, "dislike 2")  # the second story *as sent*: OpenAI's
        assert reply.text.startswith("👎 Noted: less like “OpenAI releases GPT-6")
