"""``POST /telegram/webhook``: Telegram's updates, verified, deduplicated, then handed to PTB.

Order of work for each request, so that a forged or replayed request changes nothing:

1. ``X-Telegram-Bot-Api-Secret-Token`` (the ``secret_token`` given to ``setWebhook``) compared in constant time
   before the body is read: absent → 401, different → 403 (and 403 for everything while no secret is set);
2. the body: at most ``MAX_BODY`` (413), JSON with an integer ``update_id`` (else 400);
3. the update is claimed once by ``update_id`` in Redis (``SET NX``, short TTL): a redelivery or a concurrent
   replay finds the claim and answers 200 without running anything; after handling, the claim becomes "done"
   for a day (Telegram gives up on an update after 24 hours); a claim whose handling failed is released so
   Telegram's own retry can succeed;
4. ``TelegramBot.process`` runs the handlers (``bot.wiring.telegram``).

Rejections never answer ≥ 500. The route is mounted only when ``TELEGRAM_BOT_TOKEN`` is set.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import keys
from bot.app import Services
from bot.store import counters
from bot.wiring.telegram import MalformedUpdate, TelegramBot

__all__ = ["MAX_BODY", "SECRET_HEADER", "TelegramWebhook", "routes"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
#: A real update is a few KB (a message, a callback query); anything near this is not Telegram.
MAX_BODY = 512 * 1024
_CLAIM_SECONDS = 120
_DONE_SECONDS = 25 * 3600


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings
    token = settings.telegram_bot_token
    if token is None:
        return []
    secret = settings.telegram_webhook_secret
    bot = TelegramBot(services, token.get_secret_value(), settings.telegram_api_url)
    webhook = TelegramWebhook(services, bot, secret.get_secret_value() if secret is not None else None)
    return [Route("/telegram/webhook", webhook.endpoint, methods=["POST"])]


class TelegramWebhook:
    """The endpoint. ``secret`` None refuses every request: an unverifiable webhook is never processed."""

    def __init__(self, services: Services, bot: TelegramBot, secret: str | None) -> None:
        self._services = services
        self._bot = bot
        self._secret = secret.encode() if secret else None
        if secret is None:
            log.warning("telegram: TELEGRAM_WEBHOOK_SECRET is not set; /telegram/webhook refuses every request")

    @property
    def bot(self) -> TelegramBot:
        return self._bot

    async def endpoint(self, request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return await self._reject(401, "signature", "missing secret token")
        if self._secret is None or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            return await self._reject(403, "signature", "wrong secret token")
        body = await request.body()
        if len(body) > MAX_BODY:
            return await self._reject(413, "malformed", "body too large")
        parsed = _parse(body)
        if parsed is None:
            return await self._reject(400, "malformed", "not a Telegram update")
        update_id, data = parsed
        redis = self._services.runtime.redis
        key = keys.telegram_update(update_id)
        if not await redis.set(key, "claim", nx=True, ex=_CLAIM_SECONDS):
            await counters.incr(redis, "webhook_rejections", {"channel": "telegram", "reason": "replay"})
            return JSONResponse({"ok": True, "duplicate": True})
        try:
            await self._bot.process(data)
        except MalformedUpdate:
            await redis.set(key, "done", ex=_DONE_SECONDS)
            return await self._reject(400, "malformed", "update PTB cannot read")
        except BaseException:
            await redis.delete(key)  # let Telegram's retry run it
            raise
        await redis.set(key, "done", ex=_DONE_SECONDS)
        return JSONResponse({"ok": True})

    async def _reject(self, status: int, reason: str, detail: str) -> JSONResponse:
        await counters.incr(self._services.runtime.redis, "webhook_rejections",
                            {"channel": "telegram", "reason": reason})
        log.info("telegram webhook refused (%s): %s", status, detail)
        return JSONResponse({"ok": False, "error": detail}, status_code=status)


def _parse(body: bytes) -> tuple[int, dict[str, Any]] | None:
    """``(update_id, update)`` of a JSON object with a non-negative integer ``update_id``, else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("update_id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value, data
