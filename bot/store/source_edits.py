"""The effective source list: the OPML file (``AITODAY_SOURCES`` or the bundled one) plus the operator's edits.

Why the edits live in Redis and not in the file: every process on every machine must see the same list
(DESIGN §6, nothing outside Redis is needed), and the bundled file is package data that upgrades replace.
``aitoday sources add/remove/import`` write the overlay; ``export`` writes the result as OPML 2.0.

Three overlays, applied in this order: sources removed (by id), sources added or replaced (Source JSON by
id), and feeds that moved (a permanent redirect confirmed by ``summaries.ingest``: the source keeps its id,
name, category and health, only its feed URL changes). A source is the same source when its id or its feed
URL (old or moved) matches: an OPML import merges by feed URL.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline

from bot import keys
from bot.settings import Settings
from bot.store.client import RedisClient
from bot.store.errors import guarded
from summaries.models import Source
from summaries.sources import OPMLError, load_sources, parse_opml

__all__ = ["ImportResult", "Move", "SourceList"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an OPML import did: feeds new to the list, feeds already listed (and, with ``replace``, how many
    of those were rewritten with the file's name and category)."""

    new: int
    listed: int
    replaced: int = 0

    def describe(self) -> str:
        text = f"{self.new} new, {self.listed} already listed"
        return text + (f" ({self.replaced} updated from the file)" if self.replaced else "")


@dataclass(frozen=True, slots=True)
class Move:
    """A feed that moved for good: its old and new URL and when the move was stored."""

    source_id: str
    old_url: str
    new_url: str
    at: datetime


def _same_feed(a: str, b: str) -> bool:
    return a.strip().rstrip("/").casefold() == b.strip().rstrip("/").casefold()


@guarded
class SourceList:
    """Reads and edits the effective list. Sources are identified by id, exact name or feed URL."""

    def __init__(self, redis: RedisClient, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings

    async def sources(self) -> list[Source]:
        """The OPML list minus removed ids, plus added sources, in list order (added ones last), moves applied."""
        base = await asyncio.to_thread(load_sources, self._settings.sources)
        removed = {str(x) for x in await self._redis.smembers(keys.sources_removed())}
        added_raw = await self._redis.hgetall(keys.sources_added())
        added = [Source.from_dict(json.loads(v)) for v in added_raw.values()]
        added_ids = {s.id for s in added}
        out = [s for s in base if s.id not in removed and s.id not in added_ids]
        out.extend(sorted((s for s in added if s.id not in removed), key=lambda s: s.name.casefold()))
        moves = await self.moves()
        return [replace(s, feed_url=moves[s.id].new_url) if s.id in moves else s for s in out]

    async def moves(self) -> dict[str, Move]:
        """Feeds that moved, by source id."""
        raw = await self._redis.hgetall(keys.sources_moved())
        out: dict[str, Move] = {}
        for source_id, text in raw.items():
            data = json.loads(text)
            out[str(source_id)] = Move(str(source_id), data["from"], data["to"], datetime.fromisoformat(data["at"]))
        return out

    async def move(self, source: Source, new_url: str, *, now: datetime | None = None) -> None:
        """Store that ``source`` now lives at ``new_url`` (its first URL is kept as where it moved from)."""
        previous = (await self.moves()).get(source.id)
        first = previous.old_url if previous is not None else source.feed_url
        when = (now or datetime.now(UTC)).isoformat()
        await self._redis.hset(keys.sources_moved(), source.id, json.dumps({"from": first, "to": new_url, "at": when}))

    def _find(self, listed: list[Source], moves: dict[str, Move], source: Source) -> Source | None:
        for present in listed:
            urls = [present.feed_url]
            if present.id in moves:
                urls.append(moves[present.id].old_url)
            if present.id == source.id or any(_same_feed(url, source.feed_url) for url in urls):
                return present
        return None

    async def add(self, source: Source) -> bool:
        """Add (or re-add) a source; False when it is already on the list unchanged."""
        listed = await self.sources()
        present = self._find(listed, await self.moves(), source)
        if present is not None and replace(present, feed_url=source.feed_url, id=source.id) == source:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            self._write(pipe, replace(source, id=present.id) if present is not None else source)
            await pipe.execute()
        return True

    @staticmethod
    def _write(pipe: Pipeline | ClusterPipeline, source: Source) -> None:
        pipe.hset(keys.sources_added(), source.id, json.dumps(source.to_dict(), ensure_ascii=False))
        pipe.srem(keys.sources_removed(), source.id)

    async def remove(self, ident: str) -> Source | None:
        """Remove the source named by id, name (case-insensitive) or feed URL; None when there is none."""
        wanted = ident.strip()
        for source in await self.sources():
            if wanted in (source.id, source.feed_url) or source.name.casefold() == wanted.casefold():
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hdel(keys.sources_added(), source.id)
                    pipe.hdel(keys.sources_moved(), source.id)
                    pipe.sadd(keys.sources_removed(), source.id)
                    await pipe.execute()
                return source
        return None

    async def import_opml(self, path: Path, *, replace_listed: bool = False) -> ImportResult:
        """Merge the feeds of an OPML file into the list, by feed URL.

        A feed already listed keeps its name and category unless ``replace_listed``; a feed listed twice in
        the file counts once. The file is parsed in full before anything is written, and the writes are one
        transaction: a bad file (``OPMLError``, also for a file listing no feed) or a failure changes nothing.
        """
        incoming = parse_opml(await asyncio.to_thread(path.read_bytes))
        if not incoming:
            raise OPMLError("it lists no feed (no outline with an xmlUrl)")
        listed = await self.sources()
        moves = await self.moves()
        new = already = rewritten = 0
        seen: set[str] = set()
        writes: list[Source] = []
        for source in incoming:
            if source.id in seen:
                continue
            seen.add(source.id)
            present = self._find(listed, moves, source)
            if present is None:
                new += 1
                writes.append(source)
                listed.append(source)
                continue
            already += 1
            updated = replace(source, id=present.id, feed_url=present.feed_url)
            if replace_listed and updated != present:
                rewritten += 1
                writes.append(updated)
        if writes:
            async with self._redis.pipeline(transaction=True) as pipe:
                for source in writes:
                    self._write(pipe, source)
                await pipe.execute()
        return ImportResult(new=new, listed=already, replaced=rewritten)
