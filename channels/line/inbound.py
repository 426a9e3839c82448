"""LINE's inbound: ``POST /line/webhook`` events into commands, answered with free replies (reply tokens).

* ``X-Line-Signature`` (base64 HMAC-SHA256 of the raw body with the channel secret): absent → 401, wrong → 403;
* the events are read as the SDK's ``WebhookParser`` reads them (400 when they cannot be); an empty ``events``
  list (LINE's "Verify" button) answers 200. Each event is one ``Update`` claimed by its ``webhookEventId`` (or
  a hash of the event);
* follow → subscribe (reactivates after a block) and a welcome in the profile's language with quick-reply
  buttons; unfollow → deactivate; text and postbacks → the conversation; "today"/"now" → the digest itself
  as a free reply. A standby-mode event (another module owns the chat) is never answered.

A reply that fails is logged and nothing else: the command already ran, and it must not run again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from linebot.v3.webhook import UnknownEvent  # type: ignore[import-untyped]
from linebot.v3.webhooks import (  # type: ignore[import-untyped]
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from channels.base import ChannelError, InboundMessage
from channels.inbound import (
    BadSignature,
    Conversation,
    HttpAnswer,
    HttpRequest,
    InboundBase,
    Malformed,
    Unsigned,
    Update,
    loads_json,
)
from channels.line.channel import LineChannel
from channels.line.render import LineMessage, render_digest, text_message

__all__ = ["MAX_BODY", "LineInbound"]

log = logging.getLogger(__name__)

#: LINE batches events, but a real webhook body is a few KB; anything near this is not LINE.
MAX_BODY = 256 * 1024
_REMEMBER_SECONDS = 3 * 24 * 3600  # LINE redelivers for a limited time; three days covers it
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")


class LineInbound(InboundBase):
    """Verifies and dispatches LINE webhook events for one channel; replies through that channel."""

    max_body = MAX_BODY
    remember_seconds = _REMEMBER_SECONDS

    def __init__(self, channel: LineChannel, conversation: Conversation, channel_secret: str) -> None:
        self._channel = channel
        self._conversation = conversation
        self._secret = channel_secret.encode("utf-8")

    # ------------------------------------------------------------------------------------------ pipeline

    def verify(self, request: HttpRequest) -> None:
        signature = request.headers.get("x-line-signature", "")
        if not signature:
            raise Unsigned("signature", "missing X-Line-Signature")
        expected = base64.b64encode(hmac.new(self._secret, request.body, hashlib.sha256).digest())
        if not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected):
            raise BadSignature("signature", "wrong X-Line-Signature")

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        """The events as the SDK's ``WebhookParser`` reads them (an unknown type as ``UnknownEvent``), from the
        JSON read once with the depth limit; the signature was checked in ``verify``."""
        body = loads_json(request.body)
        try:
            events = [_event(raw) for raw in body["events"]]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise Malformed("malformed", "not a LINE webhook body") from None
        return [Update(_event_key(event), event) for event in events]

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        event = update.payload
        if getattr(event, "mode", None) is not None and str(getattr(event.mode, "value", event.mode)) == "standby":
            return None  # another module owns the chat now; we must not reply
        address = _address(event)
        if address is None:
            return None
        if isinstance(event, FollowEvent):
            await self._follow(address, event.reply_token)
        elif isinstance(event, UnfollowEvent):
            await self._conversation.deactivate("line", address, "unfollowed")
        elif isinstance(event, MessageEvent):
            text = event.message.text if isinstance(event.message, TextMessageContent) else "help"
            await self._command(address, text, event.reply_token)
        elif isinstance(event, PostbackEvent):
            text = _postback_text(event)
            if text:
                await self._command(address, text, event.reply_token)
        return None

    # ------------------------------------------------------------------------------------------ events

    async def _follow(self, address: str, reply_token: str | None) -> None:
        language = await self._profile_language(address)
        if language == "ja":  # a new follower whose LINE speaks Japanese starts in Japanese on Tokyo time
            await self._conversation.start_with("line", address, language="ja", timezone="Asia/Tokyo")
        answer = await self._conversation.handle(InboundMessage("line", address, "subscribe", language_hint=language))
        welcome = f"{self._conversation.text(answer.language, 'line_welcome')}\n{answer.text}"
        await self._reply(reply_token, [text_message(welcome, self._quick_reply(answer.language))])

    async def _command(self, address: str, text: str, reply_token: str | None) -> None:
        if self._conversation.shape(text).name == "now":
            digest = await self._conversation.digest("line", address)
            if digest is not None:
                await self._reply(reply_token, render_digest(*digest))
                return
        answer = await self._conversation.handle(InboundMessage("line", address, text))
        await self._reply(reply_token, [text_message(answer.text, self._quick_reply(answer.language))])

    async def _profile_language(self, user_id: str) -> str:
        try:
            profile = await self._channel.profile(user_id)
        except ChannelError as exc:
            log.info("LINE profile unavailable: %s", exc.detail)
            return ""
        return "ja" if profile.language.lower().startswith("ja") else "en" if profile.language else ""

    async def _reply(self, reply_token: str | None, messages: list[LineMessage]) -> None:
        if not reply_token:
            return
        try:
            await self._channel.reply(reply_token, messages)
        except Exception as exc:  # the change is made; a lost reply must not undo or repeat it
            log.warning("LINE reply failed: %s %s", type(exc).__name__, getattr(exc, "detail", ""))

    def _quick_reply(self, language: str) -> dict[str, Any]:
        """Buttons under every reply: delivery time (a native time picker), topics, the other language, today."""
        other = "en" if language == "ja" else "ja"
        say = self._conversation.text
        return {"items": [
            {"type": "action", "action": {"type": "datetimepicker", "label": say(language, "line_qr_time")[:20],
                                          "data": "cmd=time", "mode": "time"}},
            {"type": "action", "action": {"type": "message", "label": say(language, "line_qr_topics")[:20],
                                          "text": "topics" if language == "en" else "トピック"}},
            {"type": "action", "action": {"type": "postback", "label": say(language, "line_qr_language")[:20],
                                          "data": f"cmd=language {other}", "displayText": f"language {other}"}},
            {"type": "action", "action": {"type": "postback", "label": say(language, "line_qr_today")[:20],
                                          "data": "cmd=now", "displayText": say(language, "line_qr_today")}},
        ]}


# ---------------------------------------------------------------------------------------------- helpers


def _event(raw: Any) -> Any:
    try:
        return Event.from_dict(raw)
    except ValueError:  # a type this SDK does not know: kept, and ignored by handle
        return UnknownEvent.new_from_json_dict(raw)


def _event_key(event: Any) -> str:
    """The claim key: LINE's ``webhookEventId``; else a hash of the event as LINE sent it."""
    event_id = getattr(event, "webhook_event_id", None)
    if isinstance(event_id, str) and 0 < len(event_id) <= 64 and set(event_id) <= _ID_CHARS:
        return event_id
    material = event.to_json() if hasattr(event, "to_json") else repr(event)
    return "h-" + hashlib.sha256(str(material).encode("utf-8")).hexdigest()[:32]


def _address(event: Any) -> str | None:
    """Who the event is from: the user (1:1 chat), else the group or room the bot sits in."""
    source = getattr(event, "source", None)
    attribute = {"user": "user_id", "group": "group_id", "room": "room_id"}.get(getattr(source, "type", ""))
    value = getattr(source, attribute, None) if attribute else None
    return value if isinstance(value, str) and value else None


def _postback_text(event: Any) -> str:
    """Our buttons send ``cmd=<command>``; a time picker adds ``params.time``. Anything else is ignored."""
    data = parse_qs(str(event.postback.data or ""), keep_blank_values=True)
    command = (data.get("cmd") or [""])[0].strip()
    params = event.postback.params or {}
    if command == "time" and isinstance(params, dict) and params.get("time"):
        return f"time {params['time']}"
    return command
