"""How many parts of a split digest the provider accepted, per delivery: what a retry must not send again.

Slack and Telegram digests can need several messages, and neither provider takes an idempotency key. Without
this record a worker that died (or failed) after part 2 of 4 would send parts 1 and 2 again on the retry.
The channel reports each accepted part (``channels.base.Delivery.progress``); the worker records the count
here before the next part goes, and passes it back as ``Delivery.parts_done`` on the next attempt.

One hash per delivery (``keys.delivery_parts``), in the subscription's shard; a field per way of sending
(``rich`` or ``plain``, and the address: a moved chat starts from its first part), kept two days (longer than
any catch-up window). A count only grows (a Lua max), so a late report from a stalled attempt cannot lower it.
A plain fallback reads the rich count too (``Delivery.rich_parts_done``): it starts after the stories the rich
parts showed, since its own parts are cut differently.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot import keys
from bot.store import UNAVAILABLE, RedisClient
from bot.store.deadline import unavailable_on_failure
from channels.base import Delivery, PartProgress

__all__ = ["DeliveryParts", "parts_field"]

log = logging.getLogger(__name__)

_TTL_SECONDS = 2 * 86400

# KEYS[1] the delivery's parts hash; ARGV: field, count, ttl. Keeps the larger count (never goes back).
_RECORD = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


def parts_field(address: str, plain: bool) -> str:
    return f"{'plain' if plain else 'rich'}:{address}"


class DeliveryParts:
    """Reads and records the accepted-parts count of deliveries."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._record = redis.register_script(_RECORD)

    async def accepted(self, sid: str, delivery_id: str, field: str) -> int:
        """Raises ``StoreUnavailable`` when Redis cannot answer."""
        async with unavailable_on_failure():
            raw = await self._redis.hget(keys.delivery_parts(sid, delivery_id), field)  # type: ignore[misc]
        return int(raw) if raw else 0

    async def record(self, sid: str, delivery_id: str, field: str, count: int) -> None:
        """Raises ``StoreUnavailable`` when Redis cannot answer."""
        async with unavailable_on_failure():
            await self._record(keys=[keys.delivery_parts(sid, delivery_id)], args=[field, count, _TTL_SECONDS])

    async def resume(self, sid: str, delivery: Delivery) -> Delivery:
        """``delivery`` as this attempt must send it: after the parts its way of sending had accepted (reporting
        each new one), and a plain fallback also after the rich parts shown before it. One round trip.

        Raises ``StoreUnavailable`` when Redis cannot answer."""
        address = delivery.recipient.address
        own, rich = parts_field(address, delivery.plain), parts_field(address, plain=False)
        async with unavailable_on_failure():
            done, before = await self._redis.hmget(  # type: ignore[misc]
                keys.delivery_parts(sid, delivery.delivery_id), [own, rich]
            )
        return replace(delivery, parts_done=int(done or 0), rich_parts_done=int(before or 0) if delivery.plain else 0,
                       progress=self.progress(sid, delivery.delivery_id, own))

    def first(self, sid: str, delivery: Delivery) -> Delivery:
        """``delivery`` as a first attempt sends it: from its first part, reporting each (no round trip).

        Only for an entry no attempt came before: handed out for the first time, with no line of its delivery in
        the log (a failed attempt settles with one; a crashed one leaves its entry pending, so it is not fresh)."""
        own = parts_field(delivery.recipient.address, delivery.plain)
        return replace(delivery, parts_done=0, rich_parts_done=0,
                       progress=self.progress(sid, delivery.delivery_id, own))

    def progress(self, sid: str, delivery_id: str, field: str) -> PartProgress:
        """The ``Delivery.progress`` of one send. Best effort: with Redis away the part is already shown, and
        failing the send would only make the retry repeat it; the outage is logged instead."""

        async def report(count: int) -> None:
            try:
                await self.record(sid, delivery_id, field, count)
            except UNAVAILABLE as exc:
                log.warning("part %d of delivery %s not recorded (%s)", count, delivery_id, exc.__class__.__name__)

        return report
