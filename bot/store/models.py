"""Who a subscriber is (``Identity``) and what they asked for (``Subscription``), independent of storage.

An identity is a tuple per channel, so that the same raw id on two platforms, or the same Slack user id in two
workspaces, are different subscribers:

    telegram:<chat id>        slack:<team>:<user or channel>        line:<userId>        email:<address>
    console:<name>
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot import keys

__all__ = [
    "CHANNELS",
    "DEFAULT_ITEMS",
    "DEFAULT_MINUTES",
    "DEFAULT_TIME",
    "DEFAULT_TIMEZONE",
    "FEEDBACK_FIELD",
    "MAX_MUTED",
    "FieldTooLong",
    "Identity",
    "IdentityError",
    "Subscription",
]

#: Channels and the number of id parts each identity has.
CHANNELS: dict[str, int] = {"telegram": 1, "slack": 2, "line": 1, "email": 1, "console": 1}

DEFAULT_TIME = time(7, 30)
DEFAULT_TIMEZONE = "UTC"
#: No cap on the count by default: a digest is filled to ``DEFAULT_MINUTES`` of reading; ``items N`` caps it.
DEFAULT_ITEMS = 20
#: Minutes of reading (of the cards) a digest is filled to; ``minutes N`` sets 1–30.
DEFAULT_MINUTES = 5


#: An address as sign-up accepts it (one @, a dotted domain, no spaces); email_validator checks the rest there.
_EMAIL = re.compile(r"[^@\s:]{1,64}@[^@\s:]+\.[^@\s:.]{1,63}")
#: Sources one reader may mute: the command refuses the next one; storage refuses more (``FieldTooLong``).
MAX_MUTED = 50
#: Longest id part: an email address is at most 254 characters, platform ids far shorter.
_MAX_ID_PART = 254
#: Bounds of every stored field: characters of a text field, or (entries, characters each) of a list field.
#: Whatever a reader types or a webhook carries, one subscription hash stays a few kilobytes.
#: The subscription hash's field saying whether the reader has 👍/👎 kept ("1") or none ("0"); written by
#: ``bot.store.feedback``'s scripts too, so that a worker skips the affinity read for a reader who never voted.
FEEDBACK_FIELD = "fb"
_TEXT_LIMITS = {"tz": 64, "lang": 8, "reason": 200}
_LIST_LIMITS = {"topics": (32, 40), "muted": (MAX_MUTED, 200), "extra": (16, 300)}


class IdentityError(ValueError):
    """``CHANNEL:ID`` could not be read; the message says the expected form."""


class FieldTooLong(ValueError):
    """A subscription field is over its bound; nothing was stored. The message names the field."""


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Identity:
        """Read ``telegram:42``, ``slack:T1:U1``, ``line:Uabc``, ``email:a@b.c``."""
        channel, _, rest = text.partition(":")
        channel = channel.strip().lower()
        if channel not in CHANNELS:
            raise IdentityError(
                f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}, e.g. telegram:42"
            )
        expected = CHANNELS[channel]
        parts = tuple(p.strip() for p in rest.split(":", expected - 1)) if rest else ()
        if any(len(p) > _MAX_ID_PART for p in parts):
            raise IdentityError(f"{channel} id parts are at most {_MAX_ID_PART} characters")
        if len(parts) != expected or not all(parts):
            example = {"slack": "slack:T1:U1", "email": "email:a@example.com"}.get(channel, f"{channel}:42")
            raise IdentityError(f"{channel} needs {expected} id part(s), e.g. {example}")
        if channel == "email":
            address = parts[0].lower()
            if not _EMAIL.fullmatch(address):
                raise IdentityError(f"{address[:60]!r} is not an email address, e.g. email:a@example.com")
            parts = (address,)
        return cls(channel, parts)

    @classmethod
    def stored(cls, text: str) -> Identity:
        """Read an identity as stored: ``parse`` for the known channels; a channel added through the registry
        alone (``channels.registry``) reads as ``<channel>:<address>`` in one part."""
        channel, _, rest = text.partition(":")
        if channel.strip().lower() in CHANNELS or not rest:
            return cls.parse(text)
        return cls(channel, (rest,))

    @property
    def sid(self) -> str:
        return keys.subscription_id(self.channel, *self.parts)

    @property
    def address(self) -> str:
        """The platform address a channel sends to (``T1:C9`` for Slack)."""
        return ":".join(self.parts)

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription and its preferences. ``language`` is empty until the reader chooses or we infer it."""

    identity: Identity
    active: bool = False
    paused_until: datetime | None = None
    delivery_time: time = DEFAULT_TIME
    timezone: str = DEFAULT_TIMEZONE
    language: str = ""
    topics: tuple[str, ...] = ()
    muted_sources: tuple[str, ...] = ()
    items: int = DEFAULT_ITEMS
    minutes: int = DEFAULT_MINUTES
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    deactivated_reason: str = ""
    last_slot_date: date | None = None
    extra: dict[str, str] = field(default_factory=dict)
    weekdays: frozenset[int] = frozenset(range(7))  # local days with a digest, Monday = 0 (``days mon-fri``)
    #: The reader may have 👍/👎 kept (``bot.store.feedback``): the worker reads their affinity only then. Kept in
    #: sync by the vote script and ``SubscriptionStore.update``, never by a preference change; a hash from before
    #: the field says True (read, as before).
    has_feedback: bool = False

    @property
    def sid(self) -> str:
        return self.identity.sid

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_language(self) -> str:
        return self.language or "en"

    def is_paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def with_changes(self, **changes: Any) -> Subscription:
        return replace(self, **changes)

    # -------------------------------------------------------------------- storage form (a Redis hash)

    def to_hash(self) -> dict[str, str]:
        """The storage form; raises ``FieldTooLong`` rather than store a field over its bound."""
        for name, value in (("tz", self.timezone), ("lang", self.language), ("reason", self.deactivated_reason)):
            if len(value) > _TEXT_LIMITS[name]:
                raise FieldTooLong(f"{name} is longer than {_TEXT_LIMITS[name]} characters")
        extra = [f"{k}={v}" for k, v in sorted(self.extra.items())]
        for name, values in (("topics", self.topics), ("muted", self.muted_sources), ("extra", extra)):
            most, longest = _LIST_LIMITS[name]
            if len(values) > most or any(len(v) > longest for v in values):
                raise FieldTooLong(f"{name} holds more than {most} entries or one over {longest} characters")
        return {
            "identity": str(self.identity),
            "active": "1" if self.active else "0",
            "paused_until": self.paused_until.isoformat() if self.paused_until else "",
            "time": self.delivery_time.strftime("%H:%M"),
            "tz": self.timezone,
            "lang": self.language,
            "topics": ",".join(self.topics),
            "muted": "\x1f".join(self.muted_sources),
            "items": str(self.items),
            "minutes": str(self.minutes),
            "created": self.created_at.isoformat(),
            "updated": self.updated_at.isoformat(),
            "reason": self.deactivated_reason,
            "last_slot": self.last_slot_date.isoformat() if self.last_slot_date else "",
            "extra": "\x1f".join(extra),
            "days": "" if len(self.weekdays) == 7 else ",".join(str(d) for d in sorted(self.weekdays)),
            FEEDBACK_FIELD: "1" if self.has_feedback else "0",
        }

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> Subscription:
        hours, minutes = data.get("time", "07:30").split(":")
        extra_items = [kv.split("=", 1) for kv in data.get("extra", "").split("\x1f") if "=" in kv]
        return cls(
            identity=Identity.stored(data["identity"]),
            active=data.get("active") == "1",
            paused_until=datetime.fromisoformat(data["paused_until"]) if data.get("paused_until") else None,
            delivery_time=time(int(hours), int(minutes)),
            timezone=data.get("tz") or DEFAULT_TIMEZONE,
            language=data.get("lang", ""),
            topics=tuple(t for t in data.get("topics", "").split(",") if t),
            muted_sources=tuple(m for m in data.get("muted", "").split("\x1f") if m),
            items=int(data.get("items") or DEFAULT_ITEMS),
            minutes=int(data.get("minutes") or DEFAULT_MINUTES),
            created_at=datetime.fromisoformat(data["created"]),
            updated_at=datetime.fromisoformat(data["updated"]),
            deactivated_reason=data.get("reason", ""),
            last_slot_date=date.fromisoformat(data["last_slot"]) if data.get("last_slot") else None,
            extra={k: v for k, v in extra_items},
            weekdays=_weekdays(data.get("days", "")),
            has_feedback=data.get(FEEDBACK_FIELD, "1") != "0",
        )


def _weekdays(text: str) -> frozenset[int]:
    """The stored ``days`` field: empty (every day, and every subscription stored before it existed) or ``0,1,…``."""
    days = frozenset(int(d) for d in text.split(",") if d.isdigit() and int(d) < 7)
    return days or frozenset(range(7))
