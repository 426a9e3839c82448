"""Fan-out within LINE's monthly message quota: who keeps push, who switches to pull.

LINE counts every pushed message against a monthly quota (one per recipient, whatever the number of message
objects), and a push beyond it fails with 429. ``allocate_quota`` reads the remaining quota before a fan-out
and, when it will not cover everyone, keeps the readers it covers *by priority* and switches the rest to
**pull**: paused until the quota month ends (so no push is planned for them), and answered by the rich menu's
"Today's digest" button with a free reply (``channels.line.inbound``). When the quota covers them again they
are switched back and unpaused. The operator is told (a warning, and the ``line_pull_switches`` counter).

Priority: a higher operator-set priority first, then the longest-standing subscription (first come, first
served), then the reader's id. It uses nothing our own writes change, so repeated runs never shuffle who is
covered. The readers are kept by the bot behind the ``LineAudience`` port (``bot.store.line_audience``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from channels.line.channel import LineChannel, Quota
from channels.line.ports import LineAudience, Reader

__all__ = ["HORIZON", "QuotaAllocation", "allocate_quota", "line_quota_job", "quota_month_end"]

log = logging.getLogger(__name__)

_LINE_ZONE = ZoneInfo("Asia/Tokyo")
HORIZON = timedelta(hours=24)


def quota_month_end(now: datetime) -> datetime:
    """When LINE's message quota starts afresh: the 1st of next month, 00:00 in Japan (LINE's month)."""
    local = now.astimezone(_LINE_ZONE)
    first = (local.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class QuotaAllocation:
    """Who gets a push (in priority order), who is in pull mode, and the newly switched count."""

    push: tuple[Reader, ...]
    pull: tuple[Reader, ...]
    quota: Quota
    switched: int = 0


def _priority(reader: Reader) -> tuple[int, float, str]:
    return (-reader.priority, reader.since.timestamp(), reader.key or reader.address)


async def allocate_quota(channel: LineChannel, audience: LineAudience, readers: Sequence[Reader]) -> QuotaAllocation:
    """Split ``readers`` (one fan-out) into those the remaining quota covers and those put on pull.

    Reads the quota once (two free calls); raises the channel's errors when LINE cannot say.
    """
    quota = await channel.quota()
    ordered = sorted(readers, key=_priority)
    remaining = quota.remaining
    covered = ordered if remaining is None else ordered[:remaining]
    short = ordered[len(covered):]
    until = quota_month_end(audience.now())
    for reader in covered:
        if reader.pull:
            await audience.to_push(reader.address)
    switched = sum(1 for reader in short if not reader.pull)
    for reader in short:
        await audience.to_pull(reader.address, until)
    if switched:
        log.warning("LINE quota short: %d more of %d subscribers switched to pull until %s (limit %s, used %d)",
                    switched, len(ordered), until.isoformat(), quota.limit, quota.used)
        await audience.switched(switched)
    return QuotaAllocation(push=tuple(covered), pull=tuple(short), quota=quota, switched=switched)


def line_quota_job(channel: LineChannel, audience: LineAudience) -> Callable[[], Awaitable[QuotaAllocation]]:
    """A periodic job (idempotent): fit the next day's LINE fan-out into the remaining monthly quota."""

    async def run() -> QuotaAllocation:
        return await allocate_quota(channel, audience, await audience.upcoming(HORIZON))

    return run
