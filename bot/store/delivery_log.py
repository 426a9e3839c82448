"""The delivery log: every attempt to deliver to one subscription, newest first, kept 30 days.

One Redis list per subscription (``keys.delivery_log``), in the subscription's shard slot, so the worker
appends to it in the same MULTI/EXEC that acknowledges the stream entry: the log and the queue never
disagree. An entry is one short tab-separated line (well under 256 bytes)::

    <epoch s> \\t <channel> \\t <outcome> \\t <delivery key> \\t <provider message id> \\t <L if late> \\t <detail>

The ``sent`` entry of a delivery doubles as its **sent-marker**: the worker reads the log before every send
and skips a delivery whose key already has a ``sent`` entry (a reclaimed or replayed duplicate). The log is
trimmed on write (``trim_index``) to 30 days and at most ``MAX_ENTRIES`` entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guarded

__all__ = [
    "KEEP",
    "MAX_ENTRIES",
    "DeliveryLog",
    "LogEntry",
    "Outcome",
    "delivery_key",
    "sent_in",
    "trim_index",
]

KEEP = timedelta(days=30)
MAX_ENTRIES = 200


class Outcome(StrEnum):
    """The outcome class of one attempt: what a reader or an operator needs to know, one word each."""

    SENT = "sent"
    DUPLICATE = "duplicate"  # already sent (sent-marker found): acknowledged without sending
    SKIPPED = "skipped"  # slot missed by more than the catch-up window, or subscription inactive
    RATE_LIMITED = "rate_limited"
    QUOTA = "quota"
    TRANSIENT = "transient"
    AMBIGUOUS = "ambiguous"
    GONE = "recipient_gone"
    MOVED = "recipient_moved"
    INSTALL_BROKEN = "install_broken"
    RENDER_BUG = "render_bug"
    DEAD = "dead"


def delivery_key(delivery_id: str) -> str:
    """The part of a delivery id after the sid (``2026-11-27:0730`` or ``now:1764220200``)."""
    return delivery_id.split(":", 1)[1] if ":" in delivery_id else delivery_id


def _clean(text: str, limit: int) -> str:
    return " ".join(text.replace("\t", " ").split())[:limit]


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: datetime
    channel: str
    outcome: Outcome
    delivery: str  # the delivery key (see ``delivery_key``)
    provider_message_id: str = ""
    late: bool = False
    detail: str = ""

    def encode(self) -> str:
        return "\t".join((
            str(int(self.at.timestamp())), self.channel, self.outcome.value, self.delivery,
            _clean(self.provider_message_id, 64), "L" if self.late else "", _clean(self.detail, 100),
        ))

    @classmethod
    def decode(cls, line: str) -> LogEntry:
        at, channel, outcome, delivery, message_id, late, detail = (line.split("\t") + [""] * 7)[:7]
        return cls(at=datetime.fromtimestamp(int(at), UTC), channel=channel, outcome=Outcome(outcome),
                   delivery=delivery, provider_message_id=message_id, late=late == "L", detail=detail)


def sent_in(lines: Sequence[str], delivery: str) -> bool:
    """Whether the raw log ``lines`` hold a ``sent`` entry for the delivery key ``delivery``."""
    needle = f"\t{Outcome.SENT.value}\t{delivery}\t"
    return any(needle in line for line in lines)


def attempted_in(lines: Sequence[str], delivery: str) -> bool:
    """Whether the raw log ``lines`` hold any entry for the delivery key ``delivery`` (an earlier attempt, a wait)."""
    needle = f"\t{delivery}\t"
    return any(needle in line for line in lines)


def trim_index(lines: Sequence[str], now: datetime) -> int | None:
    """Where to cut the log (LTRIM 0 index-1) before appending one entry, or None when nothing is due.

    ``lines`` is the whole log, newest first. Entries older than ``KEEP`` go, and the list is kept under
    ``MAX_ENTRIES``. Returning None most of the time keeps the write path at one command.
    """
    cutoff = (now - KEEP).timestamp()
    keep = min(len(lines), MAX_ENTRIES - 1)
    for index in range(keep):
        stamp = lines[index].split("\t", 1)[0]
        if stamp.isdigit() and int(stamp) < cutoff:
            keep = index
            break
    return keep if keep < len(lines) else None


@guarded
class DeliveryLog:
    """Reads of the log for ``aitoday deliveries --for``; writes happen inside the worker's settle batch."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def read(self, sid: str, *, now: datetime | None = None) -> list[LogEntry]:
        """The entries of the last 30 days, newest first (malformed lines are skipped, not fatal)."""
        cutoff = (now or datetime.now(UTC)) - KEEP
        lines = [str(x) for x in await self._redis.lrange(keys.delivery_log(sid), 0, -1)]  # type: ignore[misc]
        entries = []
        for line in lines:
            try:
                entry = LogEntry.decode(line)
            except ValueError:
                continue
            if entry.at >= cutoff:
                entries.append(entry)
        return entries
