"""Time in tests: a clock moved by hand (our own time source, not a mock of a dependency), and the reader's
zone for end-to-end stories whose worker judges lateness by the real clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

__all__ = ["Clock", "region_zone", "zone_where_it_is_just_past_0730"]

_REGIONS = ("Africa/", "America/", "Asia/", "Europe/", "Pacific/", "Atlantic/", "Indian/")


class Clock:
    """A clock the test moves by hand: ``clock.now = ...``; calling it reads the time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def zone_where_it_is_just_past_0730(now: datetime) -> str:
    """A whole-hour region zone in which the local time ``now`` is in [07:30, 08:30): a 07:30 digest there is
    due and not late, whatever the hour the test runs at."""
    for offset in range(-12, 15):
        local = now + timedelta(hours=offset)
        if (7, 30) <= (local.hour, local.minute) < (8, 30):
            zone = region_zone(offset, now)
            if zone:
                return zone
    raise AssertionError("every hour of the day has a whole-hour region zone")


def region_zone(offset: int, now: datetime) -> str:
    """A region zone (the command language takes no ``Etc/GMT`` zones) that is ``offset`` hours from UTC now."""
    if offset == 0:
        return "UTC"
    for name in sorted(available_timezones()):
        if name.startswith(_REGIONS) and ZoneInfo(name).utcoffset(now) == timedelta(hours=offset):
            return name
    return ""
