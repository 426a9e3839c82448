"""The scheduler lease: which process runs the periodic jobs (``keys.scheduler_lease()``).

Value ``"<holder> <renewed epoch s>"``, SET with a TTL and renewed by its holder only (one Lua script, so
taking a free lease and renewing one's own are each one atomic step); the others keep trying and take over
when a holder dies and its lease runs out. ``read_lease`` is what ``/healthz`` reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guard, guarded

__all__ = ["Lease", "LeaseState", "read_lease"]

# Take the lease when it is free, renew it when it is ours; 1 when held after the call.
_HOLD = """
local current = redis.call('GET', KEYS[1])
if current and string.match(current, '^(.*) [^ ]*$') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[3])
return 1
"""


@guarded
class Lease:
    """Who schedules. ``hold()`` takes or renews it; one round trip."""

    def __init__(self, redis: RedisClient, holder: str, ttl_seconds: float) -> None:
        self.holder = holder
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._hold = redis.register_script(_HOLD)

    async def hold(self) -> bool:
        held = await self._hold(keys=[keys.scheduler_lease()], args=[self.holder, f"{time.time():.3f}", self._ttl_ms])
        return bool(held)


@dataclass(frozen=True, slots=True)
class LeaseState:
    """The lease as stored: its holder (None when free) and seconds since its last renewal (None if unreadable)."""

    holder: str | None
    age_seconds: float | None


@guard
async def read_lease(redis: RedisClient, now: float) -> LeaseState:
    """The lease at ``now`` (epoch seconds)."""
    raw = await redis.get(keys.scheduler_lease())
    if raw is None:
        return LeaseState(None, None)
    holder, _, renewed = str(raw).rpartition(" ")
    try:
        age: float | None = round(max(0.0, now - float(renewed)), 3)
    except ValueError:
        holder, age = str(raw), None
    return LeaseState(holder or str(raw), age)
