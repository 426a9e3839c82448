"""Claim-once for webhook events: the one place that decides whether a platform event runs.

Platforms deliver at least once (Slack retries an event three times, LINE redelivers, Telegram resends an
update until it gets a 2xx), and a replayed request must change nothing. Every inbound event is claimed by
its platform id before its command runs::

    claim(channel, event_id)    SET NX "claim", short TTL  -> True: ours to run; False: taken already
    done(channel, event_id, s)  SET "done" for as long as the platform may redeliver
    release(channel, event_id)  DEL, best effort: our side failed before the command ran; let it come again

A claim made and never settled (the process died) expires after ``CLAIM_SECONDS`` so a redelivery runs it.
Every operation has a deadline: a Redis that is down *or frozen* raises ``StoreUnavailable`` (a 503), never
hangs the request and never becomes a 500.
"""

from __future__ import annotations

import contextlib
import logging

from bot import keys
from bot.store import StoreUnavailable, counters
from bot.store.client import RedisClient
from bot.store.deadline import unavailable_on_failure

__all__ = ["CLAIM_SECONDS", "OP_TIMEOUT", "ClaimStore"]

log = logging.getLogger(__name__)

#: Longer than any handling; a crashed handler's claim expires for the platform's redelivery.
CLAIM_SECONDS = 120
#: How long one Redis round trip may take before the request is answered 503.
OP_TIMEOUT = 2.0


class ClaimStore:
    """Claims of webhook events (``keys.webhook_claim``) and the count of refused webhook requests."""

    def __init__(self, redis: RedisClient, *, timeout: float = OP_TIMEOUT) -> None:
        self._redis = redis
        self._timeout = timeout

    async def claim(self, channel: str, event_id: str, seconds: int = CLAIM_SECONDS) -> bool:
        """True when this call took the event; False when another request already had. ``StoreUnavailable``."""
        async with unavailable_on_failure(self._timeout):
            return bool(await self._redis.set(keys.webhook_claim(channel, event_id), "claim", nx=True, ex=seconds))

    async def done(self, channel: str, event_id: str, remember_seconds: int) -> None:
        """The event ran: remember it for as long as the platform may deliver it again."""
        async with unavailable_on_failure(self._timeout):
            await self._redis.set(keys.webhook_claim(channel, event_id), "done", ex=remember_seconds)

    async def release(self, channel: str, event_id: str) -> None:
        """Our side failed before the command ran: drop the claim so a redelivery runs it. Never raises."""
        with contextlib.suppress(StoreUnavailable):
            async with unavailable_on_failure(self._timeout):
                await self._redis.delete(keys.webhook_claim(channel, event_id))

    async def count_rejection(self, channel: str, reason: str) -> None:
        """``webhook_rejections`` + 1, best effort: a refusal stays a 4xx even while Redis is down."""
        try:
            async with unavailable_on_failure(self._timeout / 4):
                await counters.incr(self._redis, "webhook_rejections", {"channel": channel, "reason": reason})
        except StoreUnavailable:
            log.warning("could not count a %s webhook rejection (%s)", channel, reason)
