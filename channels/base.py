"""The one small interface every channel adapter implements, and the one error tree they all raise.

A channel *translates*; it never decides. It renders an edition for its platform, sends it, and turns the
platform's inbound events into our commands. What to do about a failure is decided once, in ``bot.delivery.worker``,
by the exception's type::

    ChannelError                      anything a send can raise; nothing above channels/ sees an SDK error
    ├── RateLimited(retry_after, bucket)   429 / RetryAfter: re-schedule at retry_after, pause only `bucket`
    ├── QuotaExceeded                 monthly/plan quota spent (LINE): stop this channel's fan-out, tell operator
    ├── TransientError                5xx, timeouts before the request was sent, 4xx SMTP: retry with backoff
    │   └── AmbiguousError            the request may have been accepted (timeout after sending): retry only
    │                                 where the provider dedupes (idempotency key / Message-ID)
    ├── RecipientGone(reason)         blocked, kicked, channel archived, address 5.1.x: deactivate subscription
    │   └── RecipientMoved(new_address)   Telegram ChatMigrated: move the subscription, then retry
    ├── InstallBroken                 token revoked / invalid auth: deactivate every subscription of the install
    └── RenderBug                     the provider rejected our payload (bad blocks, can't parse entities):
                                      one plain-text fallback, then dead letter
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from summaries.models import Edition

__all__ = [
    "AmbiguousError",
    "Channel",
    "ChannelError",
    "Delivery",
    "InboundMessage",
    "InstallBroken",
    "PartProgress",
    "QuotaExceeded",
    "RateLimit",
    "RateLimited",
    "Receipt",
    "Recipient",
    "RecipientGone",
    "RecipientMoved",
    "RenderBug",
    "TransientError",
]


# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where one digest goes.

    ``address`` is the platform's own id: a Telegram chat id, a Slack ``team:channel`` (or ``team:user``), a
    LINE userId, an email address. ``extra`` carries platform details the adapter needs (a Slack install's
    bot token id, an email's unsubscribe links) and nothing the bot must interpret.
    """

    channel: str
    address: str
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict)


#: Told the number of parts of a split digest the provider has accepted so far, after each accepted part.
PartProgress = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One unit of work: this edition (already filtered for the subscriber) to this recipient.

    ``delivery_id`` is deterministic (subscription + local date + slot); adapters pass it to the provider as
    an idempotency key where one exists (LINE ``X-Line-Retry-Key``, email ``Message-ID``).

    A digest a channel splits into parts (Slack posts, Telegram messages) may be cut short by a failure or a
    crash after some parts were shown. ``parts_done`` says how many the provider accepted in earlier attempts
    (the channel sends from the next one), and the channel awaits ``progress`` after each part it sends is
    accepted, so that the count survives a crash (the worker records it in Redis). A digest of one message
    reports nothing: most are, and a Redis write per send would slow every fan-out for no resume to gain.

    The plain fallback after a ``RenderBug`` is another rendering, split differently: ``rich_parts_done`` says
    how many parts of the rich one were shown before it, and the fallback starts with the first story those
    did not hold (then skips its own ``parts_done``), so a reader gets no story twice and none lost.
    """

    delivery_id: str
    recipient: Recipient
    edition: Edition
    late: bool = False
    plain: bool = False  # the one plain-text fallback after a RenderBug
    parts_done: int = 0
    progress: PartProgress | None = None
    rich_parts_done: int = 0  # with ``plain``: parts of the rich rendering shown before the fallback


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the provider said when it accepted a delivery."""

    provider_message_id: str = ""
    accepted_at: datetime | None = None
    messages: int = 1


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A provider limit a send consumes one token of: ``rate`` messages per ``per_seconds`` in ``bucket``.

    Buckets are names such as ``telegram:global`` or ``telegram:chat:42``; the worker keeps them in Redis so
    that they hold across worker processes and waits (without sending) until every bucket has a token.
    """

    bucket: str
    rate: float
    per_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A platform event already turned into text for the command language."""

    channel: str
    address: str
    text: str
    language_hint: str = ""
    actor: str = ""  # who typed it, where it differs from the subscription (a member of a Slack channel)
    is_admin: bool = True


# --------------------------------------------------------------------------------------------- errors


class ChannelError(Exception):
    """Base of every error a channel raises. ``detail`` is safe to log (no secrets, no message bodies)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class RateLimited(ChannelError):
    """The provider asked us to wait. Only ``bucket`` (a chat, a workspace, the whole bot) is paused."""

    def __init__(self, retry_after: float, bucket: str = "", detail: str = "") -> None:
        super().__init__(detail or f"rate limited for {retry_after:g}s")
        self.retry_after = max(0.0, float(retry_after))
        self.bucket = bucket


class QuotaExceeded(ChannelError):
    """The channel's plan quota is spent (LINE's monthly messages)."""


class TransientError(ChannelError):
    """Failed, but trying again later may succeed. The provider did not accept the message."""


class AmbiguousError(TransientError):
    """The request left us but no answer came back: the provider may have accepted it."""


class RecipientGone(ChannelError):
    """Permanent for this recipient: blocked the bot, left, archived, address does not exist."""


class RecipientMoved(RecipientGone):
    """The recipient lives at a new address now (Telegram group upgraded to a supergroup)."""

    def __init__(self, new_address: str, detail: str = "") -> None:
        super().__init__(detail or "recipient moved")
        self.new_address = new_address


class InstallBroken(ChannelError):
    """Our credentials for this install no longer work (token revoked, app uninstalled)."""


class RenderBug(ChannelError):
    """The provider rejected what we rendered. Our bug: retrying the same payload cannot help."""


# --------------------------------------------------------------------------------------------- protocol


@runtime_checkable
class Channel(Protocol):
    """One delivery channel.

    ``render`` is pure and deterministic: the same edition and language give the same payload (this is
    what ``aitoday preview`` prints). ``send`` delivers a ``Delivery`` and returns a ``Receipt`` once the
    provider accepted it; it raises only ``ChannelError`` subclasses. ``send`` must be safe to call again
    with the same ``delivery_id`` after an ``AmbiguousError``: where the provider takes an idempotency key
    it is passed, so the reader sees one message.
    """

    name: str

    def render(self, edition: Edition, language: str) -> Any:
        """The platform payload for ``edition`` (JSON-able, or a string for text channels)."""
        ...

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        """The provider buckets one send to ``recipient`` consumes (empty: no pacing needed)."""
        ...

    async def send(self, delivery: Delivery) -> Receipt:
        """Deliver; return when the provider accepted. Raises ``ChannelError`` subclasses only."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
