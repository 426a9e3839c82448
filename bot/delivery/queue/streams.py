"""The delivery queue: one Redis Stream per shard, read by the consumer group ``workers``.

Why per shard: a delivery's stream entry, its subscription, its due index, its retry set, its dead letters and
its delivery log all share the shard's hash tag, so planning (due index → stream) and settling (log + XACK,
or log + retry + XACK) are each one MULTI/EXEC in one slot, on a single Redis or a Redis Cluster alike.

Life of a unit::

    planner ──XADD──► {sNN}:q ──XREADGROUP──► worker ──provider accepted──► MULTI LPUSH log "sent"; XACK EXEC
                         ▲                      │ RateLimited / Transient: MULTI ZADD {sNN}:retry; XACK EXEC
                         └──promote_due (Lua)───┘ N attempts / our bug:   MULTI XADD {sNN}:dead; XACK EXEC

Guarantees: an entry leaves the pending list only in a settle transaction (after the provider accepted it,
or after it was re-scheduled or dead-lettered in the same transaction). An entry left pending by a dead or
stalled worker is taken over with XAUTOCLAIM once idle for the lease; a worker that is legitimately waiting
(pacing, a slow provider) renews its entries with ``renew`` (XCLAIM JUSTID, only if it still owns them).
Consumers are never deleted (their pending entries would be lost) and ``trim`` never cuts below the oldest
pending or unread entry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from redis.exceptions import ResponseError

from bot import keys
from bot.delivery.queue.units import Claimed, DeadLetter, Settlement, Unit
from bot.store.client import RedisClient, each_concurrently
from bot.store.errors import guarded
from bot.store.feedback import FeedbackStore

__all__ = ["GROUP", "DeliveryQueue", "QueueSizes"]

GROUP = "workers"
_PER_SHARD_READ = 8


def _decode_entries(shard: int, rows: Iterable[Any], *, fresh: bool = False) -> list[Claimed]:
    claimed = []
    for entry_id, body in rows:
        unit: Unit | None = None
        if body and "u" in body:
            with contextlib.suppress(ValueError):
                unit = Unit.decode(body["u"])
        claimed.append(Claimed(shard=shard, entry_id=str(entry_id), unit=unit, fresh=fresh))
    return claimed


# Renew the lease of entries this consumer still owns: XCLAIM ... JUSTID resets the idle time without counting a
# delivery. An entry another worker has already taken over is left alone and reported as lost.
_RENEW = """
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
"""

# Move units whose retry time has come back onto the stream (atomic: a unit is either in the set or queued).
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'u', member)
  redis.call('ZREM', KEYS[1], member)
end
return #due
"""

# Cut acknowledged entries: below the oldest pending entry, or through the last one handed out when none is.
_TRIM = """
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if not ok then return 0 end
local last = nil
for _, g in ipairs(groups) do
  local name, delivered
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then delivered = g[i + 1] end
  end
  if name == ARGV[1] then last = delivered end
end
if not last or last == '0-0' then return 0 end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
local minid
if tonumber(pending[1]) > 0 then
  minid = pending[2]
else
  local ms, seq = string.match(last, '^(%d+)-(%d+)$')
  minid = ms .. '-' .. tostring(tonumber(seq) + 1)
end
return redis.call('XTRIM', KEYS[1], 'MINID', minid)
"""

# "now": one on-demand unit per subscriber per cooldown.
_ENQUEUE_NOW = """
if tonumber(ARGV[1]) > 0 then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
end
redis.call('XADD', KEYS[2], '*', 'u', ARGV[2])
return 1
"""

# Replay dead letters: back onto the stream with a fresh attempt count, then removed from the dead letters.
_REPLAY = """
local n = 0
for i = 1, #ARGV do
  local rows = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if rows[1] then
    local body = rows[1][2]
    for j = 1, #body, 2 do
      if body[j] == 'u' then
        local d, a, f, t = string.match(body[j + 1], '^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)$')
        if d then
          redis.call('XADD', KEYS[2], '*', 'u', d .. '\\t0\\t\\t' .. t)
          n = n + 1
        end
      end
    end
    redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
return n
"""


@dataclass(slots=True)
class QueueSizes:
    """What ``aitoday deliveries`` prints about the queue."""

    entries: int = 0
    pending: int = 0
    retrying: int = 0
    dead_letters: int = 0


@guarded
class DeliveryQueue:
    """One consumer's view of the sharded delivery streams. ``consumer`` must be stable across restarts."""

    def __init__(self, redis: RedisClient, consumer: str = "") -> None:
        self._redis = redis
        self.consumer = consumer
        self._cursor: dict[int, str] = dict.fromkeys(range(keys.SHARDS), "0")  # own pending first
        self._reclaim_from: dict[int, str] = dict.fromkeys(range(keys.SHARDS), "0-0")
        self._next_shard = 0
        self._renew = redis.register_script(_RENEW)
        self._promote = redis.register_script(_PROMOTE)
        self._trim = redis.register_script(_TRIM)
        self._enqueue_now = redis.register_script(_ENQUEUE_NOW)
        self._replay = redis.register_script(_REPLAY)

    async def ensure_groups(self) -> None:
        """Create each shard's stream and group (idempotent; a new group reads from the start)."""
        for shard in range(keys.SHARDS):
            try:
                await self._redis.xgroup_create(keys.shard_stream(shard), GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # ------------------------------------------------------------------------------------------ consuming

    async def read(self, count: int) -> list[Claimed]:
        """At most ``count`` entries: this consumer's own pending ones first (after a restart), then new ones.

        One pipelined round trip over a rotating window of shards, asking each for its share (about
        ``_PER_SHARD_READ`` entries: one command brings several, and entries of one shard finish together, so
        they settle in one transaction). A worker never holds more than it asked for. Non-blocking: the caller
        decides how long to idle.
        """
        if count <= 0:
            return []
        width = max(1, min(keys.SHARDS, count // _PER_SHARD_READ))
        shards = [(self._next_shard + i) % keys.SHARDS for i in range(width)]
        self._next_shard = (self._next_shard + width) % keys.SHARDS
        per_shard = count // width
        async with self._redis.pipeline(transaction=False) as pipe:
            for shard in shards:
                pipe.xreadgroup(GROUP, self.consumer, {keys.shard_stream(shard): self._cursor[shard]},
                                count=per_shard)
            replies = await pipe.execute(raise_on_error=False)
        claimed: list[Claimed] = []
        failure: Exception | None = None
        for shard, reply in zip(shards, replies, strict=True):
            if isinstance(reply, ResponseError) and "NOGROUP" in str(reply):
                await self.ensure_groups()
                continue
            if isinstance(reply, Exception):
                # One shard's node failed (a killed primary before its replica is promoted): the entries the
                # other shards handed over are pending on us now, so they are kept; this shard is read again
                # on a later round, and the failure is raised only when nothing else came back.
                failure = failure or reply
                continue
            rows = reply[0][1] if reply else []
            got = _decode_entries(shard, rows, fresh=self._cursor[shard] == ">")
            if self._cursor[shard] != ">":
                if got:
                    self._cursor[shard] = got[-1].entry_id
                else:
                    self._cursor[shard] = ">"
            claimed.extend(got)
        if failure is not None and not claimed:
            raise failure
        return claimed

    async def reclaim(self, min_idle_seconds: float, count: int) -> list[Claimed]:
        """Take over entries idle for longer than the lease (their worker died or stalled): XAUTOCLAIM."""
        claimed: list[Claimed] = []
        for shard in range(keys.SHARDS):
            if len(claimed) >= count:
                break
            try:
                reply = await self._redis.xautoclaim(
                    keys.shard_stream(shard), GROUP, self.consumer, int(min_idle_seconds * 1000),
                    start_id=self._reclaim_from[shard], count=max(1, count - len(claimed)),
                )
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    continue
                raise
            self._reclaim_from[shard] = str(reply[0])
            claimed.extend(_decode_entries(shard, [row for row in reply[1] if row is not None]))
        return claimed

    async def renew(self, held: dict[int, list[str]]) -> set[tuple[int, str]]:
        """Reset the idle time of entries we still own; return ``(shard, id)`` of those another worker took over."""
        lost: set[tuple[int, str]] = set()
        shards = [shard for shard, ids in held.items() if ids]
        replies = await each_concurrently([
            partial(self._renew, keys=[keys.shard_stream(shard)], args=[GROUP, self.consumer, *held[shard]])
            for shard in shards])
        for shard, reply in zip(shards, replies, strict=True):
            lost.update((shard, str(x)) for x in reply)
        return lost

    async def promote_due(self, now: float, limit: int = 500) -> int:
        """Queue every re-scheduled unit whose time has come; returns how many moved.

        One pipelined look at each shard's earliest retry; the moving script runs only where one is due.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            for shard in range(keys.SHARDS):
                pipe.zrangebyscore(keys.shard_retry(shard), "-inf", now, start=0, num=1)
            due = [shard for shard, rows in zip(range(keys.SHARDS), await pipe.execute(), strict=True) if rows]
        moved = 0
        for shard in due:
            moved += int(await self._promote(keys=[keys.shard_retry(shard), keys.shard_stream(shard)],
                                             args=[now, limit]))
        return moved

    async def settle(self, settlements: Sequence[Settlement]) -> None:
        """Let go of entries: per shard, one MULTI/EXEC with every log line, digest's picks, retry, dead letter and
        one XACK."""
        by_shard: dict[int, list[Settlement]] = {}
        for item in settlements:
            by_shard.setdefault(item.claimed.shard, []).append(item)
        await asyncio.gather(*(self._settle_shard(shard, items) for shard, items in by_shard.items()))

    async def _settle_shard(self, shard: int, items: list[Settlement]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for item in items:
                if item.trim_log_to is not None:
                    pipe.ltrim(keys.delivery_log(item.sid), 0, item.trim_log_to - 1)
                if item.log_line is not None:
                    pipe.lpush(keys.delivery_log(item.sid), item.log_line)
                if item.picks is not None:
                    FeedbackStore.stage_picks(pipe, item.sid, item.picks)
                if item.retry_unit is not None and item.retry_at is not None:
                    pipe.zadd(keys.shard_retry(shard), {item.retry_unit.encode(): item.retry_at})
                if item.dead_unit is not None:
                    pipe.xadd(keys.shard_dead(shard), {"u": item.dead_unit.encode(),
                                                       "reason": (item.dead_reason or "")[:200],
                                                       "at": str(int(item.retry_at or 0))})
            pipe.xack(keys.shard_stream(shard), GROUP, *(item.claimed.entry_id for item in items))
            await pipe.execute()

    # ------------------------------------------------------------------------------------------ producing

    async def enqueue_now(self, unit: Unit, cooldown_seconds: float) -> bool:
        """Queue an on-demand unit unless this subscriber asked within the cooldown. Atomic."""
        added = await self._enqueue_now(
            keys=[keys.now_cooldown(unit.sid), keys.shard_stream(unit.shard)],
            args=[int(cooldown_seconds * 1000), unit.encode()],
        )
        return bool(added)

    async def trim(self) -> int:
        """Drop acknowledged entries from every shard's stream (never a pending or unread one)."""
        trimmed = await each_concurrently([partial(self._trim, keys=[keys.shard_stream(shard)], args=[GROUP])
                                           for shard in range(keys.SHARDS)])  # a cluster pipeline cannot load them
        return sum(int(n) for n in trimmed)

    # ------------------------------------------------------------------------------------------ dead letters

    async def sizes(self) -> QueueSizes:
        """Entries on the streams (read or not, until trimmed), those pending in ``GROUP``, retries, dead letters."""
        sizes = QueueSizes()
        for shard in range(keys.SHARDS):
            stream = keys.shard_stream(shard)
            if await self._redis.exists(stream):
                for group in await self._redis.xinfo_groups(stream):
                    if group["name"] == GROUP:
                        sizes.pending += int(group["pending"])
                sizes.entries += int(await self._redis.xlen(stream))
            sizes.retrying += int(await self._redis.zcard(keys.shard_retry(shard)))
            sizes.dead_letters += int(await self._redis.xlen(keys.shard_dead(shard)))
        return sizes

    async def dead_letters(self) -> list[DeadLetter]:
        letters = []
        for shard in range(keys.SHARDS):
            rows: list[Any] = await self._redis.xrange(keys.shard_dead(shard)) or []
            for entry_id, body in rows:
                try:
                    unit = Unit.decode(str(body["u"]))
                except (KeyError, TypeError, ValueError):
                    continue
                letters.append(DeadLetter(shard=shard, entry_id=str(entry_id), unit=unit,
                                          reason=str(body.get("reason", "")), at=int(body.get("at") or 0)))
        return sorted(letters, key=lambda d: d.entry_id)

    async def replay(self, letters: Sequence[DeadLetter]) -> int:
        """Queue dead letters again (fresh attempts; the sent-marker still stops a real duplicate)."""
        replayed = 0
        by_shard: dict[int, list[str]] = {}
        for letter in letters:
            by_shard.setdefault(letter.shard, []).append(letter.entry_id)
        for shard, ids in by_shard.items():
            replayed += int(await self._replay(keys=[keys.shard_dead(shard), keys.shard_stream(shard)], args=ids))
        return replayed
