"""Operational figures kept in the stores, read at once for ``/metrics`` and ``/healthz``.

Each figure is a size Redis already keeps (the article index, the shards' due indexes, the day's LLM token
counter), so reading them costs one pipelined round trip and needs no cooperation from the other roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guard

__all__ = ["StoreFigures", "ping", "read_store_figures"]


@dataclass(frozen=True, slots=True)
class StoreFigures:
    articles_stored: int = 0
    subscriptions_scheduled: int = 0
    llm_tokens_today: int = 0


@guard
async def ping(redis: RedisClient) -> None:
    """Return when Redis answers; ``StoreUnavailable`` otherwise."""
    await redis.ping()


@guard
async def read_store_figures(redis: RedisClient, today: date) -> StoreFigures:
    """Articles held, subscriptions with a next send time, and the LLM tokens taken on ``today`` (UTC)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(keys.article_index())
        for shard in range(keys.SHARDS):
            pipe.zcard(keys.due_index(shard))
        pipe.get(keys.llm_tokens(today.isoformat()))
        values = await pipe.execute()
    return StoreFigures(articles_stored=int(values[0]), subscriptions_scheduled=sum(int(n) for n in values[1:-1]),
                        llm_tokens_today=int(values[-1] or 0))
