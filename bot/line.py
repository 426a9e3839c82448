"""LINE's wiring in the composition root: the channel factory, and fan-out within the monthly quota.

LINE counts every pushed message against a monthly quota (one per recipient, whatever the number of
message objects), and a push beyond it fails with 429. Before a fan-out, ``allocate_quota`` reads the
remaining quota and, when it will not cover everyone, keeps the subscribers it covers *by priority* and
switches the rest to **pull**: their subscription gets ``extra["line_mode"] = "pull"``, the operator is told
(a warning in the log and the ``line_pull_switches`` counter), and those readers fetch the digest with the
rich menu's "Today's digest" button, answered with a free reply (``bot.web.line``). When a later fan-out has
quota for them again they are switched back to push.

Priority: a higher ``extra["priority"]`` first (operators may set it), then the most recently active reader
(``updated_at``: the last change they made by chat), then the oldest subscription. Deterministic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot import counters
from bot.runtime import Runtime
from bot.store import SubscriptionStore
from bot.subscriptions import Subscription
from channels.line import LineChannel, Quota

__all__ = ["MODE_KEY", "PULL", "QuotaAllocation", "allocate_quota", "is_pull", "line_channel"]

log = logging.getLogger(__name__)

MODE_KEY = "line_mode"
PULL = "pull"


def line_channel(runtime: Runtime) -> LineChannel | None:
    """The LINE channel, or None when ``LINE_CHANNEL_SECRET`` / ``LINE_CHANNEL_ACCESS_TOKEN`` are unset."""
    settings = runtime.settings
    if not settings.line_enabled or settings.line_channel_access_token is None:
        return None
    return LineChannel(settings.line_channel_access_token.get_secret_value(), settings.line_api_url)


def is_pull(sub: Subscription) -> bool:
    """True when this LINE subscriber gets the digest by asking for it (quota ran short), not by push."""
    return sub.extra.get(MODE_KEY) == PULL


@dataclass(frozen=True, slots=True)
class QuotaAllocation:
    """Who gets a push now (in priority order) and who was switched to pull."""

    push: tuple[Subscription, ...]
    pull: tuple[Subscription, ...]
    quota: Quota


def _priority(sub: Subscription) -> tuple[int, float, float, str]:
    try:
        rank = int(sub.extra.get("priority", "0"))
    except ValueError:
        rank = 0
    return (-rank, -sub.updated_at.timestamp(), sub.created_at.timestamp(), sub.sid)


async def allocate_quota(
    channel: LineChannel, store: SubscriptionStore, redis: aioredis.Redis, subscribers: Sequence[Subscription]
) -> QuotaAllocation:
    """Split ``subscribers`` (one fan-out) into those the remaining quota covers and those moved to pull.

    Reads the quota once (two free calls). Raises the channel's errors (``TransientError`` etc.) when
    LINE cannot say; the caller then treats the fan-out as it would a failed send.
    """
    quota = await channel.quota()
    ordered = sorted(subscribers, key=_priority)
    remaining = quota.remaining
    covered = ordered if remaining is None else ordered[:remaining]
    short = ordered[len(covered):]
    for sub in covered:
        if is_pull(sub):
            await store.update(sub.identity, _set_mode(None))
    for sub in short:
        if not is_pull(sub):
            await store.update(sub.identity, _set_mode(PULL))
    if short:
        log.warning(
            "LINE quota short: %d of %d subscribers switched to pull (limit %s, used %d this month)",
            len(short), len(ordered), quota.limit, quota.used,
        )
        await counters.incr(redis, "line_pull_switches", amount=len(short))
    return QuotaAllocation(push=tuple(covered), pull=tuple(short), quota=quota)


def _set_mode(mode: str | None) -> Callable[[Subscription | None], Subscription | None]:
    def change(current: Subscription | None) -> Subscription | None:
        if current is None:
            return None
        extra = {k: v for k, v in current.extra.items() if k != MODE_KEY}
        if mode is not None:
            extra[MODE_KEY] = mode
        return current.with_changes(extra=extra)

    return change
