"""What a failed send means: decided here, once, by the exception's type (``channels.base``'s error tree).

    RateLimited     pause only its bucket until Retry-After; re-schedule the unit then (no attempt counted)
    QuotaExceeded   pause the channel's widest bucket for an hour; re-schedule; tell the operator (log error)
    AmbiguousError  retry with backoff (adapters pass the delivery id as idempotency key where there is one)
    TransientError  retry with backoff; dead letter after ``max_attempts`` tries
    RecipientMoved  move the subscription to the new address, then send there once
    RecipientGone   deactivate the subscription with the reason
    InstallBroken   deactivate the subscription with the reason (each of the install's subscribers in turn)
    RenderBug       one plain-text fallback (``Delivery.plain``), from the first story the rich parts did not
                    show, then dead letter
    anything else   our bug: counted as a transient attempt, so it ends in the dead letters, never in a loop

The answer is a ``Settlement`` (log line, retry or dead letter) that the worker commits with the entry's XACK.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from bot.delivery.pacing import Pacer
from bot.delivery.queue import Settlement, Unit
from bot.store.delivery_log import Outcome
from bot.store.delivery_parts import DeliveryParts
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.base import (
    AmbiguousError,
    Channel,
    ChannelError,
    Delivery,
    InstallBroken,
    QuotaExceeded,
    RateLimit,
    RateLimited,
    Receipt,
    Recipient,
    RecipientGone,
    RecipientMoved,
    RenderBug,
    TransientError,
)

__all__ = ["FailurePolicy", "Record"]

log = logging.getLogger(__name__)

_QUOTA_PAUSE = 3600.0
_MAX_BACKOFF = 3600.0


class Record(Protocol):
    """The log line and settlement of one outcome of the entry being delivered (made by the worker)."""

    def __call__(self, outcome: Outcome, *, message_id: str = "", late: bool = False,
                 detail: str = "") -> Settlement: ...


class FailurePolicy:
    """Turns a failed ``send`` into how its entry settles; deactivates or moves subscriptions on the way."""

    def __init__(self, store: SubscriptionStore, pacer: Pacer, parts: DeliveryParts, *, max_attempts: int,
                 retry_seconds: float) -> None:
        self._store = store
        self._pacer = pacer
        self._parts = parts
        self._max_attempts = max_attempts
        self._retry_seconds = retry_seconds

    async def settle(self, exc: Exception, record: Record, sub: Subscription, unit: Unit, delivery: Delivery,
                      channel: Channel, limits: list[RateLimit]) -> Settlement:
        """The one place that decides what a failed send means. Returns how to settle the entry."""
        detail = exc.detail if isinstance(exc, ChannelError) else exc.__class__.__name__
        if isinstance(exc, RateLimited):
            bucket = exc.bucket or (limits[-1].bucket if limits else "")
            until = time.time() + exc.retry_after
            if bucket:
                await self._pacer.pause(bucket, until, time.time())
            item = record(Outcome.RATE_LIMITED, detail=f"{bucket or 'recipient'} retry after {exc.retry_after:g}s")
            item.retry_unit, item.retry_at = unit, until
            return item
        if isinstance(exc, QuotaExceeded):
            log.error("%s quota exceeded (%s): its fan-out is paused for an hour", channel.name, detail)
            until = time.time() + _QUOTA_PAUSE
            if limits:
                await self._pacer.pause(limits[0].bucket, until, time.time())
            item = record(Outcome.QUOTA, detail=detail)
            item.retry_unit, item.retry_at = unit, until
            return item
        if isinstance(exc, RecipientMoved):
            return await self._moved(exc, record, sub, unit, delivery, channel, limits)
        if isinstance(exc, RecipientGone):
            await self._deactivate(sub.identity, f"recipient gone: {detail}" if detail else "recipient gone")
            return record(Outcome.GONE, detail=detail)
        if isinstance(exc, InstallBroken):
            await self._deactivate(sub.identity, f"install broken: {detail}" if detail else "install broken")
            return record(Outcome.INSTALL_BROKEN, detail=detail)
        if isinstance(exc, RenderBug):
            if not delivery.plain:
                # after what the rich parts showed, and after its own parts if an earlier fallback got that far
                plain = await self._parts.resume(unit.sid, Delivery(
                    delivery_id=delivery.delivery_id, recipient=delivery.recipient, edition=delivery.edition,
                    late=delivery.late, plain=True))
                try:
                    receipt = await channel.send(plain)
                except Exception as again:
                    return await self.settle(again, record, sub, Unit(unit.delivery_id, unit.due, unit.attempt,
                                                                       plain=True), plain, channel, limits)
                return record(Outcome.SENT, message_id=receipt.provider_message_id, late=delivery.late,
                              detail="plain fallback")
            return self._dead(record, unit, f"render bug: {detail}")
        if not isinstance(exc, TransientError):
            log.error("channel %s raised %s outside the error tree", channel.name, exc.__class__.__name__,
                      exc_info=exc)
        return self._transient(record, unit, exc)

    def _transient(self, record: Record, unit: Unit, exc: Exception) -> Settlement:
        detail = exc.detail if isinstance(exc, ChannelError) else exc.__class__.__name__
        outcome = Outcome.AMBIGUOUS if isinstance(exc, AmbiguousError) else Outcome.TRANSIENT
        tried = unit.attempt + 1
        if tried >= self._max_attempts:
            return self._dead(record, unit, f"{outcome.value} after {tried} attempts: {detail}")
        item = record(outcome, detail=f"attempt {tried}: {detail}")
        item.retry_unit = unit.next_attempt()
        item.retry_at = time.time() + min(_MAX_BACKOFF, self._retry_seconds * 2 ** unit.attempt)
        return item

    @staticmethod
    def _dead(record: Record, unit: Unit, reason: str) -> Settlement:
        item = record(Outcome.DEAD, detail=reason)
        item.dead_unit, item.dead_reason, item.retry_at = unit, reason, time.time()
        return item

    async def _moved(self, exc: RecipientMoved, record: Record, sub: Subscription, unit: Unit,
                     delivery: Delivery, channel: Channel, limits: list[RateLimit]) -> Settlement:
        try:
            new_identity = Identity.parse(f"{sub.identity.channel}:{exc.new_address}")
        except ValueError:
            await self._deactivate(sub.identity, f"recipient moved to an unreadable address: {exc.detail}")
            return record(Outcome.GONE, detail="moved to an unreadable address")
        moved = sub.with_changes(identity=new_identity)
        await self._store.update(new_identity, lambda _current: moved)
        await self._deactivate(sub.identity, f"moved to {new_identity}")
        there = Delivery(delivery_id=delivery.delivery_id, recipient=Recipient(
            channel=delivery.recipient.channel, address=new_identity.address,
            language=delivery.recipient.language, extra=delivery.recipient.extra),
            edition=delivery.edition, late=delivery.late, plain=delivery.plain)
        try:
            receipt: Receipt = await channel.send(there)
        except RecipientMoved:
            return record(Outcome.MOVED, detail="moved twice; not followed again")
        except Exception as again:
            return await self.settle(again, record, moved, unit, there, channel, limits)
        return record(Outcome.SENT, message_id=receipt.provider_message_id, late=delivery.late,
                      detail=f"moved to {new_identity}")

    async def _deactivate(self, identity: Identity, reason: str) -> None:
        await self._store.deactivate(identity, reason, only_active=False)
