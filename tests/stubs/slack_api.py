"""A local stand-in of the Slack Web API on loopback, answering like slack.com/api does.

What it checks, the way Slack does (so a bug in our payloads fails a test instead of a production send):

* ``Authorization: Bearer <token>``: unknown → ``invalid_auth``, revoked → ``token_revoked`` (HTTP 200, ``ok:false``);
* ``chat.postMessage``: a ``channel``; ``text`` or ``blocks``; ≤ 50 blocks; every block parsed by the SDK's own
  Block Kit models (``slack_sdk.models.blocks``) and validated against their limits (section text ≤ 3,000,
  header ≤ 150, button text ≤ 75, …) → ``invalid_blocks``; text > 40,000 → ``msg_too_long``;
* a process that dies mid-digest: ``hang_after = n`` leaves every ``chat.postMessage`` after the n-th accepted
  one unanswered (and unaccepted) until the stand-in stops, and sets ``hung``;
* scripted answers for the next calls: ``ratelimited`` as HTTP 429 with a lower-case ``retry-after`` header
  (as ``web_api_429_ratelimited.json`` shows), or any ``ok:false`` error code, or a 5xx.

Everything accepted is recorded in ``posts`` (in order) so tests assert what a reader would have seen.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

__all__ = ["Post", "ScriptedFailure", "SlackApiStub"]

MAX_BLOCKS = 50
MAX_TEXT = 40_000


@dataclass
class Post:
    method: str
    token: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ts: str
    user: str = ""


@dataclass
class ScriptedFailure:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class SlackApiStub:
    """Start with ``await stub.start()``; ``stub.url`` is the base URL for ``AITODAY_SLACK_API_URL``."""

    tokens: dict[str, str] = field(default_factory=lambda: {"xoxb-test-token": "T111"})
    #: users.info answers: user id -> the fields Slack returns (``tz``, ``tz_label``, ``tz_offset``, ``locale``).
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    channel_errors: dict[str, str] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Sign in with Slack: authorization code -> the userInfo claims it stands for; ``oidc_client`` is the
    #: (client id, secret) pair ``openid.connect.token`` accepts, by HTTP Basic auth or in the form body.
    oidc_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    oidc_client: tuple[str, str] = ("", "")
    _oidc_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    hook_messages: list[dict[str, Any]] = field(default_factory=list)
    hang_after: int | None = None
    hung: asyncio.Event = field(default_factory=asyncio.Event)
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _script: deque[ScriptedFailure] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _posted: asyncio.Condition | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, name: str = "T111/1/x") -> str:
        """A ``response_url`` that this stand-in answers in place of hooks.slack.com."""
        return f"http://127.0.0.1:{self._port}/hooks/{name}"

    def fail_next(self, error: str, *, status: int = 200, retry_after: int | None = None, times: int = 1,
                  after: int = 0) -> None:
        """The next ``times`` API calls answer ``error`` (``ratelimited`` → use ``status=429``), once ``after``
        calls were answered as usual."""
        self._script.extend(ScriptedFailure("") for _ in range(after))  # "": answer as usual
        for _ in range(times):
            self._script.append(ScriptedFailure(error, status, retry_after))

    async def start(self) -> None:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # the SDK reads users.info with GET, as Slack allows
        app.router.add_post("/hooks/{path:.*}", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._posted = asyncio.Condition()

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_posts(self, count: int, timeout: float = 5.0) -> list[Post]:
        """Wait (event-driven, no polling) until ``count`` posts were recorded."""
        assert self._posted is not None
        async with self._posted:
            await asyncio.wait_for(self._posted.wait_for(lambda: len(self.posts) >= count), timeout)
        return self.posts

    async def wait_for_hooks(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait (event-driven) until ``count`` messages were posted on ``response_url``s."""
        assert self._posted is not None
        async with self._posted:
            await asyncio.wait_for(self._posted.wait_for(lambda: len(self.hook_messages) >= count), timeout)
        return self.hook_messages

    # ------------------------------------------------------------------ handling

    async def _hook(self, request: web.Request) -> web.Response:
        """hooks.slack.com answers ``ok`` as plain text to a message posted on a ``response_url``."""
        message = await request.json()
        assert self._posted is not None
        async with self._posted:
            self.hook_messages.append(message)
            self._posted.notify_all()
        return web.Response(text="ok", content_type="text/plain")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        args = await _arguments(request)
        if method == "oauth.v2.access":
            return self._oauth(args)
        if method == "openid.connect.token":
            return self._oidc_token(request, args)
        if method == "openid.connect.userInfo":
            claims = self._oidc_tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer ").strip())
            return _ok(claims) if claims is not None else _error("invalid_auth")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.get("token", ""))
        if not token:
            return _error("not_authed")
        if token in self.revoked:
            return _error("token_revoked")
        if token not in self.tokens:
            return _error("invalid_auth")
        failure = self._script.popleft() if self._script else None
        if failure is not None and failure.error:
            headers = {"retry-after": str(failure.retry_after)} if failure.retry_after is not None else {}
            return _error(failure.error, status=failure.status, headers=headers)
        if method == "auth.test":
            team = self.tokens[token]
            return _ok({"url": "https://stub.slack.com/", "team": "Stub", "user": "aitoday", "team_id": team,
                        "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False})
        if method in ("chat.postMessage", "chat.postEphemeral"):
            if self.hang_after is not None and len(self.posts) >= self.hang_after:
                self.hung.set()
                await self._released.wait()
                return _error("internal_error", status=500)
            return await self._post(method, token, args)
        if method == "users.info":
            return self._user(args)
        return _error("unknown_method", status=404)

    async def _post(self, method: str, token: str, args: dict[str, Any]) -> web.Response:
        channel = str(args.get("channel", ""))
        if not channel:
            return _error("channel_not_found")
        if channel in self.channel_errors:
            return _error(self.channel_errors[channel])
        text = str(args.get("text") or "")
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return _error("invalid_blocks_format")
        if not text and not blocks:
            return _error("no_text")
        if len(text) > MAX_TEXT:
            return _error("msg_too_long")
        problem = _block_problem(blocks)
        if problem:
            return _error("invalid_blocks", extra={"errors": [problem]})
        ts = f"{time.time():.6f}"
        post = Post(method=method, token=token, channel=channel, text=text, blocks=blocks, ts=ts,
                    user=str(args.get("user", "")))
        assert self._posted is not None
        async with self._posted:
            self.posts.append(post)
            self._posted.notify_all()
        return _ok({"channel": channel, "ts": ts, "message": {"text": text}})

    def _user(self, args: dict[str, Any]) -> web.Response:
        """users.info as Slack answers it; ``locale`` only with ``include_locale=true``."""
        user_id = str(args.get("user", ""))
        if user_id not in self.users:
            return _error("user_not_found")
        user = {"id": user_id, "team_id": self.tokens.get("xoxb-test-token", ""), "deleted": False,
                **self.users[user_id]}
        if str(args.get("include_locale", "")).lower() not in ("true", "1"):
            user.pop("locale", None)
        return _ok({"user": user})

    def _oidc_token(self, request: web.Request, args: dict[str, Any]) -> web.Response:
        basic = "Basic " + base64.b64encode(":".join(self.oidc_client).encode()).decode()
        in_body = (str(args.get("client_id", "")), str(args.get("client_secret", ""))) == self.oidc_client
        if request.headers.get("Authorization", "") != basic and not in_body:
            return _error("invalid_client_id")
        claims = self.oidc_codes.pop(str(args.get("code", "")), None)  # a code works once
        if claims is None:
            return _error("invalid_code")
        token = f"xoxp-oidc-{len(self._oidc_tokens) + 1}"
        self._oidc_tokens[token] = claims
        return _ok({"access_token": token, "token_type": "Bearer", "id_token": "not.checked.here"})

    def _oauth(self, args: dict[str, Any]) -> web.Response:
        code = str(args.get("code", ""))
        if code not in self.oauth_codes:
            return _error("invalid_code")
        return _ok(self.oauth_codes.pop(code))


def _block_problem(blocks: Any) -> str:
    """What Slack would reject in ``blocks``, checked by the SDK's own models; empty when valid."""
    if not isinstance(blocks, list):
        return "blocks must be an array"
    if len(blocks) > MAX_BLOCKS:
        return f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"
    seen_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        if not isinstance(raw, dict):
            return f"block {index} is not an object"
        block = Block.parse(raw)
        if block is None:
            return f"unknown block type at /blocks/{index}"
        try:
            block.validate_json()
        except SlackObjectFormationError as error:
            return f"{error} [json-pointer:/blocks/{index}]"
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                return f"duplicate block_id [json-pointer:/blocks/{index}/block_id]"
            seen_ids.add(block_id)
    return ""


async def _arguments(request: web.Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query)
    raw = await request.read()
    if request.content_type == "application/json":
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _ok(payload: dict[str, Any]) -> web.Response:
    return web.json_response({"ok": True, **payload})


def _error(code: str, *, status: int = 200, headers: dict[str, str] | None = None,
           extra: dict[str, Any] | None = None) -> web.Response:
    return web.json_response({"ok": False, "error": code, **(extra or {})}, status=status, headers=headers,
                             content_type="application/json")
