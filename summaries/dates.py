"""Feed dates: RFC 822, ISO 8601 and the many broken variants feeds publish, always to aware UTC."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any

from feedparser.datetimes import _parse_date as _feedparser_date

__all__ = ["from_struct", "parse_date"]


def from_struct(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        y, mo, d, h, mi, sec = (int(v) for v in value[:6])
        return datetime(y, mo, d, h, mi, min(sec, 59), tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def parse_date(value: str) -> datetime | None:
    """A UTC datetime from RFC 822, ISO 8601 or anything feedparser knows; None when unreadable.

    A date without a zone is taken as UTC. Years outside 1970–2100 are treated as garbage.
    """
    value = (value or "").strip()[:100]
    if not value:
        return None
    when: datetime | None = None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = from_struct(_feedparser_date(value))
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when if 1970 <= when.year <= 2100 else None
