"""The one inbound pipeline: every channel's webhook travels the same road, with the same failure rules.

For each request to a channel's ``webhook_path`` (``channels.registry``)::

    1. read the body, at most ``inbound.max_body`` bytes (declared or actual)       -> 413 oversize
    2. inbound.verify: the platform's signature / secret on the raw bytes           -> 401 missing, 403 wrong
    3. inbound.replay_key: a signed request claimed once (Slack)                    -> 403 replay
    4. inbound.parse: the events (JSON read with a depth limit)                     -> 400 malformed
    5. each event claimed once by its platform id (``bot.store.claims``)            -> taken: skipped
    6. inbound.handle: event -> InboundMessage -> Conversation (commands) -> reply through the channel
    7. the claim becomes "done" for as long as the platform may redeliver

Failures, the same for every channel: a store that is unreachable or frozen (``StoreUnavailable``), a budget
that ran out, or a platform we cannot reach before the command ran (``TransientError``) release the claim and
answer ``inbound.unavailable`` (503 with ``Retry-After``): the platform delivers again and the event runs
then. A bug of ours in ``handle`` is logged and the event is settled (``inbound.failed``, a 2xx): it would
fail the same way again. Nothing here answers 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.store import StoreUnavailable
from bot.store.claims import ClaimStore
from channels.base import TransientError
from channels.inbound import (
    BadSignature,
    HttpAnswer,
    HttpRequest,
    Inbound,
    WebhookRejected,
)
from channels.inbound import Route as ChannelRoute

__all__ = ["Oversize", "Webhook", "read_capped", "webhook_routes"]

log = logging.getLogger(__name__)


class Oversize(Exception):
    """The body passed the channel's cap (declared in Content-Length, or while streaming)."""


async def read_capped(request: Request, limit: int) -> bytes:
    """The raw body, refused (``Oversize``) as soon as it passes ``limit`` bytes: nothing parses it before."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Oversize
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Oversize
        chunks.append(chunk)
    return b"".join(chunks)


def _response(answer: HttpAnswer) -> Response:
    response = Response(answer.body, status_code=answer.status, media_type=answer.content_type or None)
    for name, value in answer.headers:
        response.headers.append(name, value)
    return response


def _request(request: Request, body: bytes) -> HttpRequest:
    return HttpRequest(method=request.method, path=request.url.path, headers=dict(request.headers),
                       query=request.url.query, body=body)


class Webhook:
    """The pipeline in front of one channel's ``Inbound``."""

    def __init__(self, channel: str, inbound: Inbound, claims: ClaimStore) -> None:
        self._channel = channel
        self._inbound = inbound
        self._claims = claims

    async def endpoint(self, request: Request) -> Response:
        inbound = self._inbound
        try:
            body = await read_capped(request, inbound.max_body)
        except Oversize:
            return await self._refuse(413, "oversize", "request body too large")
        incoming = _request(request, body)
        try:
            inbound.verify(incoming)
        except WebhookRejected as rejected:
            return await self._refuse(rejected.status, rejected.reason, rejected.detail)
        try:
            async with asyncio.timeout(inbound.budget_seconds):
                return await self._run(incoming)
        except (StoreUnavailable, TransientError, TimeoutError) as failure:
            log.warning("%s webhook not handled now (%s): answering retry-later", self._channel,
                        failure.__class__.__name__)
            return _response(inbound.unavailable(incoming))

    async def _run(self, incoming: HttpRequest) -> Response:
        inbound = self._inbound
        replay = inbound.replay_key(incoming)
        if replay is not None and not await self._claims.claim(f"{self._channel}-request", *replay):
            return await self._refuse(BadSignature.status, "replay", "replayed request")
        try:
            updates = inbound.parse(incoming)
        except WebhookRejected as rejected:
            return await self._refuse(rejected.status, rejected.reason, rejected.detail)
        answer: HttpAnswer | None = None
        handled = 0
        for update in updates:
            if update.event_id and not await self._claims.claim(self._channel, update.event_id):
                log.info("%s event %s already taken; skipped", self._channel, update.event_id[:64])
                continue
            handled += 1
            try:
                answer = await inbound.handle(update, incoming) or answer
            except WebhookRejected as rejected:
                await self._settle(update.event_id)
                return await self._refuse(rejected.status, rejected.reason, rejected.detail)
            except (StoreUnavailable, TransientError, TimeoutError):
                if update.event_id:
                    await self._claims.release(self._channel, update.event_id)
                raise
            except Exception:  # the webhook's boundary: a bug of ours; it would fail the same way again
                log.exception("%s event failed", self._channel)
                await self._settle(update.event_id)
                answer = inbound.failed(incoming)
                continue
            await self._settle(update.event_id)
        if updates and not handled:
            await self._claims.count_rejection(self._channel, "replay")
            return _response(inbound.duplicate(incoming))
        return _response(answer or HttpAnswer.json({"ok": True}))

    async def _settle(self, event_id: str) -> None:
        if event_id:
            await self._claims.done(self._channel, event_id, self._inbound.remember_seconds)

    async def _refuse(self, status: int, reason: str, detail: str) -> Response:
        await self._claims.count_rejection(self._channel, reason)
        log.info("%s webhook refused (%s): %s", self._channel, status, detail)
        return _response(HttpAnswer.json({"ok": False, "error": detail}, status))


def _plain(route: ChannelRoute) -> BaseRoute:
    """A channel's further route (Slack's OAuth pages), served as the channel answers it."""

    async def endpoint(request: Request) -> Response:
        incoming = _request(request, await request.body() if request.method == "POST" else b"")
        return _response(await route.handle(incoming))

    return Route(route.path, endpoint, methods=list(route.methods))


def webhook_routes(inbounds: Sequence[tuple[str, str, Inbound]], claims: ClaimStore) -> list[BaseRoute]:
    """The routes of every channel's webhook: ``(channel, path, inbound)`` each."""
    routes: list[BaseRoute] = []
    for channel, path, inbound in inbounds:
        routes.append(Route(path, Webhook(channel, inbound, claims).endpoint, methods=["POST"]))
        routes.extend(_plain(route) for route in inbound.routes())
    return routes
