"""The effective source list: the OPML file (``AITODAY_SOURCES`` or the bundled one) plus the operator's edits.

Why the edits live in Redis and not in the file: every process on every machine must see the same list
(DESIGN §6, nothing outside Redis is needed), and the bundled file is package data that upgrades replace.
``aitoday sources add/remove/import`` write the overlay; ``export`` writes the result as OPML 2.0.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import redis.asyncio as aioredis

from bot import keys
from bot.settings import Settings
from bot.store.errors import guarded
from summaries.models import Source
from summaries.sources import load_sources, parse_opml

__all__ = ["SourceList"]


@guarded
class SourceList:
    """Reads and edits the effective list. Sources are identified by id, exact name or feed URL."""

    def __init__(self, redis: aioredis.Redis, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings

    async def sources(self) -> list[Source]:
        """The OPML list minus removed ids, plus added sources, in list order (added ones last)."""
        base = await asyncio.to_thread(load_sources, self._settings.sources)
        removed = {str(x) for x in await self._redis.smembers(keys.sources_removed())}
        added_raw = await self._redis.hgetall(keys.sources_added())
        added = [Source.from_dict(json.loads(v)) for v in added_raw.values()]
        added_ids = {s.id for s in added}
        out = [s for s in base if s.id not in removed and s.id not in added_ids]
        out.extend(sorted((s for s in added if s.id not in removed), key=lambda s: s.name.casefold()))
        return out

    async def add(self, source: Source) -> bool:
        """Add (or re-add) a source; False when it is already on the list unchanged."""
        current = {s.id: s for s in await self.sources()}
        if current.get(source.id) == source:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.sources_added(), source.id, json.dumps(source.to_dict(), ensure_ascii=False))
            pipe.srem(keys.sources_removed(), source.id)
            await pipe.execute()
        return True

    async def remove(self, ident: str) -> Source | None:
        """Remove the source named by id, name (case-insensitive) or feed URL; None when there is none."""
        wanted = ident.strip()
        for source in await self.sources():
            if wanted in (source.id, source.feed_url) or source.name.casefold() == wanted.casefold():
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hdel(keys.sources_added(), source.id)
                    pipe.sadd(keys.sources_removed(), source.id)
                    await pipe.execute()
                return source
        return None

    async def import_opml(self, path: Path) -> tuple[int, int]:
        """Add every feed of an OPML file; (added, already present). Raises ``OPMLError`` on a bad file."""
        incoming = parse_opml(await asyncio.to_thread(path.read_bytes))
        added = 0
        for source in incoming:
            added += await self.add(source)
        return added, len(incoming) - added
