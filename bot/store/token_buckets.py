"""Provider token buckets in Redis, so a rate limit holds across every worker process and machine.

A channel says which buckets one send consumes (``Channel.rate_limits(recipient)``: e.g. ``telegram:global``
30/s and ``telegram:chat:42`` 1/s). ``TokenBuckets.acquire`` takes one token from *every* bucket or from none, in one
Lua script (all buckets share the ``{p}`` slot), and otherwise says how long to wait. A provider's 429 pauses
one bucket (``TokenBuckets.pause``) until its Retry-After; no token is handed out from a paused bucket before then.

Each bucket is one string ``"<tokens> <updated ms> <paused until ms>"``: capacity = ``rate`` (a provider allows a
burst of its per-window rate), refill = ``rate / per_seconds`` per second. The key expires once it would be full
again and unpaused, so idle buckets cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guarded
from channels.base import RateLimit

__all__ = ["TokenBuckets"]

# KEYS: buckets. ARGV[1] now ms, then (rate, per_ms) per bucket. Returns 0 (one token taken from each bucket)
# or the milliseconds to wait before asking again (nothing taken).
_ACQUIRE = """
local now = tonumber(ARGV[1])
local wait = 0
local state = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i])
  local per = tonumber(ARGV[2 * i + 1])
  local raw = redis.call('GET', key)
  local tokens, updated, paused = rate, now, 0
  if raw then
    local a, b, c = string.match(raw, '^(%S+) (%S+) (%S+)$')
    tokens = math.min(rate, tonumber(a) + (now - tonumber(b)) * rate / per)
    updated = now
    paused = tonumber(c)
  end
  if paused > now then
    wait = math.max(wait, paused - now)
  elseif tokens < 1 then
    wait = math.max(wait, math.ceil((1 - tokens) * per / rate))
  end
  state[i] = {tokens, paused, rate, per}
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local s = state[i]
  local left = s[1] - 1
  local ttl = math.max(math.ceil((s[3] - left) * s[4] / s[3]), s[2] - now) + 1000
  redis.call('SET', key, string.format('%.6f %d %d', left, now, s[2]), 'PX', ttl)
end
return 0
"""

# KEYS[1] bucket. ARGV: now ms, pause until ms, rate, per ms. Never shortens an existing pause.
_PAUSE = """
local now, until_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local raw = redis.call('GET', KEYS[1])
local tokens, paused = 0, 0
if raw then
  local a, b, c = string.match(raw, '^(%S+) (%S+) (%S+)$')
  paused = tonumber(c)
end
if paused > until_ms then until_ms = paused end
redis.call('SET', KEYS[1], string.format('%.6f %d %d', 0, now, until_ms), 'PX', until_ms - now + 1000)
return until_ms
"""


@guarded
class TokenBuckets:
    """Shared token buckets. Every method is one round trip; none sleeps."""

    def __init__(self, redis: RedisClient) -> None:
        self._acquire = redis.register_script(_ACQUIRE)
        self._pause = redis.register_script(_PAUSE)

    async def acquire(self, limits: Sequence[RateLimit], now: float) -> float:
        """Take a token from every bucket of ``limits`` (0.0), or return the seconds to wait (nothing taken)."""
        usable = [limit for limit in limits if limit.rate > 0 and limit.per_seconds > 0]
        if not usable:
            return 0.0
        args: list[float | int] = [int(now * 1000)]
        for limit in usable:
            args.extend((limit.rate, int(limit.per_seconds * 1000)))
        wait = await self._acquire(keys=[keys.pacing_bucket(limit.bucket) for limit in usable], args=args)
        return int(wait) / 1000

    async def pause(self, bucket: str, until: float, now: float) -> None:
        """Hand out no token of ``bucket`` before ``until`` (epoch seconds): a provider's Retry-After."""
        await self._pause(keys=[keys.pacing_bucket(bucket)], args=[int(now * 1000), int(until * 1000), 1, 1000])
