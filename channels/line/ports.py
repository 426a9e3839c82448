"""The storage LINE needs from the bot: its readers, for the monthly quota (``bot.store.line_audience``).

Kept apart from ``quota`` so that the bot can name the port without importing the LINE SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["LineAudience", "Reader"]


@dataclass(frozen=True, slots=True)
class Reader:
    """One LINE subscriber of the next fan-out, as the quota sees it."""

    address: str
    since: datetime
    priority: int = 0
    pull: bool = False
    key: str = ""  # a stable tie-breaker (the subscription id)


class LineAudience(Protocol):
    """The LINE readers, kept by the bot. Each method is idempotent."""

    def now(self) -> datetime:
        """The current time (the store's clock)."""
        ...

    async def upcoming(self, horizon: timedelta) -> list[Reader]:
        """Active LINE readers a push would reach within ``horizon``, and every reader on pull."""
        ...

    async def to_pull(self, address: str, until: datetime) -> None:
        """Put the reader on pull until ``until`` (paused for push, marked pull)."""
        ...

    async def to_push(self, address: str) -> None:
        """Back to push: unmark, and lift only the pause that ``to_pull`` set."""
        ...

    async def switched(self, count: int) -> None:
        """Count ``count`` readers newly switched to pull (``line_pull_switches``)."""
        ...
