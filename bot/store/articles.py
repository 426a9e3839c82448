"""Redis implementation of the ingest ports (``summaries.ports``): articles, dedupe aliases, source state.

Articles, their index and the alias map share the ``{a}`` hash tag, so the dedupe check and the insert run
in one Lua script (atomic, and valid on Redis Cluster): two ingest processes that meet the same article at
the same moment store it once. Keys are in ``bot.keys``.

Lifetimes: an article expires 14 days after it was stored. Its aliases live while feeds keep carrying the
item (each sighting renews them) and are forgotten 14 days after the last sighting, so a publisher that
re-sends its whole history every time (OpenAI sends 599 items) does not get its history re-stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guarded
from summaries.models import Article
from summaries.ports import SourceState

__all__ = ["RETENTION", "RedisArticleStore"]

#: How long articles (and unseen aliases, and extracted page texts) are kept.
RETENTION = timedelta(days=14)
_READ_CHUNK = 500
#: Commands this store runs at once. An ingest run works on hundreds of sources concurrently; the client's
#: connection pool (100 by default) must stay available to the other roles sharing the runtime.
_CONCURRENCY = 32

# KEYS: seen hash, seen-at zset. ARGV: now, then per group: n, alias_1 .. alias_n.
# Returns 1/0 per group. A known group's aliases are all mapped (HSETNX: never stealing an alias another
# article owns) to the article found and their sighting renewed: that is how a changed GUID is learned.
_KNOWN = """
local now = ARGV[1]
local out = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local fp = false
  for j = 1, n do
    fp = redis.call('HGET', KEYS[1], ARGV[i + j])
    if fp then break end
  end
  if fp then
    for j = 1, n do
      redis.call('HSETNX', KEYS[1], ARGV[i + j], fp)
      redis.call('ZADD', KEYS[2], now, ARGV[i + j])
    end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
  i = i + n + 1
end
return out
"""

# KEYS: seen hash, seen-at zset, index zset, then one article key per article.
# ARGV: now, ttl seconds, article key prefix, then per article: fingerprint, published epoch, json, n, aliases.
# Stores each article whose aliases are all unknown; records every alias either way. Returns the 1-based
# positions of the articles stored. Then, bounded per call: forgets aliases unseen for ttl seconds and drops
# index entries (oldest published first) whose article has expired. The article key prefix shares the {a}
# tag with KEYS, so the keys built from it live in the same cluster slot.
_ADD = """
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local prefix = ARGV[3]
local stored = {}
local i = 4
local k = 4
while i <= #ARGV do
  local fp, published, body, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local existing = false
  for j = 1, n do
    existing = redis.call('HGET', KEYS[1], ARGV[i + 3 + j])
    if existing then break end
  end
  local target = existing or fp
  for j = 1, n do
    redis.call('HSETNX', KEYS[1], ARGV[i + 3 + j], target)
    redis.call('ZADD', KEYS[2], now, ARGV[i + 3 + j])
  end
  if not existing then
    redis.call('SET', KEYS[k], body, 'EX', ttl)
    redis.call('ZADD', KEYS[3], published, fp)
    stored[#stored + 1] = k - 3
  end
  i = i + 4 + n
  k = k + 1
end
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl, 'LIMIT', 0, 500)
for _, alias in ipairs(old) do redis.call('HDEL', KEYS[1], alias) end
if #old > 0 then redis.call('ZREM', KEYS[2], unpack(old)) end
local oldest = redis.call('ZRANGE', KEYS[3], 0, 49)
for _, fp in ipairs(oldest) do
  if redis.call('EXISTS', prefix .. fp) == 0 then redis.call('ZREM', KEYS[3], fp) end
end
return stored
"""


# KEYS: source state hashes. Returns each hash as one JSON array [field, value, ...]: the run's first
# read, on its critical path, is then one reply per source instead of two dozen.
_LOAD_STATES = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = cjson.encode(redis.call('HGETALL', key)) end
return out
"""


def _url_hash(url: str) -> str:
    return hashlib.blake2b(url.encode("utf-8"), digest_size=12).hexdigest()


@guarded
class RedisArticleStore:
    """``ArticleStore`` + ``SourceStateStore`` + ``FullTextCache`` on one Redis (decode_responses=True)."""

    def __init__(self, redis: RedisClient, *, retention: timedelta = RETENTION) -> None:
        self._redis = redis
        self._slots = asyncio.Semaphore(_CONCURRENCY)
        self._ttl = int(retention.total_seconds())
        self._known = redis.register_script(_KNOWN)
        self._add = redis.register_script(_ADD)
        self._load_states = redis.register_script(_LOAD_STATES)

    # ------------------------------------------------------------------ ArticleStore

    async def known(self, alias_groups: Sequence[Sequence[str]]) -> list[bool]:
        if not alias_groups:
            return []
        argv: list[str | int] = [int(datetime.now(UTC).timestamp())]
        for group in alias_groups:
            argv.append(len(group))
            argv.extend(group)
        async with self._slots:
            flags = await self._known(keys=[keys.article_seen(), keys.article_seen_at()], args=argv)
        return [bool(int(flag)) for flag in flags]

    async def add(self, items: Sequence[tuple[Article, Sequence[str]]]) -> list[Article]:
        if not items:
            return []
        now = int(datetime.now(UTC).timestamp())
        argv: list[str | int | float] = [now, self._ttl, keys.article("")]
        article_keys: list[str] = []
        for article, aliases in items:
            article_keys.append(keys.article(article.fingerprint))
            body = json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":"))
            argv.extend([article.fingerprint, article.published.timestamp(), body, len(aliases), *aliases])
        async with self._slots:
            positions = await self._add(
                keys=[keys.article_seen(), keys.article_seen_at(), keys.article_index(), *article_keys], args=argv
            )
        return [items[int(p) - 1][0] for p in positions]

    async def recent_articles(self, since: datetime) -> list[Article]:
        raw = await self._redis.zrevrangebyscore(keys.article_index(), "+inf", since.timestamp())
        fingerprints = [str(fp) for fp in raw]
        out: list[Article] = []
        gone: list[str] = []
        for start in range(0, len(fingerprints), _READ_CHUNK):
            chunk = fingerprints[start : start + _READ_CHUNK]
            bodies = await self._redis.mget([keys.article(fp) for fp in chunk])
            for fp, body in zip(chunk, bodies, strict=True):
                if body is None:
                    gone.append(fp)
                else:
                    out.append(Article.from_dict(json.loads(body)))
        if gone:
            await self._redis.zrem(keys.article_index(), *gone)
        return out

    async def article_count(self) -> int:
        """Articles in the index (expired ones included until the next cleanup)."""
        return int(await self._redis.zcard(keys.article_index()))

    async def get(self, fingerprint: str) -> Article | None:
        body = await self._redis.get(keys.article(fingerprint))
        return Article.from_dict(json.loads(body)) if body else None

    # ------------------------------------------------------------------ SourceStateStore

    async def load_states(self, source_ids: Sequence[str]) -> dict[str, SourceState]:
        out: dict[str, SourceState] = {}
        for start in range(0, len(source_ids), _READ_CHUNK):
            chunk = source_ids[start : start + _READ_CHUNK]
            rows = await self._load_states(keys=[keys.source_state(sid) for sid in chunk])
            for sid, row in zip(chunk, rows, strict=True):
                flat = json.loads(row)  # [] or {} for a source never seen
                out[sid] = SourceState.from_fields(dict(zip(flat[::2], flat[1::2], strict=True)) if flat else {})
        return out

    async def save_state(self, source_id: str, state: SourceState) -> None:
        async with self._slots:
            await self._redis.hset(keys.source_state(source_id), mapping=state.to_fields())  # type: ignore[arg-type]

    async def save_states(self, states: Mapping[str, SourceState]) -> None:
        if not states:
            return
        async with self._slots, self._redis.pipeline(transaction=False) as pipe:
            for source_id, state in states.items():
                pipe.hset(keys.source_state(source_id), mapping=state.to_fields())  # type: ignore[arg-type]
            await pipe.execute()

    async def forget_state(self, source_id: str) -> None:
        await self._redis.delete(keys.source_state(source_id))

    # ------------------------------------------------------------------ FullTextCache

    async def get_text(self, url: str) -> str | None:
        async with self._slots:
            value = await self._redis.get(keys.fulltext(_url_hash(url)))
        return None if value is None else str(value)

    async def put_text(self, url: str, text: str) -> None:
        async with self._slots:
            await self._redis.set(keys.fulltext(_url_hash(url)), text, ex=self._ttl)
