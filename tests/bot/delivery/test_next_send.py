"""Next-send math across zones and DST edges: every reader gets exactly one slot per local date."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.next_send import WEEKDAYS, next_send, slot_instant


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (zone, local slot, now (UTC), expected next send (UTC))
TABLE = [
    # ordinary days
    ("Asia/Tokyo", time(7, 30), utc(2026, 11, 27, 0, 0), utc(2026, 11, 27, 22, 30)),
    ("Asia/Tokyo", time(7, 30), utc(2026, 11, 26, 22, 29), utc(2026, 11, 26, 22, 30)),
    ("Asia/Tokyo", time(7, 30), utc(2026, 11, 26, 22, 30), utc(2026, 11, 27, 22, 30)),  # strictly after now
    ("UTC", time(0, 0), utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 0, 0)),
    # +05:45
    ("Asia/Kathmandu", time(7, 30), utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 1, 45)),
    ("Asia/Kathmandu", time(0, 10), utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 18, 25)),
    # America/New_York spring forward 2026-03-08: 02:00 → 03:00. 02:30 does not exist: first instant after gap.
    ("America/New_York", time(2, 30), utc(2026, 3, 8, 0, 0), utc(2026, 3, 8, 7, 0)),
    ("America/New_York", time(2, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)),  # next day: normal EDT
    ("America/New_York", time(7, 30), utc(2026, 3, 7, 13, 0), utc(2026, 3, 8, 11, 30)),  # EDT after the change
    # fall back 2026-11-01: 01:00–02:00 happens twice. 01:30 is sent once, at its first occurrence (EDT).
    ("America/New_York", time(1, 30), utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 5, 30)),
    ("America/New_York", time(1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),  # not again at 06:30
    ("America/New_York", time(1, 30), utc(2026, 11, 1, 6, 0), utc(2026, 11, 2, 6, 30)),
    # Australia/Lord_Howe: 30-minute DST. 2026-10-04 02:00 → 02:30 (+10:30 → +11).
    ("Australia/Lord_Howe", time(2, 15), utc(2026, 10, 3, 12, 0), utc(2026, 10, 3, 15, 30)),
    ("Australia/Lord_Howe", time(7, 30), utc(2026, 10, 3, 12, 0), utc(2026, 10, 3, 20, 30)),
    # 2026-04-05 02:00 → 01:30: 01:45 happens twice, sent at the first (+11).
    ("Australia/Lord_Howe", time(1, 45), utc(2026, 4, 4, 12, 0), utc(2026, 4, 4, 14, 45)),
    ("Australia/Lord_Howe", time(1, 45), utc(2026, 4, 4, 14, 45), utc(2026, 4, 5, 15, 15)),
    # the date line: +14 and −11 share a wall clock a whole day apart
    ("Pacific/Kiritimati", time(7, 30), utc(2026, 11, 27, 0, 0), utc(2026, 11, 27, 17, 30)),
    ("Pacific/Pago_Pago", time(7, 30), utc(2026, 11, 27, 0, 0), utc(2026, 11, 27, 18, 30)),
    # Samoa skipped 2011-12-30 entirely: no slot that day, and none moved onto 12-31 as a second one
    ("Pacific/Apia", time(7, 30), utc(2011, 12, 29, 18, 0), utc(2011, 12, 30, 17, 30)),
]


@pytest.mark.parametrize(("zone", "at", "now", "expected"), TABLE)
def test_next_send_table(zone: str, at: time, now: datetime, expected: datetime) -> None:
    assert next_send(at, ZoneInfo(zone), now) == expected


@pytest.mark.parametrize(
    ("zone", "at", "start"),
    [
        ("America/New_York", time(2, 30), utc(2026, 3, 1)),
        ("America/New_York", time(1, 30), utc(2026, 10, 25)),
        ("Australia/Lord_Howe", time(2, 15), utc(2026, 9, 28)),
        ("Australia/Lord_Howe", time(1, 45), utc(2026, 3, 30)),
        ("Europe/London", time(1, 30), utc(2026, 10, 20)),
        ("Pacific/Apia", time(7, 30), utc(2011, 12, 25)),
    ],
)
def test_walking_through_a_transition_gives_one_send_per_local_date(zone: str, at: time, start: datetime) -> None:
    tz = ZoneInfo(zone)
    now = start
    dates: list[date] = []
    for _ in range(14):
        now = next_send(at, tz, now)
        dates.append(now.astimezone(tz).date())
    assert len(dates) == len(set(dates)), "a local date got two digests"
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    if zone != "Pacific/Apia":
        assert all(g == 1 for g in gaps), gaps


def test_a_slot_already_planned_today_is_not_planned_again_after_a_time_change() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    # The 07:30 slot of 2026-11-27 was planned; the reader moves to 19:00 the same day.
    now = utc(2026, 11, 27, 1, 0)  # 10:00 in Tokyo
    assert next_send(time(19, 0), tz, now) == utc(2026, 11, 27, 10, 0)
    assert next_send(time(19, 0), tz, now, after_local_date=date(2026, 11, 27)) == utc(2026, 11, 28, 10, 0)


def test_a_missing_local_date_has_no_slot() -> None:
    assert slot_instant(date(2011, 12, 30), time(7, 30), ZoneInfo("Pacific/Apia")) is None


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_send(time(7, 30), ZoneInfo("UTC"), datetime(2026, 1, 1) + timedelta(0))


# ``days mon-fri``: (zone, slot, now (UTC), expected next send (UTC)). 2026-12-04 is a Friday.
WEEKDAY_TABLE = [
    ("Asia/Tokyo", time(7, 30), utc(2026, 12, 3, 23, 0), utc(2026, 12, 6, 22, 30)),  # Fri 08:00 JST → Mon 07:30
    ("Asia/Tokyo", time(7, 30), utc(2026, 12, 3, 22, 0), utc(2026, 12, 3, 22, 30)),  # Fri 07:00 JST → Fri 07:30
    ("America/New_York", time(7, 0), utc(2026, 12, 5, 15, 0), utc(2026, 12, 7, 12, 0)),  # Saturday → Monday
    ("Pacific/Kiritimati", time(6, 0), utc(2026, 12, 4, 17, 0), utc(2026, 12, 6, 16, 0)),  # +14: local Sat → Mon
]


@pytest.mark.parametrize(("zone", "at", "now", "expected"), WEEKDAY_TABLE)
def test_weekday_schedule_skips_the_weekend(zone: str, at: time, now: datetime, expected: datetime) -> None:
    sent = next_send(at, ZoneInfo(zone), now, weekdays=WEEKDAYS)
    assert sent == expected
    assert sent.astimezone(ZoneInfo(zone)).weekday() < 5


def test_weekday_schedule_never_lands_twice_on_one_date_after_a_weekend_pause() -> None:
    zone = ZoneInfo("Europe/London")
    sent = next_send(time(7, 0), zone, utc(2026, 12, 4, 8, 0), after_local_date=date(2026, 12, 4), weekdays=WEEKDAYS)
    assert sent == utc(2026, 12, 7, 7, 0)


def test_an_empty_set_of_days_is_refused() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        next_send(time(7, 0), ZoneInfo("UTC"), utc(2026, 12, 4), weekdays=frozenset())
