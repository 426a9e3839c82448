"""The due-tick's one transaction per shard and batch: due subscriptions → units on the shard's stream.

``plan_batch`` WATCHes the shard's due index and the batch's subscription hashes, reads them (the hashes in one
Lua round trip), lets the caller decide each subscription (``bot.delivery.planner``: pure, no I/O), and writes
every decision in one MULTI/EXEC: the XADD of the unit, the subscription's ``last_slot``, the delivery log's
"skipped" line and the next send time move together or not at all. A concurrent change fails the EXEC on
WATCH and the caller reads the batch again.

Redis work per subscription: one HGETALL, one XADD, one HSET (the ZADD of the batch is one command).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import WatchError

from bot import keys
from bot.delivery.queue.units import Unit
from bot.store.client import RedisClient
from bot.store.errors import guard

__all__ = ["Decide", "Decision", "plan_batch"]

# Reads the batch's hashes in one round trip while the connection is WATCHing them.
_READ = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """What planning does to one due subscription."""

    sid: str
    next_at: float | None  # None: drop from the index
    unit: Unit | None = None
    last_slot: str | None = None
    skipped_line: str | None = None


#: ``(sid, due score, the subscription's hash)`` → what to do; pure, may be called again after a conflict.
Decide = Callable[[str, float, dict[str, str]], Decision]


@guard
async def plan_batch(redis: RedisClient, shard: int, until: float, limit: int,
                     decide: Decide) -> list[Decision] | None:
    """Plan up to ``limit`` subscriptions of ``shard`` due at or before ``until`` (epoch seconds).

    Returns the decisions written (empty when nothing is due), or None when a concurrent change interfered
    and nothing was written.
    """
    due_key = keys.due_index(shard)
    async with redis.pipeline(transaction=True) as pipe:
        try:
            await pipe.watch(due_key)
            rows: list[Any] = await pipe.zrangebyscore(due_key, "-inf", until, start=0, num=limit, withscores=True)
            if not rows:
                await pipe.unwatch()  # type: ignore[no-untyped-call]
                return []
            sids = [str(sid) for sid, _ in rows]
            sub_keys = [keys.subscription(sid) for sid in sids]
            await pipe.watch(*sub_keys)
            hashes: list[Any] = await pipe.execute_command(  # type: ignore[assignment]
                "EVAL", _READ, len(sub_keys), *sub_keys)
            decisions = [decide(str(sid), float(score), _pairs(raw))
                         for (sid, score), raw in zip(rows, hashes, strict=True)]
            pipe.multi()  # type: ignore[no-untyped-call]
            _write(pipe, shard, decisions)
            await pipe.execute()
        except WatchError:
            return None
    return decisions


def _write(pipe: Any, shard: int, decisions: list[Decision]) -> None:
    due_key = keys.due_index(shard)
    stream = keys.shard_stream(shard)
    scores: dict[str, float] = {}
    gone: list[str] = []
    for d in decisions:
        if d.unit is not None:
            pipe.xadd(stream, {"u": d.unit.encode()})
        if d.skipped_line is not None:
            pipe.lpush(keys.delivery_log(d.sid), d.skipped_line)
        if d.last_slot is not None:
            pipe.hset(keys.subscription(d.sid), "last_slot", d.last_slot)
        if d.next_at is None:
            gone.append(d.sid)
        else:
            scores[d.sid] = d.next_at
    if scores:
        pipe.zadd(due_key, scores)
    if gone:
        pipe.zrem(due_key, *gone)


def _pairs(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    items = list(raw or [])
    return {str(items[i]): str(items[i + 1]) for i in range(0, len(items), 2)}
