"""Slack's inbound: ``POST /slack/events`` (events, slash commands, buttons) and the OAuth install pages, on bolt.

It translates a Slack request into ``InboundMessage``s and the bot's answer back into a Slack message:

1. the v0 signature is checked on the raw bytes (``channels.slack.verify``): unsigned → 401, forged or stale
   → 403; the signature itself is claimed once (an exact copy is a replay: 403), and an Events API
   ``event_id`` once (Slack retries an event up to three times; a retry is acknowledged and dropped);
2. bolt (``AsyncApp``, HTTP mode, ``process_before_response``) dispatches. Slash commands are answered in the
   HTTP response itself (ephemeral, well inside Slack's 3 s: ``budget_seconds``); events and button clicks are
   acknowledged at once and their reply posted by a bolt lazy listener with ``chat.postMessage``.

Who a command is for: in a DM the person (``<team>:<user>``); in a channel the channel (``<team>:<channel>``),
which any member may change, and then the reply is shown in the channel and names who changed what. Buttons
under a story (a ``block_actions`` interactivity payload) run ``like <story id>`` (👍), ``dislike <story id>``
(👎) or ``sources mute <its source>``; an older digest's "more like this" runs ``topics add <its topic>``.
``app_uninstalled`` and a revoked bot token deactivate the workspace's digests.

When the bot cannot run a request (its store down, the 3 s budget spent), a slash command still gets its
ephemeral answer in the HTTP response and an event a 503 (Slack delivers it again). A button press gets neither:
Slack never redelivers an interactivity payload and ignores the body answering a ``block_actions``, so the press
is acknowledged (200) and the reader told on the payload's ``response_url`` (ephemeral) to press again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from channels.base import InboundMessage
from channels.inbound import (
    BadSignature,
    Conversation,
    HttpAnswer,
    HttpRequest,
    InboundBase,
    Malformed,
    Route,
    Unsigned,
    Update,
    loads_json,
)
from channels.slack.installs import SlackInstallationStore, SlackStateStore
from channels.slack.ports import SlackInstallRecords, SlackWorkspaces
from channels.slack.render import ACTION_DISLIKE, ACTION_LIKE, ACTION_MORE, ACTION_MUTE, escape
from channels.slack.verify import WINDOW_SECONDS, Rejection, SlackSignature

__all__ = ["BOT_SCOPES", "MAX_BODY", "SlackConfig", "SlackInbound"]

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
EVENT_TTL_SECONDS = 3600
#: Slack gives a slash command 3 s; the answer must be on its way before that whatever the store does.
ACK_BUDGET_SECONDS = 2.5
BOT_SCOPES = ("chat:write", "chat:write.public", "commands", "im:history", "app_mentions:read", "users:read")
#: users.info must not eat the slash command's 3 s: past this the subscription keeps the default zone.
_PROFILE_SECONDS = 1.0
#: How long a "press again" message may take to reach a ``response_url`` (it is sent after the 200).
_RESPOND_SECONDS = 10.0
_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+")
#: A button's action id -> the command its value completes (👍/👎 name the story; the others a topic or source).
_BUTTON_VERBS = {ACTION_LIKE: "like", ACTION_DISLIKE: "dislike", ACTION_MORE: "topics add",
                 ACTION_MUTE: "sources mute"}


class SlackConfig:
    """What the Slack inbound needs of the settings (plain values; the channel never reads the environment)."""

    def __init__(self, *, signing_secret: str, api_url: str, bot_token: str | None = None,
                 client_id: str | None = None, client_secret: str | None = None, public_url: str = "") -> None:
        self.signing_secret = signing_secret
        self.api_url = api_url
        self.bot_token = bot_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.public_url = public_url


def _address(team: str, channel: str, user: str) -> str:
    """DMs (``D…``) belong to the person; anything else (public, private, group) to the channel."""
    return f"{team}:{user if channel.startswith('D') or not channel else channel}"


def _is_event(request: HttpRequest) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


class SlackInbound(InboundBase):
    """The verified entry point in front of one bolt ``AsyncApp``."""

    max_body = MAX_BODY
    remember_seconds = EVENT_TTL_SECONDS
    budget_seconds = ACK_BUDGET_SECONDS

    def __init__(self, config: SlackConfig, conversation: Conversation, records: SlackInstallRecords,
                 workspaces: SlackWorkspaces, signature: SlackSignature | None = None) -> None:
        self._config = config
        self._conversation = conversation
        self._records = records
        self._workspaces = workspaces
        self._signature = signature or SlackSignature(config.signing_secret)
        self._telling: set[asyncio.Task[None]] = set()  # "press again" messages on their way (see unavailable)
        self.app = self._build_app()

    # ------------------------------------------------------------------------------------------ pipeline

    def verify(self, request: HttpRequest) -> None:
        rejection = self._signature.check(request.body, request.headers)
        if rejection is Rejection.MISSING:
            raise Unsigned(rejection.value, "unsigned request")
        if rejection is not None:
            raise BadSignature(rejection.value, "invalid signature")

    def replay_key(self, request: HttpRequest) -> tuple[str, int] | None:
        # An exact copy of a signed request is a replay (Slack's own retries carry a new timestamp): the
        # signature is unique per (timestamp, body), and the window bounds how long it must be remembered.
        return request.headers.get("x-slack-signature", "")[3:], 2 * WINDOW_SECONDS

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        if not _is_event(request):
            try:
                request.body.decode("utf-8")
            except UnicodeDecodeError:
                raise Malformed("malformed", "body is not UTF-8") from None
            return [Update("", None)]
        payload = loads_json(request.body)
        if not isinstance(payload, dict):
            raise Malformed("malformed", "body is not a JSON object")
        event_id = payload.get("event_id")
        return [Update(event_id[:100] if isinstance(event_id, str) else "", payload)]

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        bolt_request = AsyncBoltRequest(body=request.body.decode("utf-8"), query=request.query,
                                        headers=dict(request.headers))
        response = await self.app.async_dispatch(bolt_request)
        if response.status >= 500:
            log.error("slack listener failed with %s", response.status)
            return self.failed(request)
        return _answer(response)

    def duplicate(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(status=200, body=b"", content_type="", headers=(("X-Slack-No-Retry", "1"),))

    def unavailable(self, request: HttpRequest) -> HttpAnswer:
        # Slack gives up after 3 s. A command is answered in time whatever happened; an event gets a 503 so
        # that Slack delivers it again later (its retry finds the claim only if one was made).
        if _is_event(request):
            return HttpAnswer(status=503, body=b"try again later", content_type="text/plain",
                              headers=(("Retry-After", str(self.retry_after_seconds)),))
        response_url = _button_response_url(request.body)
        if response_url:  # a button: Slack shows nothing of this answer's body, nor sends the press again
            task = asyncio.get_running_loop().create_task(
                _tell(response_url, self._conversation.text("en", "slack_press_again")))
            self._telling.add(task)
            task.add_done_callback(self._telling.discard)
            return HttpAnswer(status=200, body=b"", content_type="")
        return HttpAnswer.json({"response_type": "ephemeral", "text": self._conversation.text("en", "slack_too_slow")})

    def failed(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer.json({"response_type": "ephemeral", "text": self._conversation.text("en", "slack_sorry")})

    async def aclose(self) -> None:
        """Let the "press again" messages on their way arrive (each is bounded by ``_RESPOND_SECONDS``)."""
        if self._telling:
            await asyncio.gather(*self._telling, return_exceptions=True)

    def routes(self) -> Sequence[Route]:
        if self.app.oauth_flow is None:
            return ()
        flow = self.app.oauth_flow

        async def install(request: HttpRequest) -> HttpAnswer:
            return _answer(await flow.handle_installation(_bolt(request)))

        async def redirect(request: HttpRequest) -> HttpAnswer:
            return _answer(await flow.handle_callback(_bolt(request)))

        return (Route("/slack/install", ("GET",), install), Route("/slack/oauth_redirect", ("GET",), redirect))

    # ------------------------------------------------------------------------------------------ bolt

    def _build_app(self) -> AsyncApp:
        config = self._config
        common: dict[str, Any] = {
            "signing_secret": config.signing_secret,
            "request_verification_enabled": False,  # done in verify, on the raw bytes
            "process_before_response": True,
            "name": "aitoday.slack",  # bolt pins its logger's level: never let that be our root "aitoday" logger
        }
        if config.bot_token is not None:
            app = AsyncApp(client=AsyncWebClient(token=config.bot_token, base_url=config.api_url), **common)
        else:
            assert config.client_id is not None and config.client_secret is not None
            installs = SlackInstallationStore(self._records)
            app = AsyncApp(
                client=AsyncWebClient(base_url=config.api_url),
                installation_store=installs,
                oauth_settings=AsyncOAuthSettings(
                    client_id=config.client_id,
                    client_secret=config.client_secret,
                    scopes=list(BOT_SCOPES),
                    redirect_uri=config.public_url.rstrip("/") + "/slack/oauth_redirect",
                    installation_store=installs,
                    state_store=SlackStateStore(self._records),
                ),
                **common,
            )
        app.command("/aitoday")(self._on_command)
        app.event("message")(ack=_ack, lazy=[self._on_message])
        app.event("app_mention")(ack=_ack, lazy=[self._on_mention])
        for action in _BUTTON_VERBS:
            app.action(action)(ack=_ack, lazy=[self._on_button])
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)
        return app

    async def _run(self, address: str, text: str, user: str, enterprise: str,
                   client: AsyncWebClient | None = None) -> tuple[str, bool]:
        """Run one command; return the Slack text of the reply and whether it must be shown to the channel."""
        if client is not None and self._conversation.shape(text).name == "subscribe":
            await self._start_in_users_zone(client, address, user)
        answer = await self._conversation.handle(InboundMessage("slack", address, text, actor=user))
        shown = escape(answer.text)
        in_channel = answer.changed and address.split(":", 1)[1] != user
        if answer.changed:
            await self._workspaces.remember(address, enterprise)
        if in_channel:
            shown = self._conversation.text(answer.language, "slack_who_changed", user=user, text=shown)
        return shown, in_channel

    async def _start_in_users_zone(self, client: AsyncWebClient, address: str, user: str) -> None:
        """A first ``subscribe`` starts on the person's own Slack time zone and language (users.info).

        Only for a subscription that does not exist yet; a lookup that fails (scope missing, rate limited, a
        slow API) leaves the defaults, because a subscription must never wait on a profile.
        """
        if await self._conversation.subscriber("slack", address) is not None:
            return
        try:
            async with asyncio.timeout(_PROFILE_SECONDS):
                info = await client.users_info(user=user, include_locale=True)
        except (SlackApiError, SlackClientError, TimeoutError, OSError) as error:
            log.info("slack: users.info unavailable (%s); default zone kept", error.__class__.__name__)
            return
        profile = info.get("user") or {}
        zone = str(profile.get("tz") or "")
        if not _is_zone(zone):
            return
        language = "ja" if str(profile.get("locale") or "").lower().startswith("ja") else "en"
        await self._conversation.start_with("slack", address, language=language, timezone=zone)

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        team = str(command.get("team_id") or command.get("enterprise_id") or "")
        user = str(command.get("user_id", ""))
        channel = str(command.get("channel_id", ""))
        if not team or not user:
            await ack(text=self._conversation.text("en", "slack_needs_user"), response_type="ephemeral")
            return
        text, in_channel = await self._run(_address(team, channel, user), str(command.get("text", "")), user,
                                           str(command.get("enterprise_id") or ""), client)
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
        reply, _ = await self._run(_address(team, channel, user), text, user, str(body.get("enterprise_id") or ""),
                                   client)
        await client.chat_postMessage(channel=channel, text=reply)

    async def _on_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        user = str((body.get("user") or {}).get("id", ""))
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
        value = str(action.get("value", ""))[:200]
        if not (user and team and channel and value):
            return
        verb = _BUTTON_VERBS.get(str(action.get("action_id")), "sources mute")
        enterprise = str((body.get("team") or {}).get("enterprise_id") or "")
        reply, in_channel = await self._run(_address(team, channel, user), f"{verb} {value}", user, enterprise)
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
            store = SlackInstallationStore(self._records)
            for user_id in tokens.get("oauth") or []:
                await store.async_delete_installation(enterprise_id=body.get("enterprise_id"),
                                                      team_id=body.get("team_id"), user_id=str(user_id))

    async def _forget_workspace(self, body: dict[str, Any], reason: str) -> None:
        enterprise, team = body.get("enterprise_id"), body.get("team_id")
        await SlackInstallationStore(self._records).async_delete_all(enterprise_id=enterprise, team_id=team)
        scope = str(team or enterprise or "")
        if scope:
            await self._workspaces.deactivate(scope, reason)


def _button_response_url(body: bytes) -> str:
    """The ``response_url`` of a signed ``block_actions`` payload (a button press), or "" for anything else."""
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=5)
        payload = json.loads(fields["payload"][0]) if fields.get("payload") else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return ""
    url = payload.get("response_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""


async def _tell(response_url: str, text: str) -> None:
    """Post ``text`` to the presser alone (ephemeral), leaving the digest message as it is."""
    try:
        async with asyncio.timeout(_RESPOND_SECONDS):
            response = await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral",
                                                                    replace_original=False)
    except (SlackClientError, TimeoutError, OSError) as error:
        log.warning("slack: a press could not be answered on its response_url (%s)", error.__class__.__name__)
        return
    if response.status_code != 200:
        log.warning("slack: response_url answered %s to a press's message", response.status_code)


async def _ack(ack: AsyncAck) -> None:
    await ack()


def _bolt(request: HttpRequest) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=request.body.decode("utf-8", "replace"), query=request.query,
                            headers=dict(request.headers))


def _answer(response: BoltResponse) -> HttpAnswer:
    """bolt's response as ours: every header, Set-Cookie (the OAuth state cookie) included."""
    headers = [(name, value) for name, values in response.headers.items() for value in values
               if name.lower() != "content-type"]
    content_type = response.headers.get("content-type", [""])[0]
    body = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
    return HttpAnswer(status=response.status, body=body, content_type=content_type, headers=tuple(headers))


def _is_zone(name: str) -> bool:
    """An IANA region zone Slack reported (``America/Los_Angeles``), not an empty or unknown name."""
    if "/" not in name or name.startswith("Etc/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
