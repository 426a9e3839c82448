"""Editions and what making them needs in Redis: the stored editions, the LLM's card cache and its daily budget.

* ``EditionStore`` — one edition per (day, language) as JSON under ``keys.edition`` (90 days), its day in the
  per-language index ``keys.edition_index`` (score: the day's UTC midnight), written in one MULTI (both keys
  share the ``{e}`` slot); rebuilding a day replaces it. Also the demo's sample edition (``keys.sample_edition``),
  which the pages show until a real edition has stories.
* ``RedisCardCache`` — ``summaries.llm.CardCache``: one card per article and language (``SET NX``: the first
  card stored wins, every process then shows that one), kept ``CARD_TTL``.
* ``RedisTokenBudget`` — ``summaries.llm.TokenBudget`` for one UTC day. ``reserve`` is one Lua script (check
  and add atomically, so two workers cannot both take the last tokens); ``settle`` corrects by the real usage.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guarded
from summaries.models import Card, Edition

__all__ = ["CARD_TTL", "EditionStore", "RedisCardCache", "RedisTokenBudget"]

#: Cards outlive the articles they summarize (14 days) by a day.
CARD_TTL = timedelta(days=15)
_BUDGET_TTL = timedelta(days=2)
_EDITION_TTL = timedelta(days=90)
_LATEST_SCAN = 10  # index entries looked at for the latest edition (expired ones are dropped on the way)


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _decode(raw: str | bytes | None) -> Edition | None:
    return Edition.from_dict(json.loads(raw)) if raw else None


@guarded
class EditionStore:
    """The stored editions (and the demo's sample edition), per day and language."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def save(self, edition: Edition) -> None:
        """Store ``edition`` (replacing that day's) and index its day, atomically."""
        day = edition.date.isoformat()
        body = json.dumps(edition.to_dict(), ensure_ascii=False, sort_keys=True)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.edition(day, edition.language), body, ex=_EDITION_TTL)
            pipe.zadd(keys.edition_index(edition.language), {day: _epoch(edition.date)})
            await pipe.execute()

    async def load(self, day: date, language: str) -> Edition | None:
        return _decode(await self._redis.get(keys.edition(day.isoformat(), language)))

    async def latest(self, language: str) -> Edition | None:
        """The most recent stored edition in ``language`` (index entries whose edition expired are dropped)."""
        index = keys.edition_index(language)
        for raw in await self._redis.zrevrange(index, 0, _LATEST_SCAN - 1):
            day = str(raw)
            edition = await self.load(date.fromisoformat(day), language)
            if edition is not None:
                return edition
            await self._redis.zrem(index, day)
        return None

    async def latest_raw(self, language: str) -> str | None:
        """The newest indexed edition's JSON as stored (None when there is none): for figures, no parsing."""
        days = await self._redis.zrevrange(keys.edition_index(language), 0, 0)
        raw = await self._redis.get(keys.edition(str(days[0]), language)) if days else None
        return str(raw) if raw else None

    async def neighbours(self, day: date, language: str) -> tuple[str | None, str | None]:
        """The days of the editions just before and just after ``day`` in ``language`` (for a page's links)."""
        index = keys.edition_index(language)
        epoch = _epoch(day)
        before = await self._redis.zrevrangebyscore(index, f"({epoch}", "-inf", start=0, num=1)
        after = await self._redis.zrangebyscore(index, f"({epoch}", "+inf", start=0, num=1)
        return (str(before[0]) if before else None, str(after[0]) if after else None)

    async def save_sample(self, edition: Edition) -> None:
        """Keep ``edition`` as the demo's sample edition of its language."""
        await self._redis.set(keys.sample_edition(edition.language), json.dumps(edition.to_dict(), ensure_ascii=False))

    async def load_sample(self, language: str) -> Edition | None:
        """The demo's sample edition in ``language``, when ``aitoday run`` seeded one."""
        return _decode(await self._redis.get(keys.sample_edition(language)))


@guarded
class RedisCardCache:
    """``summaries.llm.CardCache`` on Redis: one JSON card per (fingerprint, language)."""

    def __init__(self, redis: RedisClient, *, ttl: timedelta = CARD_TTL) -> None:
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


@guarded
class RedisTokenBudget:
    """``summaries.llm.TokenBudget`` on Redis for one UTC day, shared by every process."""

    def __init__(self, redis: RedisClient, budget: int, *, day: date | None = None) -> None:
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
