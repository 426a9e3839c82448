"""Editions on Redis: build and store the day's edition, find the latest, and back the LLM's cache and budget.

Why here: ``summaries.edition`` knows how to make an edition but not where articles and cards live. This
module is the Redis side of it, used by the scheduler, the ``now`` command, the CLI and the web view:

* ``build_edition(runtime, day, language)`` reads the last 72 hours of articles (``RedisArticleStore``),
  builds the edition with the configured summarizer (LLM when ``AITODAY_LLM_*`` is set, else offline), and
  stores it under ``keys.edition(day, language)`` with its day in the per-language index, in one MULTI (both
  keys share the ``{e}`` slot). Rebuilding a day replaces it.
* ``latest_edition(runtime, language)`` / ``load_edition(runtime, day, language)`` read them back.
* ``RedisCardCache`` — one card per article and language (``SET NX``: the first card stored wins, every
  process then shows that one), kept ``CARD_TTL``.
* ``RedisTokenBudget`` — the day's LLM tokens (UTC day). ``reserve`` is one Lua script (check and add
  atomically, so two workers cannot both take the last tokens); ``settle`` corrects by the real usage.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import redis.asyncio as aioredis

from bot import keys
from bot.runtime import Runtime
from bot.store.articles import RedisArticleStore
from summaries import edition as edition_core
from summaries.cluster import WINDOW
from summaries.llm import LLMConfig, LLMSummarizer
from summaries.models import Card, Edition
from summaries.summarize import OfflineSummarizer, Summarizer

__all__ = [
    "CARD_TTL",
    "RedisCardCache",
    "RedisTokenBudget",
    "build_edition",
    "latest_edition",
    "load_edition",
]

#: Cards outlive the articles they summarize (14 days) by a day.
CARD_TTL = timedelta(days=15)
_BUDGET_TTL = timedelta(days=2)
_EDITION_TTL = timedelta(days=90)


class RedisCardCache:
    """``summaries.llm.CardCache`` on Redis: one JSON card per (fingerprint, language)."""

    def __init__(self, redis: aioredis.Redis, *, ttl: timedelta = CARD_TTL) -> None:
        self._redis = redis
        self._ttl = ttl

    async def get(self, fingerprint: str, language: str) -> Card | None:
        raw = await self._redis.get(keys.card(fingerprint, language))
        return Card.from_dict(json.loads(raw)) if raw else None

    async def put(self, fingerprint: str, language: str, card: Card) -> bool:
        body = json.dumps(card.to_dict(), ensure_ascii=False)
        stored = await self._redis.set(keys.card(fingerprint, language), body, nx=True, ex=self._ttl)
        return bool(stored)


# KEYS[1] = the day's counter; ARGV[1] = tokens to take, ARGV[2] = the budget, ARGV[3] = TTL seconds.
# Takes the tokens only if the total stays within the budget; returns 1 when taken, 0 otherwise.
_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[1])
if used + want > tonumber(ARGV[2]) then
  return 0
end
redis.call('INCRBY', KEYS[1], want)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class RedisTokenBudget:
    """``summaries.llm.TokenBudget`` on Redis for one UTC day, shared by every process."""

    def __init__(self, redis: aioredis.Redis, budget: int, *, day: date | None = None) -> None:
        self._redis = redis
        self._budget = budget
        self._key = keys.llm_tokens((day or datetime.now(UTC).date()).isoformat())

    async def reserve(self, tokens: int) -> bool:
        taken = await self._redis.eval(  # type: ignore[misc]
            _RESERVE, 1, self._key, int(tokens), self._budget, int(_BUDGET_TTL.total_seconds())
        )
        return bool(int(taken))

    async def settle(self, reserved: int, used: int) -> None:
        if used != reserved:
            await self._redis.incrby(self._key, int(used) - int(reserved))

    async def spent(self) -> int:
        """Tokens taken today (reservations included)."""
        return int(await self._redis.get(self._key) or 0)


def _summarizer(runtime: Runtime, day: date) -> tuple[Summarizer, LLMSummarizer | None]:
    settings = runtime.settings
    if not (settings.llm_enabled and settings.llm_base_url and settings.llm_model):
        return OfflineSummarizer(), None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    llm = LLMSummarizer(
        LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key),
        cache=RedisCardCache(runtime.redis),
        budget=RedisTokenBudget(runtime.redis, settings.llm_daily_token_budget, day=day),
    )
    return llm, llm


async def build_edition(runtime: Runtime, day: date, language: str, *, now: datetime | None = None) -> Edition:
    """Build, store and return the edition of ``day`` in ``language`` (``now`` defaults to the clock)."""
    now = now or datetime.now(UTC)
    cutoff = edition_core.cutoff_for(day, now)
    articles = await RedisArticleStore(runtime.redis).recent_articles(cutoff - WINDOW)
    summarizer, closable = _summarizer(runtime, now.date())
    try:
        edition = await edition_core.build_edition(
            articles, day=day, language=language, summarizer=summarizer, now=now
        )
    finally:
        if closable is not None:
            await closable.aclose()
    await store_edition(runtime.redis, edition)
    return edition


async def store_edition(redis: aioredis.Redis, edition: Edition) -> None:
    """Store ``edition`` (replacing that day's) and index its day, atomically."""
    day = edition.date.isoformat()
    body = json.dumps(edition.to_dict(), ensure_ascii=False, sort_keys=True)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.edition(day, edition.language), body, ex=_EDITION_TTL)
        pipe.zadd(keys.edition_index(edition.language), {day: _epoch(edition.date)})
        await pipe.execute()


async def load_edition(runtime: Runtime, day: date, language: str) -> Edition | None:
    raw = await runtime.redis.get(keys.edition(day.isoformat(), language))
    return Edition.from_dict(json.loads(raw)) if raw else None


async def latest_edition(runtime: Runtime, language: str) -> Edition | None:
    """The most recent stored edition in ``language`` (index entries whose edition expired are dropped)."""
    index = keys.edition_index(language)
    for raw in await runtime.redis.zrevrange(index, 0, 9):
        day = str(raw)
        edition = await load_edition(runtime, date.fromisoformat(day), language)
        if edition is not None:
            return edition
        await runtime.redis.zrem(index, day)
    return None


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
