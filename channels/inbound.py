"""The inbound half of a channel: how a platform's webhook becomes ``InboundMessage``s and replies.

``bot.web.webhooks`` runs one pipeline for every channel; a channel only supplies the platform's parts::

    capped read (413)  ->  Inbound.verify (401 / 403)  ->  Inbound.parse (400)  ->  claim each Update once
        ->  Inbound.handle(update)  ->  Conversation.handle(InboundMessage)  ->  reply through the channel

What the bot offers a channel is the ``Conversation`` port (defined here, implemented in ``bot``): run a
command, read a subscriber, deactivate one, say a sentence in the reader's language. A channel never owns
prose and never touches storage; it translates.

Errors a channel raises from ``verify``/``parse``/``handle``::

    WebhookRejected(status, reason)   the request is refused; ``status`` is 401, 403 or 400
    ├── Unsigned                      no signature / secret header at all (401)
    ├── BadSignature                  a signature that does not verify (403)
    └── Malformed                     signed, but not an update we can read (400)

Anything raised by the ``Conversation`` port itself (its store unreachable) passes through untouched: the
pipeline answers 503 and lets the platform deliver again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from channels.base import InboundMessage
from summaries.models import Edition

__all__ = [
    "MAX_JSON_DEPTH",
    "Answer",
    "BadSignature",
    "CommandShape",
    "Conversation",
    "HttpAnswer",
    "HttpRequest",
    "Inbound",
    "InboundBase",
    "Malformed",
    "Route",
    "SubscriberView",
    "Unsigned",
    "Update",
    "WebhookRejected",
    "loads_json",
]

#: Deeper JSON than any platform sends; deeper input is refused before ``json`` recurses into it.
MAX_JSON_DEPTH = 64


# --------------------------------------------------------------------------------------------- errors


class WebhookRejected(Exception):
    """The request is refused with ``status``; ``reason`` is the ``webhook_rejections`` counter's label."""

    status = 400

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


class Unsigned(WebhookRejected):
    """The request carries no signature or secret at all."""

    status = 401


class BadSignature(WebhookRejected):
    """A signature or secret is present but wrong (or stale, or replayed)."""

    status = 403


class Malformed(WebhookRejected):
    """Verified, but not a platform update we can read."""

    status = 400


# --------------------------------------------------------------------------------------------- HTTP


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the pipeline read of one request: headers (lower-case names), the query string and the raw body."""

    method: str
    path: str
    headers: Mapping[str, str]
    query: str = ""
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """The HTTP answer a channel wants sent (Slack answers a slash command in the response itself)."""

    status: int = 200
    body: bytes = b'{"ok":true}'
    content_type: str = "application/json"
    headers: Sequence[tuple[str, str]] = ()  # pairs, so that a header may repeat (Set-Cookie)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> HttpAnswer:
        return cls(status=status, body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                   headers=tuple((headers or {}).items()))


@dataclass(frozen=True, slots=True)
class Update:
    """One platform event of a request. ``event_id`` is the platform's id, claimed once (empty: never claimed)."""

    event_id: str
    payload: Any


@dataclass(frozen=True, slots=True)
class Route:
    """A further route a channel serves as is (Slack's OAuth install pages): no claim, no command."""

    path: str
    methods: tuple[str, ...]
    handle: Callable[[HttpRequest], Awaitable[HttpAnswer]]


# --------------------------------------------------------------------------------------------- the port


@dataclass(frozen=True, slots=True)
class Answer:
    """The bot's reply to one message: the text, its language, and whether it changed the subscription."""

    text: str
    language: str
    changed: bool = False
    command: str = ""
    ok: bool = True


@dataclass(frozen=True, slots=True)
class SubscriberView:
    """What a channel may read of a subscription (to draw a settings keyboard, to pick a language)."""

    active: bool
    language: str
    topics: tuple[str, ...] = ()
    muted_sources: tuple[str, ...] = ()
    items: int = 5


@dataclass(frozen=True, slots=True)
class CommandShape:
    """What a text is in the command language, without running it.

    ``known``: one of our commands (perhaps malformed: "time" without a time); ``changes``: running it may
    change the subscription (a text the strict parser refuses may, as a plain-language phrase or the "yes" to a
    question); ``name``: the command (``now``), or "".
    """

    known: bool
    changes: bool
    name: str = ""


class Conversation(Protocol):
    """The bot, as a channel's inbound sees it. ``bot`` implements it on the command handler and the store.

    ``address`` is the channel's own address of a subscription (``42``, ``T1:C9``, ``Uabc``). Every method may
    raise the store's "unavailable" error, which the pipeline turns into a 503.
    """

    async def handle(self, message: InboundMessage) -> Answer:
        """Run the command in ``message.text`` for ``message.address``; one reply, never a command error."""
        ...

    async def subscriber(self, channel: str, address: str) -> SubscriberView | None:
        """The subscription at ``address`` (None when there is none)."""
        ...

    async def deactivate(self, channel: str, address: str, reason: str) -> bool:
        """Stop an active subscription with ``reason`` (blocked, unfollowed); True when it changed."""
        ...

    async def start_with(self, channel: str, address: str, *, language: str, timezone: str) -> None:
        """Give a subscription that does not exist yet these defaults (a no-op for an existing one)."""
        ...

    async def digest(self, channel: str, address: str) -> tuple[Edition, str] | None:
        """Today's edition filtered for this reader and its language; None when there is no edition yet."""
        ...

    def shape(self, text: str) -> CommandShape:
        """What ``text`` is in the command language (for a group's admin rule, LINE's "today" answer)."""
        ...

    def text(self, language: str, message_id: str, /, **params: object) -> str:
        """One sentence of the bot's (``bot.conversation.i18n``), in ``language``."""
        ...


class Inbound(Protocol):
    """A channel's webhook. ``verify`` and ``parse`` are pure; ``handle`` talks to the platform and the bot.

    ``handle`` is called once per claimed ``Update`` and returns the HTTP answer it wants (None: 200 ``ok``).
    It may raise ``Malformed`` (400) and ``TransientError`` (the platform cannot be reached: 503, the event is
    released for redelivery). A failed *reply* is the channel's to log: the command already ran and must not
    run again. ``InboundBase`` gives the optional parts their usual defaults.
    """

    max_body: int
    remember_seconds: int
    budget_seconds: float

    def verify(self, request: HttpRequest) -> None:
        """Raise ``Unsigned`` / ``BadSignature`` unless the platform signed ``request.body``."""
        ...

    def replay_key(self, request: HttpRequest) -> tuple[str, int] | None:
        """``(key, seconds)`` claimed once per request (an exact copy is refused 403), or None."""
        ...

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        """The request's events (empty: nothing to do, e.g. LINE's "Verify" button). Raises ``Malformed``."""
        ...

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        """Turn one event into commands and replies."""
        ...

    def duplicate(self, request: HttpRequest) -> HttpAnswer:
        """The answer when every event of the request was taken already."""
        ...

    def unavailable(self, request: HttpRequest) -> HttpAnswer:
        """The answer when the bot's store is unreachable or the budget ran out (a 503 by default)."""
        ...

    def failed(self, request: HttpRequest) -> HttpAnswer:
        """The answer after a bug of ours in ``handle`` (logged): 2xx, so the platform does not retry forever."""
        ...

    def routes(self) -> Sequence[Route]:
        """Further routes of this channel (empty for most)."""
        ...

    async def aclose(self) -> None:
        """Release what ``handle`` opened."""
        ...


class InboundBase:
    """The usual answers of the optional parts of ``Inbound``; a channel overrides what differs."""

    max_body = 256 * 1024
    remember_seconds = 24 * 3600
    budget_seconds = 25.0
    retry_after_seconds = 30

    def replay_key(self, request: HttpRequest) -> tuple[str, int] | None:
        return None

    def duplicate(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer.json({"ok": True, "duplicate": True})

    def unavailable(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer.json({"ok": False, "error": "retry later"}, 503,
                               {"Retry-After": str(self.retry_after_seconds)})

    def failed(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer.json({"ok": False, "error": "not handled"})

    def routes(self) -> Sequence[Route]:
        return ()

    async def aclose(self) -> None:
        return None


# --------------------------------------------------------------------------------------------- JSON


def loads_json(body: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` (``Malformed``) instead of recursing.

    The depth is counted on the raw text before parsing (brackets outside strings), so a 100,000-deep body
    costs one linear scan, never a ``RecursionError``. Invalid UTF-8 or JSON is ``Malformed`` too.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise Malformed("malformed", "body is not UTF-8") from None
    if _depth_exceeds(text, max_depth):
        raise Malformed("malformed", "JSON nested too deep")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("malformed", "body is not JSON") from None


def _depth_exceeds(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False  # the usual case, at C speed: not enough brackets to nest that deep
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False
