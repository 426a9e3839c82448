"""The stories of recent editions, for the story pages: find one by id, and the candidates to relate it to.

Why read editions rather than keep a story index: an edition is the unit every channel shows, written in
one place (``bot.content.editions``); reading the last 14 days of one language is one ZRANGEBYSCORE and one
MGET in the ``{e}`` slot, and no second copy of a story can drift from the edition it came from. A story in
several editions (a story that ran on two days) is taken from the newest. The demo's sample edition (shown on
the front page until a real edition has stories) comes last, so its cards have pages too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot import keys
from bot.store.client import RedisClient
from summaries.models import Edition, Story

__all__ = ["STORY_DAYS", "StoryArchive"]

#: How far back a story page and its related articles look.
STORY_DAYS = 14


class StoryArchive:
    """Read-only view of the stories of the last ``STORY_DAYS`` days of editions in one language."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def recent(self, language: str, *, now: datetime | None = None, days: int = STORY_DAYS) -> list[Story]:
        """Every story of the editions of the last ``days`` days, newest edition first, each id once."""
        now = now or datetime.now(UTC)
        since = (now - timedelta(days=days + 1)).timestamp()
        index = keys.edition_index(language)
        found = await self._redis.zrevrangebyscore(index, "+inf", since)
        wanted = [keys.edition(str(day), language) for day in found] + [keys.sample_edition(language)]
        bodies = await self._redis.mget(wanted)
        stories: dict[str, Story] = {}
        for body in bodies:
            if not body:
                continue
            edition = Edition.from_dict(json.loads(body))
            for story in edition.stories:
                stories.setdefault(story.id, story)
        return list(stories.values())
