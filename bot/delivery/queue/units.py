"""What travels on the delivery streams: units, their deterministic ids, and what settling one entry does.

Pure data, no Redis: the planner makes ``Unit``s, the streams carry their ``encode``d form, a worker holds a
``Claimed`` entry and lets go of it with one ``Settlement``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date, time

from bot import keys
from bot.store.feedback import Picks

__all__ = ["Claimed", "DeadLetter", "Settlement", "Unit", "now_delivery_id", "slot_delivery_id"]


def slot_delivery_id(sid: str, local_date: date, slot: time) -> str:
    """Deterministic id of one daily slot: the same subscription, local date and slot always give the same id."""
    return f"{sid}:{local_date.isoformat()}:{slot.strftime('%H%M')}"


def now_delivery_id(sid: str, epoch: int) -> str:
    return f"{sid}:now:{epoch}"


@dataclass(frozen=True, slots=True)
class Unit:
    """One delivery unit. ``due`` is the slot's UTC epoch (for lateness); ``attempt`` counts failed tries."""

    delivery_id: str
    due: int
    attempt: int = 0
    plain: bool = False

    @property
    def sid(self) -> str:
        return self.delivery_id.split(":", 1)[0]

    @property
    def shard(self) -> int:
        return keys.shard_of(self.sid)

    @property
    def on_demand(self) -> bool:
        return ":now:" in self.delivery_id

    def encode(self) -> str:
        return f"{self.delivery_id}\t{self.attempt}\t{'P' if self.plain else ''}\t{self.due}"

    @classmethod
    def decode(cls, text: str) -> Unit:
        delivery_id, attempt, flags, due = text.split("\t")
        return cls(delivery_id=delivery_id, due=int(due), attempt=int(attempt), plain="P" in flags)

    def next_attempt(self) -> Unit:
        return replace(self, attempt=self.attempt + 1)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A stream entry this consumer now holds. ``unit`` is None when the entry's body is unreadable.

    Entry ids are per stream (two shards may hand out the same id): ``key`` names an entry across shards.
    """

    shard: int
    entry_id: str
    unit: Unit | None
    fresh: bool = False  # handed out for the first time (XREADGROUP ">"): no attempt of this entry came before

    @property
    def key(self) -> tuple[int, str]:
        return (self.shard, self.entry_id)


@dataclass(slots=True)
class Settlement:
    """Everything that must happen, atomically, when a worker lets go of one entry."""

    claimed: Claimed
    sid: str
    log_line: str | None = None
    trim_log_to: int | None = None  # LTRIM 0 (n-1) before appending (``delivery_log.trim_index``)
    retry_at: float | None = None  # re-schedule this unit at this epoch
    retry_unit: Unit | None = None
    dead_reason: str | None = None
    dead_unit: Unit | None = None
    picks: Picks | None = None  # the sent digest's stories, kept for ``why`` (``bot.store.feedback``)
    done: asyncio.Future[None] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    shard: int
    entry_id: str
    unit: Unit
    reason: str
    at: int
