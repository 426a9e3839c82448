"""A local stand-in of the Telegram Bot API over HTTP on loopback, strict where Telegram is strict.

PTB talks to it through ``Bot(base_url=...)`` exactly as to api.telegram.org: ``POST /bot<token>/<method>``
with form-encoded parameters (JSON-valued where the API takes objects). It implements ``getMe``,
``sendMessage``, ``setWebhook``, ``deleteWebhook``, ``setMyCommands``, ``answerCallbackQuery``,
``editMessageReplyMarkup`` and ``getChatMember``, and it:

* parses every HTML message with a strict parser of Telegram's allowed tags and entities and answers
  ``400 Bad Request: can't parse entities: …`` on the first error (recorded in ``parse_errors``);
* counts the text after entity parsing in UTF-16 units and answers ``400 message is too long`` past 4,096;
* enforces 30 messages/s for the bot, 1/s per chat and 20/min per group (negative ids) over sliding windows,
  answering ``429`` with ``retry_after`` and recording each violation (``time_scale`` compresses the clock;
  ``tolerance`` is the share of a window allowed for loopback timing jitter; ``own_thread`` serves from a
  thread with its own event loop, so that arrival times do not wait on the test's busy loop);
* answers scripted failures with the real API's error bodies (tdlib/telegram-bot-api ``Client.cpp``):
  429 ``retry_after``, 403 blocked, 400 chat not found, 400 ``migrate_to_chat_id``, 5xx.
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "BLOCKED",
    "CHAT_NOT_FOUND",
    "PASS",
    "SERVER_ERROR",
    "HtmlError",
    "SentMessage",
    "TelegramApiStub",
    "migrated",
    "parse_telegram_html",
    "retry_after",
]

MAX_TEXT = 4096
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "AIToday", "username": "AITodayBot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

Canned = tuple[int, dict[str, Any]]
#: In ``script``: answer this call normally.
PASS: None = None

BLOCKED: Canned = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
CHAT_NOT_FOUND: Canned = (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
SERVER_ERROR: Canned = (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
#: What Telegram answers to HTML it cannot parse (the stand-in's own parser says it for real markup errors).
CANT_PARSE: Canned = (400, {"ok": False, "error_code": 400, "description":
                            "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"})


def retry_after(seconds: int) -> Canned:
    return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                 "parameters": {"retry_after": seconds}}


def migrated(new_chat_id: int) -> Canned:
    return 400, {"ok": False, "error_code": 400,
                 "description": "Bad Request: group chat was upgraded to a supergroup chat",
                 "parameters": {"migrate_to_chat_id": new_chat_id}}


def _bad_request(description: str) -> Canned:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


# ------------------------------------------------------------------------------------------ strict HTML


class HtmlError(ValueError):
    """What Telegram says after "can't parse entities: "."""


_ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
            "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=]+))?)*)"
                  r"\s*>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>=]+)))?")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")


def parse_telegram_html(text: str) -> str:
    """The text Telegram shows for ``text`` in HTML parse mode; raises ``HtmlError`` like Telegram would."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        offset = _ByteOffset(text, i)
        if char == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise HtmlError(f"Unclosed start tag at byte offset {offset}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _ALLOWED:
                raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1] != name:
                    raise HtmlError(f"Unexpected end tag at byte offset {offset}")
                stack.pop()
            else:
                _check_attributes(name, attrs, stack, offset)
                stack.append(name)
            i = match.end()
        elif char == "&":
            entity = _ENTITY.match(text, i)
            if entity is None:
                raise HtmlError(f"Unsupported HTML entity at byte offset {offset}")
            out.append(html.unescape(entity.group(0)))
            i = entity.end()
        elif char == ">":
            raise HtmlError(f"Unexpected \">\" at byte offset {offset}")
        else:
            out.append(char)
            i += 1
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


class _ByteOffset:
    """The byte offset Telegram reports, computed only when an error message needs it."""

    def __init__(self, text: str, index: int) -> None:
        self._text, self._index = text, index

    def __str__(self) -> str:
        return str(len(self._text[: self._index].encode("utf-8")))


def _check_attributes(name: str, attrs: str, stack: list[str], offset: _ByteOffset) -> None:
    values = {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "") for m in _ATTR.finditer(attrs)}
    if name == "a":
        if "a" in stack:
            raise HtmlError(f"Nested links are not allowed at byte offset {offset}")
        href = html.unescape(values.get("href", ""))
        if not href.startswith(("http://", "https://", "tg://")):
            raise HtmlError(f"Bad link URL at byte offset {offset}")
    elif name == "span" and values.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    elif name == "tg-emoji" and "emoji-id" not in values:
        raise HtmlError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
    elif name not in {"a", "span", "tg-emoji", "pre", "code", "blockquote"} and values:
        raise HtmlError(f'Tag "{name}" must not have attributes at byte offset {offset}')


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ------------------------------------------------------------------------------------------ the server


@dataclass(frozen=True, slots=True)
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    visible: str
    parse_mode: str
    link_preview: dict[str, Any]
    reply_markup: dict[str, Any] | None
    at: float


@dataclass(frozen=True, slots=True)
class Violation:
    bucket: str
    at: float
    in_window: int


@dataclass
class _Window:
    limit: int
    seconds: float
    times: deque[float] = field(default_factory=deque)


class TelegramApiStub:
    """Start with ``async with TelegramApiStub() as stub``; ``stub.api_url`` is the base URL for the bot."""

    def __init__(
        self,
        token: str = "7000001:TEST-token_abc",
        *,
        global_per_second: int = 30,
        chat_per_second: int = 1,
        group_per_minute: int = 20,
        time_scale: float = 1.0,
        tolerance: float = 0.05,
        own_thread: bool = False,
    ) -> None:
        self.token = token
        self.api_url = ""
        self._scale = time_scale
        self._tolerance = tolerance
        self._global = _Window(global_per_second, 1.0 / time_scale)
        self._chat_limit = (chat_per_second, 1.0 / time_scale)
        self._group_limit = (group_per_minute, 60.0 / time_scale)
        self._chats: dict[str, _Window] = {}
        self._runner: web.AppRunner | None = None
        self._own_thread = own_thread
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_id = 100
        # what happened
        self.sent: list[SentMessage] = []
        self.violations: list[Violation] = []
        self.parse_errors: list[str] = []
        self.calls: list[str] = []
        self.webhook: dict[str, Any] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.markup_edits: list[dict[str, Any]] = []
        # what to answer
        self.scripted: dict[int, deque[Canned | None]] = defaultdict(deque)
        self.blocked: set[int] = set()
        self.unknown_chats: set[int] = set()
        self.migrations: dict[int, int] = {}
        self.reject_html: set[int] = set()
        self.members: dict[tuple[int, int], str] = {}
        self.delay: dict[int, float] = {}  # chat id -> seconds to sit on a sendMessage after accepting it

    # -------------------------------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> TelegramApiStub:
        if self._own_thread:
            started = threading.Event()
            self._thread = threading.Thread(target=self._serve_in_thread, args=(started,), daemon=True,
                                            name="telegram-api-stub")
            self._thread.start()
            await asyncio.to_thread(started.wait, 10)
        else:
            await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._thread is not None and self._loop is not None:
            stop = asyncio.run_coroutine_threadsafe(self._stop(), self._loop)
            await asyncio.wrap_future(stop)
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 10)
        else:
            await self._stop()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api_url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _serve_in_thread(self, started: threading.Event) -> None:
        """Its own event loop: arrival times are taken when Telegram would see them, not when the test's busy
        loop gets round to it."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._start())
        started.set()
        loop.run_forever()
        loop.close()

    def script(self, chat_id: int, *responses: Canned | None) -> None:
        """Answer the next ``sendMessage`` calls to ``chat_id`` with these responses in order (``PASS``: normally)."""
        self.scripted[chat_id].extend(responses)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    # -------------------------------------------------------------------------------------- dispatch

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(method)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
        status, body = handler(params)
        if method.lower() == "sendmessage" and status == 200:
            await asyncio.sleep(self.delay.get(int(params["chat_id"]), 0.0))  # accepted, answer late
        return _json(status, body)

    def _m_getme(self, params: dict[str, Any]) -> Canned:
        return 200, {"ok": True, "result": BOT_USER}

    def _m_setwebhook(self, params: dict[str, Any]) -> Canned:
        secret = str(params.get("secret_token", ""))
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            return _bad_request("secret token contains unallowed characters")
        self.webhook = params
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _m_deletewebhook(self, params: dict[str, Any]) -> Canned:
        self.webhook = {}
        return 200, {"ok": True, "result": True}

    def _m_setmycommands(self, params: dict[str, Any]) -> Canned:
        self.commands[str(params.get("language_code", ""))] = list(params.get("commands", []))
        return 200, {"ok": True, "result": True}

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Canned:
        if len(str(params.get("text", ""))) > 200:
            return _bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(params)
        return 200, {"ok": True, "result": True}

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Canned:
        self.markup_edits.append(params)
        chat_id = int(params.get("chat_id", 0))
        return 200, {"ok": True, "result": self._message(chat_id, int(params.get("message_id", 0)), "…")}

    def _m_getchatmember(self, params: dict[str, Any]) -> Canned:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        result: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            result["is_anonymous"] = False
        elif status == "administrator":
            result.update({name: False for name in (
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories")})
        return 200, {"ok": True, "result": result}

    def _m_sendmessage(self, params: dict[str, Any]) -> Canned:
        chat_id = int(params["chat_id"])
        if self.scripted.get(chat_id):
            canned = self.scripted[chat_id].popleft()
            if canned is not None:
                return canned
        if chat_id in self.migrations:
            return migrated(self.migrations[chat_id])
        if chat_id in self.blocked:
            return BLOCKED
        if chat_id in self.unknown_chats:
            return CHAT_NOT_FOUND
        text = str(params.get("text", ""))
        parse_mode = str(params.get("parse_mode", ""))
        try:
            if chat_id in self.reject_html and parse_mode:
                raise HtmlError('Unsupported start tag "x" at byte offset 0')
            visible = parse_telegram_html(text) if parse_mode.upper() == "HTML" else text
        except HtmlError as exc:
            self.parse_errors.append(str(exc))
            return _bad_request(f"can't parse entities: {exc}")
        if not visible.strip():
            return _bad_request("message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            return _bad_request("message is too long")
        now = time.monotonic()
        wait = self._admit(chat_id, now)
        if wait is not None:
            return retry_after(wait)
        self._next_id += 1
        markup = params.get("reply_markup")
        self.sent.append(SentMessage(chat_id, self._next_id, text, visible, parse_mode,
                                     dict(params.get("link_preview_options") or {}),
                                     markup if isinstance(markup, dict) else None, now))
        return 200, {"ok": True, "result": self._message(chat_id, self._next_id, visible)}

    # -------------------------------------------------------------------------------------- limits

    def _admit(self, chat_id: int, now: float) -> int | None:
        """Record the message in every window it counts against, or the seconds to wait if one is full."""
        windows = [("global", self._global), (f"chat:{chat_id}", self._window(f"chat:{chat_id}", *self._chat_limit))]
        if chat_id < 0:
            windows.append((f"group:{chat_id}", self._window(f"group:{chat_id}", *self._group_limit)))
        for name, window in windows:
            while window.times and window.times[0] <= now - window.seconds:
                window.times.popleft()
            horizon = now - window.seconds * (1.0 - self._tolerance)
            in_window = sum(1 for t in window.times if t > horizon)
            if in_window >= window.limit:
                self.violations.append(Violation(name, now, in_window))
                remaining = (window.times[0] + window.seconds - now) * self._scale
                return max(1, math.ceil(remaining))
        for _, window in windows:
            window.times.append(now)
        return None

    def _window(self, name: str, limit: int, seconds: float) -> _Window:
        if name not in self._chats:
            self._chats[name] = _Window(limit, seconds)
        return self._chats[name]

    def _message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Group"
        return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": BOT_USER, "text": text}


_JSON_FIELDS = {"reply_markup", "link_preview_options", "allowed_updates", "commands", "scope", "entities"}


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields as PTB sends them: scalars as text, objects and arrays as JSON text."""
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = json.loads(str(value)) if key in _JSON_FIELDS else str(value)
    return params


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status)
