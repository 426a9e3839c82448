"""What the model-read intents need in Redis: the question awaiting "yes", and a per-chat hourly allowance.

* ``take`` reads and deletes the pending command in one ``GETDEL``: every message a reader sends ends the
  question (only "yes" then applies it), and two messages racing cannot both apply it.
* The pending value is a strict command text that ``bot.conversation.intent`` built and our parser accepted;
  it is parsed again before it runs, so nothing stored here reaches the settings unchecked.
* ``allow`` counts one chat's messages sent to the model in a fixed one-hour window (one Lua script: the count
  and its expiry move together), so one chatty reader cannot spend the day's shared token budget.

Both keys share the subscription's ``{sNN}`` hash tag. Failures leave as ``StoreUnavailable``.
"""

from __future__ import annotations

from bot import keys
from bot.store.client import RedisClient
from bot.store.deadline import unavailable_on_failure
from bot.store.models import Identity

__all__ = ["PENDING_SECONDS", "RATE_WINDOW_SECONDS", "PendingIntents"]

PENDING_SECONDS = 300
RATE_WINDOW_SECONDS = 3600

# KEYS[1] = the chat's counter; ARGV[1] = the allowance, ARGV[2] = the window in seconds.
# Counts this call and returns 1 while the count is within the allowance, 0 past it. The expiry is set by the
# first call of a window only, so a steady trickle cannot keep the window open forever.
_ALLOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
end
if count > tonumber(ARGV[1]) then
  return 0
end
return 1
"""


class PendingIntents:
    """The pending question of each chat, and each chat's hourly allowance of model reads."""

    def __init__(self, redis: RedisClient, *, pending_seconds: int = PENDING_SECONDS) -> None:
        self._redis = redis
        self._ttl = pending_seconds

    async def put(self, identity: Identity, command: str) -> None:
        """Remember ``command`` as this chat's question (replacing any older one) for ``pending_seconds``."""
        async with unavailable_on_failure():
            await self._redis.set(keys.intent_pending(identity.sid), command, ex=self._ttl)

    async def take(self, identity: Identity) -> str | None:
        """The chat's pending command, removed; None when there is none or it expired."""
        async with unavailable_on_failure():
            value = await self._redis.getdel(keys.intent_pending(identity.sid))
        if isinstance(value, bytes):
            value = value.decode()
        return value or None

    async def allow(self, identity: Identity, per_hour: int) -> bool:
        """Count one model read for this chat; False when the chat has had ``per_hour`` this hour already."""
        async with unavailable_on_failure():
            allowed = await self._redis.eval(  # type: ignore[misc]
                _ALLOW, 1, keys.intent_rate(identity.sid), int(per_hour), RATE_WINDOW_SECONDS
            )
        return bool(int(allowed))
