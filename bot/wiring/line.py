"""LINE's wiring in the composition root: the channel factory, and fan-out within the monthly quota.

LINE counts every pushed message against a monthly quota (one per recipient, whatever the number of
message objects), and a push beyond it fails with 429. ``allocate_quota`` reads the remaining quota before
a fan-out and, when it will not cover everyone, keeps the subscribers it covers *by priority* and switches
the rest to **pull**: ``extra["line_mode"] = "pull"`` and paused until the quota month ends (so no push is
planned for them), the operator is told (a warning in the log and the ``line_pull_switches`` counter), and
those readers get the digest with the rich menu's "Today's digest" button, answered with a free reply
(``bot.web.line``). When the quota covers them again they are switched back and unpaused.

``line_quota_job`` runs that check over the next day's LINE fan-out (``upcoming_fan_out``); it is idempotent
and meant to run periodically next to the due-tick.

Priority: a higher ``extra["priority"]`` first (operators may set it), then the longest-standing subscription
(first come, first served), then the subscription id. It uses nothing our own writes change, so repeated
runs never shuffle who is covered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from bot.runtime import Runtime
from bot.store import counters
from bot.store.models import Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.line.channel import LineChannel, Quota

__all__ = [
    "MODE_KEY",
    "PULL",
    "QuotaAllocation",
    "allocate_quota",
    "is_pull",
    "line_channel",
    "line_quota_job",
    "quota_month_end",
    "upcoming_fan_out",
]

log = logging.getLogger(__name__)

MODE_KEY = "line_mode"
PULL = "pull"
_PULL_UNTIL = "line_pull_until"  # the pause we set, so that switching back lifts only our own pause
_LINE_ZONE = ZoneInfo("Asia/Tokyo")
_HORIZON = timedelta(hours=24)


def line_channel(runtime: Runtime) -> LineChannel | None:
    """The LINE channel, or None when ``LINE_CHANNEL_SECRET`` / ``LINE_CHANNEL_ACCESS_TOKEN`` are unset."""
    settings = runtime.settings
    if not settings.line_enabled or settings.line_channel_access_token is None:
        return None
    return LineChannel(settings.line_channel_access_token.get_secret_value(), settings.line_api_url)


def is_pull(sub: Subscription) -> bool:
    """True when this LINE subscriber gets the digest by asking for it (quota ran short), not by push."""
    return sub.extra.get(MODE_KEY) == PULL


def quota_month_end(now: datetime) -> datetime:
    """When LINE's message quota starts afresh: the 1st of next month, 00:00 in Japan (LINE's month)."""
    local = now.astimezone(_LINE_ZONE)
    first = (local.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class QuotaAllocation:
    """Who gets a push (in priority order), who is in pull mode, and the newly switched count."""

    push: tuple[Subscription, ...]
    pull: tuple[Subscription, ...]
    quota: Quota
    switched: int = 0


def _priority(sub: Subscription) -> tuple[int, float, str]:
    try:
        rank = int(sub.extra.get("priority", "0"))
    except ValueError:
        rank = 0
    return (-rank, sub.created_at.timestamp(), sub.sid)


async def allocate_quota(
    channel: LineChannel, store: SubscriptionStore, redis: aioredis.Redis, subscribers: Sequence[Subscription],
) -> QuotaAllocation:
    """Split ``subscribers`` (one fan-out) into those the remaining quota covers and those put on pull.

    A subscriber put on pull is paused until the quota month ends (so the planner queues no push for
    them) and marked ``line_mode=pull``; the "Today's digest" button still answers them, for free. A
    pull subscriber the quota covers again (a bigger plan, a new month) is switched back and unpaused.
    Reads the quota once (two free calls); raises the channel's errors when LINE cannot say.
    """
    quota = await channel.quota()
    ordered = sorted(subscribers, key=_priority)
    remaining = quota.remaining
    covered = ordered if remaining is None else ordered[:remaining]
    short = ordered[len(covered):]
    until = quota_month_end(store.clock())
    for sub in covered:
        if is_pull(sub):
            await store.update(sub.identity, _to_push)
    switched = 0
    for sub in short:
        if not is_pull(sub):
            switched += 1
        await store.update(sub.identity, _to_pull(until))
    if switched:
        log.warning(
            "LINE quota short: %d more of %d subscribers switched to pull until %s (limit %s, used %d)",
            switched, len(ordered), until.isoformat(), quota.limit, quota.used,
        )
        await counters.incr(redis, "line_pull_switches", amount=switched)
    return QuotaAllocation(push=tuple(covered), pull=tuple(short), quota=quota, switched=switched)


async def upcoming_fan_out(store: SubscriptionStore, horizon: timedelta = _HORIZON) -> list[Subscription]:
    """The LINE subscribers a push would reach within ``horizon`` (one day of fan-out), and those on pull."""
    now = store.clock()
    batch = []
    async for sub in store.all():
        if sub.identity.channel != "line" or not sub.active:
            continue
        if is_pull(sub):
            batch.append(sub)
            continue
        due = await store.next_send_of(sub.identity)
        if due is not None and due <= now + horizon:
            batch.append(sub)
    return batch


def line_quota_job(channel: LineChannel, store: SubscriptionStore,
                   redis: aioredis.Redis) -> Callable[[], Awaitable[QuotaAllocation]]:
    """A periodic job (idempotent): fit the next day's LINE fan-out into the remaining monthly quota."""

    async def run() -> QuotaAllocation:
        return await allocate_quota(channel, store, redis, await upcoming_fan_out(store))

    return run


def _to_pull(until: datetime) -> Callable[[Subscription | None], Subscription | None]:
    def change(current: Subscription | None) -> Subscription | None:
        if current is None or not current.active:
            return None
        if is_pull(current) and current.paused_until is not None and current.paused_until >= until:
            return None  # already on pull until the quota month ends
        paused = current.paused_until if current.paused_until and current.paused_until > until else until
        extra = {**current.extra, MODE_KEY: PULL, _PULL_UNTIL: until.isoformat()}
        return current.with_changes(paused_until=paused, extra=extra)

    return change


def _to_push(current: Subscription | None) -> Subscription | None:
    if current is None:
        return None
    ours = current.extra.get(_PULL_UNTIL)
    extra = {k: v for k, v in current.extra.items() if k not in (MODE_KEY, _PULL_UNTIL)}
    unpause = current.paused_until is not None and ours == current.paused_until.isoformat()
    return current.with_changes(extra=extra, paused_until=None if unpause else current.paused_until)
