"""Time in tests: a clock moved by hand (our own time source, not a mock of a dependency)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["Clock"]


class Clock:
    """A clock the test moves by hand: ``clock.now = ...``; calling it reads the time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
