"""``POST /line/webhook``: LINE's events, verified, deduplicated and turned into our commands.

Order of work for each request, so that a forged or replayed request changes nothing:

1. ``X-Line-Signature`` present (else 401), body ≤ ``MAX_BODY`` (else 413), UTF-8 (else 403);
2. the SDK's ``WebhookParser`` checks the signature on the raw body *before* parsing (403 on mismatch) and
   parses (400 on malformed JSON); an empty ``events`` list (LINE's "Verify" button) answers 200;
3. each event is claimed once by its ``webhookEventId`` in Redis (``SET NX``): a redelivery or a concurrent
   replay finds the claim and is skipped; a claim whose handling failed is released, so LINE's redelivery
   can succeed later;
4. follow → subscribe (reactivates after a block) and a welcome in the profile's language with quick-reply
   buttons; unfollow → deactivate; text and postbacks → ``bot.conversation.commands``; "today"/"now" → the digest itself
   as a free reply. Replies use the event's reply token (replies cost no quota).

Rejections never answer ≥ 500. The route is mounted only when LINE is configured.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from linebot.v3.exceptions import InvalidSignatureError  # type: ignore[import-untyped]
from linebot.v3.webhook import WebhookParser  # type: ignore[import-untyped]
from linebot.v3.webhooks import (  # type: ignore[import-untyped]
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import keys
from bot.app import Services
from bot.conversation.i18n import t
from bot.conversation.parser import CommandError, parse_command
from bot.store import counters
from bot.store.models import Identity, Subscription
from channels.base import ChannelError
from channels.line.channel import LineChannel
from channels.line.render import LineMessage, render_digest, text_message
from summaries.models import Edition

__all__ = ["MAX_BODY", "EditionLookup", "LineWebhook", "routes"]

log = logging.getLogger(__name__)

#: LINE batches events, but a real webhook body is a few KB; anything near this is not LINE.
MAX_BODY = 256 * 1024
_CLAIM_SECONDS = 120  # a claim outlives any handling; a crashed handler's claim expires for redelivery
_DONE_SECONDS = 3 * 24 * 3600  # LINE redelivers for a limited time; three days covers it
_EVENT_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")

#: The day's edition in a language (None when there is none yet), for "Today's digest" answers.
EditionLookup = Callable[[str], Awaitable[Edition | None]]


def routes(services: Services) -> list[BaseRoute]:
    channel = services.channels.get("line")
    secret = services.settings.line_channel_secret
    if not isinstance(channel, LineChannel) or secret is None:
        return []
    webhook = LineWebhook(services, channel, secret.get_secret_value(), editions=_edition_lookup(services))
    return [Route("/line/webhook", webhook.endpoint, methods=["POST"])]


def _edition_lookup(services: Services) -> EditionLookup | None:
    """The latest edition per language, from the services' edition source (None: none wired)."""
    source = services.editions
    return source.latest if source is not None else None


class _Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class LineWebhook:
    """Verifies and dispatches LINE webhook requests for one channel."""

    def __init__(self, services: Services, channel: LineChannel, channel_secret: str, *,
                 editions: EditionLookup | None = None) -> None:
        self._services = services
        self._channel = channel
        self._parser = WebhookParser(channel_secret)
        self._editions = editions

    async def endpoint(self, request: Request) -> JSONResponse:
        try:
            payload = self._parse(request.headers.get("x-line-signature", ""), await _read_capped(request))
        except _Rejected as rejected:
            log.info("LINE webhook refused: %s", rejected.reason)
            try:
                await counters.incr(self._services.runtime.redis, "webhook_rejections",
                                    {"channel": "line", "reason": rejected.reason})
            except RedisError:  # counting is best effort: a refusal stays a 4xx even with Redis down
                log.warning("could not count a LINE webhook rejection")
            return JSONResponse({"error": rejected.reason}, status_code=rejected.status)
        failed = 0
        for event in payload.events:
            if not await self._once(event):
                failed += 1
        if failed:
            # Our side failed (Redis down): a non-2xx makes LINE redeliver, and the released claims let it in.
            return JSONResponse({"error": "retry later"}, status_code=503)
        return JSONResponse({"ok": True})

    # ------------------------------------------------------------------------------------ verification

    def _parse(self, signature: str, body: bytes) -> Any:
        if not signature:
            raise _Rejected(401, "signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _Rejected(403, "signature") from None
        try:
            return self._parser.parse(text, signature, as_payload=True)
        except InvalidSignatureError:
            raise _Rejected(403, "signature") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise _Rejected(400, "malformed") from None

    # ------------------------------------------------------------------------------------ dedupe

    async def _once(self, event: Any) -> bool:
        """Handle ``event`` unless another request already took it. False when our side failed."""
        key = keys.line_event(_event_key(event))
        redis = self._services.runtime.redis
        try:
            if not await redis.set(key, "claim", nx=True, ex=_CLAIM_SECONDS):
                log.info("LINE event %s already taken; skipped", _event_key(event))
                return True
        except RedisError:
            log.warning("LINE event not claimed: Redis unavailable")
            return False
        try:
            await self._dispatch(event)
        except Exception:  # the webhook's boundary: log, release the claim for LINE's redelivery
            log.exception("LINE event %s failed", type(event).__name__)
            with contextlib.suppress(RedisError):  # else the claim expires by itself after _CLAIM_SECONDS
                await redis.delete(key)
            return False
        with contextlib.suppress(RedisError):  # the claim alone still dedupes for _CLAIM_SECONDS
            await redis.set(key, "done", ex=_DONE_SECONDS)
        return True

    # ------------------------------------------------------------------------------------ events

    async def _dispatch(self, event: Any) -> None:
        if getattr(event, "mode", None) is not None and str(getattr(event.mode, "value", event.mode)) == "standby":
            return  # another module owns the chat now; we must not reply
        address = _address(event)
        if address is None:
            return
        identity = Identity("line", (address,))
        if isinstance(event, FollowEvent):
            await self._follow(identity, event.reply_token)
        elif isinstance(event, UnfollowEvent):
            await self._services.store.update(identity, _deactivate)
        elif isinstance(event, MessageEvent):
            text = event.message.text if isinstance(event.message, TextMessageContent) else "help"
            await self._command(identity, text, event.reply_token)
        elif isinstance(event, PostbackEvent):
            text = _postback_text(event)
            if text:
                await self._command(identity, text, event.reply_token)

    async def _follow(self, identity: Identity, reply_token: str | None) -> None:
        language = await self._profile_language(identity.address)
        if language == "ja":
            await self._services.store.update(identity, _japan_defaults(identity))
        reply = await self._services.commands.handle(identity, "subscribe", language_hint=language)
        welcome = f"{t(reply.language, 'line_welcome')}\n{reply.text}"
        await self._reply(reply_token, [text_message(welcome, _quick_reply(reply.language))])

    async def _command(self, identity: Identity, text: str, reply_token: str | None) -> None:
        if _is_now(text):
            messages = await self._digest(identity)
            if messages:
                await self._reply(reply_token, messages)
                return
        reply = await self._services.commands.handle(identity, text)
        await self._reply(reply_token, [text_message(reply.text, _quick_reply(reply.language))])

    async def _digest(self, identity: Identity) -> list[LineMessage]:
        """Today's digest for this reader, filtered by their preferences; empty when there is no edition."""
        if self._editions is None:
            return []
        sub = await self._services.store.get(identity) or Subscription(identity=identity)
        edition = await self._editions(sub.effective_language)
        if edition is None:
            return []
        mine = edition.for_subscriber(topics=set(sub.topics), muted_sources=set(sub.muted_sources), items=sub.items)
        return render_digest(mine, sub.effective_language)

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
        except ChannelError as exc:  # the change is made; a lost reply must not undo or repeat it
            log.warning("LINE reply failed: %s %s", type(exc).__name__, exc.detail)


# ---------------------------------------------------------------------------------------------- helpers


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _Rejected(413, "oversize")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Rejected(413, "oversize")
        chunks.append(chunk)
    return b"".join(chunks)


def _event_key(event: Any) -> str:
    """The dedupe key: LINE's ``webhookEventId``; else a hash of the event as LINE sent it."""
    event_id = getattr(event, "webhook_event_id", None)
    if isinstance(event_id, str) and _EVENT_ID.match(event_id):
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


def _is_now(text: str) -> bool:
    try:
        return parse_command(text).name == "now"
    except CommandError:
        return False


def _quick_reply(language: str) -> dict[str, Any]:
    """Buttons under every reply: delivery time (a native time picker), topics, the other language, today."""
    other = "en" if language == "ja" else "ja"
    return {"items": [
        {"type": "action", "action": {"type": "datetimepicker", "label": t(language, "line_qr_time")[:20],
                                      "data": "cmd=time", "mode": "time"}},
        {"type": "action", "action": {"type": "message", "label": t(language, "line_qr_topics")[:20],
                                      "text": "topics" if language == "en" else "トピック"}},
        {"type": "action", "action": {"type": "postback", "label": t(language, "line_qr_language")[:20],
                                      "data": f"cmd=language {other}", "displayText": f"language {other}"}},
        {"type": "action", "action": {"type": "postback", "label": t(language, "line_qr_today")[:20],
                                      "data": "cmd=now", "displayText": t(language, "line_qr_today")}},
    ]}


def _deactivate(current: Subscription | None) -> Subscription | None:
    if current is None or not current.active:
        return None
    return current.with_changes(active=False, deactivated_reason="unfollowed")


def _japan_defaults(identity: Identity) -> Callable[[Subscription | None], Subscription | None]:
    """A new follower whose LINE speaks Japanese starts in Japanese on Tokyo time (they can change both)."""

    def change(current: Subscription | None) -> Subscription | None:
        return None if current is not None else Subscription(identity=identity, language="ja", timezone="Asia/Tokyo")

    return change
