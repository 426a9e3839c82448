"""Next-send math: a pure function from (local time, zone, now) to the next UTC instant.

Delivery stays at the reader's *local* time across DST changes. Two edges decide correctness:

* **Spring forward** — a slot inside the gap (02:30 in America/New_York on the second Sunday of March) does not
  exist that day. It is sent once, at the first valid instant after the gap (03:00 EDT).
* **Fall back** — a slot inside the repeated hour (01:30 on the first Sunday of November) exists twice. It is
  sent once, at its first occurrence (``fold=0``).

A local date that does not exist at all (Pacific/Apia skipped 2011-12-30) is skipped: a slot is never moved
onto another local date, which would give a reader two digests on one day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["EVERY_DAY", "WEEKDAYS", "local_date_of", "next_send", "slot_instant"]

_MAX_DAYS_AHEAD = 3
#: Local days of the week a reader gets a digest on (Monday = 0), as ``days daily`` and ``days mon-fri`` set them.
EVERY_DAY: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))


def slot_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of the slot ``at`` on local ``day``; None when that local date does not exist."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant  # the wall time exists (first occurrence when it is repeated)
    # The wall time falls in a gap. fold=1 reads it with the offset after the transition, fold=0 with the one
    # before; the transition instant lies between the two readings. Find it to the second.
    early = wall.replace(fold=1).astimezone(UTC)
    late = instant
    if early > late:
        early, late = late, early
    before = early.astimezone(zone).utcoffset()
    while (late - early) > timedelta(seconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(zone).utcoffset() == before:
            early = middle
        else:
            late = middle
    first_valid = late.replace(microsecond=0)
    if first_valid.astimezone(zone).date() != day:
        return None
    return first_valid


def next_send(
    at: time,
    zone: ZoneInfo,
    now: datetime,
    *,
    after_local_date: date | None = None,
    weekdays: frozenset[int] = EVERY_DAY,
) -> datetime:
    """The first slot instant strictly after ``now`` whose local date is after ``after_local_date``.

    ``after_local_date`` is the local date of the last slot already planned for this reader: passing it makes
    a change of time or zone on the same day unable to cause a second digest that day. ``weekdays`` (Monday = 0)
    are the local days the reader gets a digest on (``days mon-fri``); a slot on another day is skipped.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not weekdays or not weekdays <= EVERY_DAY:
        raise ValueError("weekdays must be a non-empty subset of 0..6")
    day = now.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_MAX_DAYS_AHEAD + 2 + (7 - len(weekdays))):
        if (after_local_date is None or day > after_local_date) and day.weekday() in weekdays:
            instant = slot_instant(day, at, zone)
            if instant is not None and instant > now:
                return instant
        day += timedelta(days=1)
    # Only reached when after_local_date lies further ahead than the search window (a long pause).
    start = max(day, (after_local_date or day) + timedelta(days=1))
    for offset in range(10):
        candidate = start + timedelta(days=offset)
        if candidate.weekday() not in weekdays:
            continue
        instant = slot_instant(candidate, at, zone)
        if instant is not None and instant > now:
            return instant
    raise ValueError("no valid slot found")  # pragma: no cover - three consecutive missing dates


def local_date_of(instant: datetime, zone: ZoneInfo) -> date:
    """The reader's local date of a slot instant (the ``date`` part of a delivery id)."""
    return instant.astimezone(zone).date()
