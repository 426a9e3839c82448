"""``POST /slack/events`` (events, slash commands, buttons) and the OAuth install routes, on slack-bolt.

The route is an adapter: it verifies, translates a Slack request into ``(identity, text)`` for
``bot.conversation.commands``, and turns the ``Reply`` back into a Slack message. In order, for every POST:

1. the body is read up to ``MAX_BODY`` bytes (more → 413) and its v0 signature checked on the raw bytes
   (``bot.web.slack_verify``; forged, stale or unsigned → 401), before anything parses it;
2. the signature itself is claimed once in Redis, so a bit-identical replay inside the window is refused,
   and an Events API ``event_id`` is claimed once in Redis (``SET NX``, 1 hour): Slack retries an event it
   thinks we missed up to three times, and bolt does not dedupe, so a retry is acknowledged and dropped.
   The claim comes before the work: a crash in between loses one reply, never applies a command twice;
3. bolt (``AsyncApp``, HTTP mode, ``process_before_response``) dispatches. Slash commands are answered in
   the HTTP response itself (ephemeral, well inside Slack's 3 s); events and button clicks are acknowledged
   at once and their reply is posted by a bolt lazy listener with ``chat.postMessage``.

Who a command is for: in a DM it is the person (``slack:<team>:<user>``); in a channel it is the channel
(``slack:<team>:<channel>``), which any member may change, and then the reply is shown in the channel
and names who changed what. Buttons under a story run ``topics add <its topic>`` / ``sources mute <its
source>`` the same way. ``app_uninstalled`` and a revoked bot token deactivate the workspace's digests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import keys
from bot.app import Services
from bot.store import counters
from bot.store.models import Identity
from bot.web.slack_verify import WINDOW_SECONDS, SlackSignature
from bot.wiring.slack_install import (
    RedisInstallationStore,
    RedisOAuthStateStore,
    deactivate_workspace,
    remember_subscriber,
)
from channels.slack.render import ACTION_MORE, ACTION_MUTE, escape

__all__ = ["BOT_SCOPES", "MAX_BODY", "SlackWebhook", "routes"]

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
EVENT_TTL_SECONDS = 3600
#: Slack gives a slash command 3 s; the answer must be on its way before that whatever the store does.
ACK_BUDGET_SECONDS = 2.5
_TOO_SLOW = "That took too long to answer. Send `/aitoday settings` to see what is set now."
_SORRY = "Something went wrong on our side. Please try again."
BOT_SCOPES = ("chat:write", "chat:write.public", "commands", "im:history", "app_mentions:read", "users:read")
_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+")
_WHO_CHANGED = {"en": "<@{user}> changed this channel's digest: {text}",
                "ja": "<@{user}> さんがこのチャンネルのダイジェスト設定を変更しました: {text}"}


def _identity(team: str, channel: str, user: str) -> Identity:
    """DMs (``D…``) belong to the person; anything else (public, private, group) to the channel."""
    return Identity("slack", (team, user if channel.startswith("D") or not channel else channel))


class SlackWebhook:
    """The verified entry point in front of one bolt ``AsyncApp``."""

    def __init__(self, services: Services, signature: SlackSignature | None = None) -> None:
        settings = services.settings
        assert settings.slack_signing_secret is not None
        self._services = services
        self._redis = services.runtime.redis
        self._signature = signature or SlackSignature(settings.slack_signing_secret.get_secret_value())
        self.app = self._build_app()
        self._oauth = AsyncSlackRequestHandler(self.app)

    # ------------------------------------------------------------------ HTTP

    async def events(self, request: Request) -> Response:
        body = await _read_capped(request)
        if body is None:
            await self._reject("oversize")
            return PlainTextResponse("request body too large", status_code=413)
        rejection = self._signature.check(body, request.headers)
        if rejection is not None:
            await self._reject(rejection.value)
            return PlainTextResponse("invalid signature", status_code=401)
        is_event = request.headers.get("content-type", "").startswith("application/json")
        try:
            async with asyncio.timeout(ACK_BUDGET_SECONDS):
                return await self._accept(request, body, is_event)
        except (TimeoutError, RedisError, OSError) as error:
            # Slack gives up after 3 s. A command is answered in time whatever happened; an event gets a
            # 503 so that Slack delivers it again later (its retry finds the claim only if one was made).
            log.warning("slack request not handled in time (%s)", error.__class__.__name__)
            if is_event:
                return PlainTextResponse("try again later", status_code=503)
            return JSONResponse({"response_type": "ephemeral", "text": _TOO_SLOW})

    async def _accept(self, request: Request, body: bytes, is_event: bool) -> Response:
        """A signed request: claim it once, parse it, let bolt dispatch it."""
        # An exact copy of a signed request is a replay (Slack's own retries carry a new timestamp): the
        # signature is unique per (timestamp, body), and the window bounds how long it must be remembered.
        signature = request.headers.get("x-slack-signature", "")[3:]
        if not await self._redis.set(keys.slack_request(signature), "1", nx=True, ex=2 * WINDOW_SECONDS):
            await self._reject("replay")
            return PlainTextResponse("replayed request", status_code=401)
        try:
            text = body.decode("utf-8")
            payload = json.loads(text) if is_event else {}
        except ValueError:  # UnicodeDecodeError included
            await self._reject("malformed")
            return PlainTextResponse("body is not UTF-8 JSON", status_code=400)
        if not isinstance(payload, dict):
            await self._reject("malformed")
            return PlainTextResponse("body is not a JSON object", status_code=400)
        event_id = payload.get("event_id")
        if isinstance(event_id, str) and event_id and not await self._redis.set(
            keys.slack_event(event_id[:100]), "1", nx=True, ex=EVENT_TTL_SECONDS
        ):
            return Response(status_code=200, headers={"X-Slack-No-Retry": "1"})  # a retry: taken already
        try:
            bolt_request = to_async_bolt_request(request, body)
        except (ValueError, TypeError, AttributeError, KeyError):  # bolt could not parse the signed body
            await self._reject("malformed")
            return PlainTextResponse("malformed body", status_code=400)
        try:
            bolt_response = await self.app.async_dispatch(bolt_request)
        except (TimeoutError, RedisError, OSError):
            raise
        except Exception:  # a bug of ours must not make Slack retry forever: log it and acknowledge
            log.exception("slack dispatch failed")
            return JSONResponse({"response_type": "ephemeral", "text": _SORRY})
        if bolt_response.status >= 500:
            log.error("slack listener failed with %s", bolt_response.status)
            return JSONResponse({"response_type": "ephemeral", "text": _SORRY})
        return to_starlette_response(bolt_response)

    async def oauth(self, request: Request) -> Response:
        return await self._oauth.handle(request)

    async def _reject(self, reason: str) -> None:
        try:
            await counters.incr(self._redis, "webhook_rejections", {"channel": "slack", "reason": reason})
        except Exception:  # counting must never turn a 401 into a 500
            log.warning("could not count a slack rejection", exc_info=True)

    # ------------------------------------------------------------------ bolt

    def _build_app(self) -> AsyncApp:
        settings = self._services.settings
        signing = settings.slack_signing_secret
        assert signing is not None
        common: dict[str, Any] = {
            "signing_secret": signing.get_secret_value(),
            "request_verification_enabled": False,  # done above, on the raw bytes
            "process_before_response": True,
            "name": "aitoday.slack",  # bolt pins its logger's level: never let that be our root "aitoday" logger
        }
        if settings.slack_bot_token is not None:
            token = settings.slack_bot_token.get_secret_value()
            app = AsyncApp(client=AsyncWebClient(token=token, base_url=settings.slack_api_url), **common)
        else:
            assert settings.slack_client_id is not None and settings.slack_client_secret is not None
            installs = RedisInstallationStore(self._redis)
            app = AsyncApp(
                client=AsyncWebClient(base_url=settings.slack_api_url),
                installation_store=installs,
                oauth_settings=AsyncOAuthSettings(
                    client_id=settings.slack_client_id,
                    client_secret=settings.slack_client_secret.get_secret_value(),
                    scopes=list(BOT_SCOPES),
                    redirect_uri=settings.public_url.rstrip("/") + "/slack/oauth_redirect",
                    installation_store=installs,
                    state_store=RedisOAuthStateStore(self._redis),
                ),
                **common,
            )
        app.command("/aitoday")(self._on_command)
        app.event("message")(ack=_ack, lazy=[self._on_message])
        app.event("app_mention")(ack=_ack, lazy=[self._on_mention])
        app.action(ACTION_MORE)(ack=_ack, lazy=[self._on_button])
        app.action(ACTION_MUTE)(ack=_ack, lazy=[self._on_button])
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)
        return app

    async def _run(self, identity: Identity, text: str, user: str, enterprise: str) -> tuple[str, bool]:
        """Run one command; return the Slack text of the reply and whether it must be shown to the channel."""
        services = self._services
        reply = await services.commands.handle(identity, text)
        shown = escape(reply.text)
        in_channel = reply.changed and identity.parts[1] != user
        if reply.changed:
            await remember_subscriber(self._redis, identity, enterprise)
        if in_channel:
            shown = _WHO_CHANGED.get(reply.language, _WHO_CHANGED["en"]).format(user=user, text=shown)
        return shown, in_channel

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        team = str(command.get("team_id") or command.get("enterprise_id") or "")
        user = str(command.get("user_id", ""))
        channel = str(command.get("channel_id", ""))
        if not team or not user:
            await ack(text="This command needs a Slack user and workspace.", response_type="ephemeral")
            return
        identity = _identity(team, channel, user)
        text, in_channel = await self._run(identity, str(command.get("text", "")), user,
                                           str(command.get("enterprise_id") or ""))
        await ack(text=text, response_type="in_channel" if in_channel else "ephemeral")

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # only what a person typed to the bot in its DM
        await self._answer_event(event, body, client, str(event.get("text", "")))

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        await self._answer_event(event, body, client, _MENTION.sub("", str(event.get("text", ""))))

    async def _answer_event(self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient,
                            text: str) -> None:
        # The installing workspace, not the author's (they differ in Slack Connect channels): its token sends.
        team = str(body.get("team_id") or event.get("team") or body.get("enterprise_id") or "")
        user, channel = str(event.get("user", "")), str(event.get("channel", ""))
        if not team or not user or not channel:
            return
        reply, _ = await self._run(_identity(team, channel, user), text, user, str(body.get("enterprise_id") or ""))
        await client.chat_postMessage(channel=channel, text=reply)

    async def _on_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        user = str((body.get("user") or {}).get("id", ""))
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
        value = str(action.get("value", ""))[:200]
        if not (user and team and channel and value):
            return
        verb = "topics add" if action.get("action_id") == ACTION_MORE else "sources mute"
        enterprise = str((body.get("team") or {}).get("enterprise_id") or "")
        reply, in_channel = await self._run(_identity(team, channel, user), f"{verb} {value}", user, enterprise)
        if in_channel or channel.startswith("D"):
            await client.chat_postMessage(channel=channel, text=reply)
        else:
            await client.chat_postEphemeral(channel=channel, user=user, text=reply)

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        await self._forget_workspace(body, "slack_app_uninstalled")

    async def _on_tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await self._forget_workspace(body, "slack_token_revoked")
        else:  # only user tokens went: the bot still posts, nothing to deactivate
            store = RedisInstallationStore(self._redis)
            for user_id in tokens.get("oauth") or []:
                await store.async_delete_installation(enterprise_id=body.get("enterprise_id"),
                                                      team_id=body.get("team_id"), user_id=str(user_id))

    async def _forget_workspace(self, body: dict[str, Any], reason: str) -> None:
        enterprise, team = body.get("enterprise_id"), body.get("team_id")
        await RedisInstallationStore(self._redis).async_delete_all(enterprise_id=enterprise, team_id=team)
        scope = str(team or enterprise or "")
        if scope:
            await deactivate_workspace(self._redis, self._services.store, scope, reason)


async def _ack(ack: AsyncAck) -> None:
    await ack()


async def _read_capped(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The raw body, or None as soon as it passes ``limit`` bytes (declared or actual)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(services: Services) -> list[BaseRoute]:
    """The Slack routes, or none when Slack is not configured."""
    if not services.settings.slack_enabled:
        return []
    webhook = SlackWebhook(services)
    handlers: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
        ("/slack/events", webhook.events, ["POST"]),
    ]
    if services.settings.slack_bot_token is None:  # multi-workspace: the OAuth install flow
        handlers += [("/slack/install", webhook.oauth, ["GET"]), ("/slack/oauth_redirect", webhook.oauth, ["GET"])]
    return [Route(path, endpoint, methods=methods) for path, endpoint, methods in handlers]
