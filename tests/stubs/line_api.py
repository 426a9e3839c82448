"""A local stand-in of the LINE Messaging API, answering like the real one, for the real SDK to talk to.

What it checks, as LINE does: the ``Authorization: Bearer`` token; every request body through the SDK's own
request models (``PushMessageRequest``, ``MulticastRequest``, ``ReplyMessageRequest``, ``RichMenuRequest``);
1–5 messages per request; Flex limits (≤ 12 bubbles and ≤ 50 KB per carousel, ≤ 30 KB per bubble, altText
1–1,500 characters); text ≤ 5,000 characters; ≤ 500 multicast recipients; ≤ 13 quick-reply items; a reply
token used once. ``X-Line-Retry-Key`` must be a UUID, and a key already accepted answers 409 with
``X-Line-Accepted-Request-Id`` and LINE's body. The monthly quota is counted per recipient (as LINE counts)
and a push beyond it answers 429 "You have reached your monthly limit.". Failures can be queued
(``fail_next``) with the status and body LINE sends. Every accepted message is recorded.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from linebot.v3.messaging import MulticastRequest, PushMessageRequest, ReplyMessageRequest, RichMenuRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["CANNED", "LineApiStub", "Pushed"]

#: Bodies the real API sends for common failures (see /work/shared/payloads/line and LINE's docs).
CANNED: dict[int, dict[str, Any]] = {
    400: {"message": "The request body has 1 error(s)",
          "details": [{"message": "May not be empty", "property": "messages[0].text"}]},
    401: {"message": "Authentication failed due to the following reason: invalid token. "
                     "Confirm that the access token in the authorization header is valid."},
    403: {"message": "Access to this API is not available for your account"},
    429: {"message": "Too many requests"},
    500: {"message": "Internal server error"},
}
_MONTHLY = {"message": "You have reached your monthly limit."}


@dataclass
class Pushed:
    """One accepted send: the endpoint, recipients, messages and the retry key it carried."""

    endpoint: str
    to: list[str]
    messages: list[dict[str, Any]]
    retry_key: str = ""
    request_id: str = ""


@dataclass
class LineApiStub:
    """State and behaviour of the stand-in. ``app`` is the ASGI app to serve on loopback."""

    token: str = "line-test-token"
    quota_limit: int | None = None
    used: int = 0
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    sent: list[Pushed] = field(default_factory=list)
    replies: list[Pushed] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    rich_menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    rich_menu_images: dict[str, tuple[str, int]] = field(default_factory=dict)
    default_rich_menu: str = ""
    _accepted_keys: dict[str, str] = field(default_factory=dict)
    _used_reply_tokens: set[str] = field(default_factory=set)
    _failures: deque[tuple[str, int, dict[str, Any], dict[str, str]]] = field(default_factory=deque)
    _arrived: asyncio.Condition | None = None

    # --------------------------------------------------------------------------------------- test controls

    def fail_next(self, status: int, *, endpoint: str = "push", body: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        """The next ``times`` calls to ``endpoint`` answer ``status`` with LINE's body for it."""
        for _ in range(times):
            self._failures.append((endpoint, status, body or CANNED.get(status, {"message": "error"}),
                                   headers or {}))

    def pushes_to(self, user_id: str) -> list[Pushed]:
        return [p for p in self.sent if user_id in p.to]

    async def wait_for_sends(self, count: int, timeout: float = 10.0) -> list[Pushed]:
        """Wait until ``count`` pushes/multicasts were accepted (woken by each one, no polling)."""
        if self._arrived is None:
            self._arrived = asyncio.Condition()
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent) >= count), timeout)
        return list(self.sent)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v2/bot/message/push", self._push, methods=["POST"]),
            Route("/v2/bot/message/multicast", self._multicast, methods=["POST"]),
            Route("/v2/bot/message/reply", self._reply, methods=["POST"]),
            Route("/v2/bot/message/quota", self._quota, methods=["GET"]),
            Route("/v2/bot/message/quota/consumption", self._consumption, methods=["GET"]),
            Route("/v2/bot/profile/{user_id}", self._profile, methods=["GET"]),
            Route("/v2/bot/richmenu", self._create_menu, methods=["POST"]),
            Route("/v2/bot/richmenu/list", self._list_menus, methods=["GET"]),
            Route("/v2/bot/richmenu/{menu_id}", self._delete_menu, methods=["DELETE"]),
            Route("/v2/bot/richmenu/{menu_id}/content", self._menu_image, methods=["POST"]),
            Route("/v2/bot/user/all/richmenu/{menu_id}", self._default_menu, methods=["POST"]),
        ])

    # --------------------------------------------------------------------------------------- plumbing

    def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        all_headers = {"X-Line-Request-Id": str(uuid.uuid4()), **(headers or {})}
        return JSONResponse(body, status_code=status, headers=all_headers)

    def _gate(self, request: Request, endpoint: str) -> Response | None:
        """Auth, then any queued failure for this endpoint."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            self.rejected.append((endpoint, 401, "token"))
            return self._answer(401, CANNED[401])
        if self._failures and self._failures[0][0] == endpoint:
            _, status, body, headers = self._failures.popleft()
            self.rejected.append((endpoint, status, "injected"))
            return self._answer(status, body, headers)
        return None

    async def _json(self, request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except ValueError:
            return None

    def _invalid(self, endpoint: str, reason: str) -> Response:
        self.rejected.append((endpoint, 400, reason))
        return self._answer(400, {"message": "The request body has 1 error(s)",
                                  "details": [{"message": reason, "property": "messages"}]})

    # --------------------------------------------------------------------------------------- messages

    async def _send(self, request: Request, endpoint: str, model: Any) -> Response:
        denied = self._gate(request, endpoint)
        if denied is not None:
            return denied
        body = await self._json(request)
        problem = _check_request(body, model)
        if problem:
            return self._invalid(endpoint, problem)
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        if endpoint == "multicast" and not 1 <= len(to) <= 500:
            return self._invalid(endpoint, "Size must be between 1 and 500 (to)")
        key = request.headers.get("x-line-retry-key", "")
        if key:
            try:
                uuid.UUID(key)
            except ValueError:
                return self._invalid(endpoint, "The retry key is invalid")
            if key in self._accepted_keys:
                return self._answer(409, {"message": "The retry key is already accepted", "details": []},
                                    {"X-Line-Accepted-Request-Id": self._accepted_keys[key]})
        if self.quota_limit is not None and self.used + len(to) > self.quota_limit:
            self.rejected.append((endpoint, 429, "monthly limit"))
            return self._answer(429, _MONTHLY)
        request_id = str(uuid.uuid4())
        if key:
            self._accepted_keys[key] = request_id
        self.used += len(to)
        self.sent.append(Pushed(endpoint, list(to), list(body["messages"]), key, request_id))
        if self._arrived is not None:
            async with self._arrived:
                self._arrived.notify_all()
        sent = [{"id": str(10_000 + len(self.sent) * 10 + i), "quoteToken": "q"} for i in range(len(body["messages"]))]
        return self._answer(200, {"sentMessages": sent} if endpoint == "push" else {},
                            {"X-Line-Request-Id": request_id})

    async def _push(self, request: Request) -> Response:
        return await self._send(request, "push", PushMessageRequest)

    async def _multicast(self, request: Request) -> Response:
        return await self._send(request, "multicast", MulticastRequest)

    async def _reply(self, request: Request) -> Response:
        denied = self._gate(request, "reply")
        if denied is not None:
            return denied
        body = await self._json(request)
        problem = _check_request(body, ReplyMessageRequest)
        if problem:
            return self._invalid("reply", problem)
        token = str(body["replyToken"])
        if token in self._used_reply_tokens:
            self.rejected.append(("reply", 400, "reply token reused"))
            return self._answer(400, {"message": "Invalid reply token"})
        self._used_reply_tokens.add(token)
        self.replies.append(Pushed("reply", [token], list(body["messages"])))
        return self._answer(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})

    # --------------------------------------------------------------------------------------- account

    async def _quota(self, request: Request) -> Response:
        denied = self._gate(request, "quota")
        if denied is not None:
            return denied
        if self.quota_limit is None:
            return self._answer(200, {"type": "none"})
        return self._answer(200, {"type": "limited", "value": self.quota_limit})

    async def _consumption(self, request: Request) -> Response:
        denied = self._gate(request, "quota")
        return denied or self._answer(200, {"totalUsage": self.used})

    async def _profile(self, request: Request) -> Response:
        denied = self._gate(request, "profile")
        if denied is not None:
            return denied
        user_id = request.path_params["user_id"]
        profile = self.profiles.get(user_id)
        if profile is None:
            return self._answer(404, {"message": "Not found"})
        return self._answer(200, {"userId": user_id, "displayName": profile.get("displayName", "Reader"),
                                  **({"language": profile["language"]} if "language" in profile else {})})

    # --------------------------------------------------------------------------------------- rich menus

    async def _create_menu(self, request: Request) -> Response:
        denied = self._gate(request, "richmenu")
        if denied is not None:
            return denied
        body = await self._json(request)
        problem = _check_model(body, RichMenuRequest) or _check_menu(body)
        if problem:
            return self._invalid("richmenu", problem)
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.rich_menus[menu_id] = body
        return self._answer(200, {"richMenuId": menu_id})

    async def _list_menus(self, request: Request) -> Response:
        denied = self._gate(request, "richmenu")
        if denied is not None:
            return denied
        menus = [{"richMenuId": menu_id, **menu} for menu_id, menu in self.rich_menus.items()]
        return self._answer(200, {"richmenus": menus})

    async def _delete_menu(self, request: Request) -> Response:
        denied = self._gate(request, "richmenu")
        if denied is not None:
            return denied
        if self.rich_menus.pop(request.path_params["menu_id"], None) is None:
            return self._answer(404, {"message": "Not found"})
        return self._answer(200, {})

    async def _menu_image(self, request: Request) -> Response:
        denied = self._gate(request, "richmenu")
        if denied is not None:
            return denied
        menu_id = request.path_params["menu_id"]
        content_type = request.headers.get("content-type", "")
        data = await request.body()
        if menu_id not in self.rich_menus:
            return self._answer(404, {"message": "Not found"})
        if content_type not in ("image/png", "image/jpeg") or not data.startswith((b"\x89PNG", b"\xff\xd8")):
            return self._answer(415, {"message": f"The content type, {content_type}, is not supported"})
        if len(data) > 1_000_000:
            return self._answer(413, {"message": "Payload Too Large"})
        self.rich_menu_images[menu_id] = (content_type, len(data))
        return self._answer(200, {})

    async def _default_menu(self, request: Request) -> Response:
        denied = self._gate(request, "richmenu")
        if denied is not None:
            return denied
        menu_id = request.path_params["menu_id"]
        if menu_id not in self.rich_menu_images:
            return self._answer(400, {"message": "must upload richmenu image before applying it to user"})
        self.default_rich_menu = menu_id
        return self._answer(200, {})


# ------------------------------------------------------------------------------------------- validation


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _check_model(body: Any, model: Any) -> str:
    if not isinstance(body, dict):
        return "The request body could not be parsed as JSON"
    try:
        model.from_dict(body)
    except (ValueError, TypeError) as exc:
        return f"rejected by {model.__name__}: {str(exc)[:200]}"
    return ""


def _check_request(body: Any, model: Any) -> str:
    problem = _check_model(body, model)
    if problem:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5 (messages)"
    for index, message in enumerate(messages):
        problem = _check_message(message)
        if problem:
            return f"messages[{index}]: {problem}"
    return ""


def _check_message(message: dict[str, Any]) -> str:
    quick = message.get("quickReply")
    if quick is not None and not 1 <= len(quick.get("items", [])) <= 13:
        return "quickReply.items must have 1-13 items"
    if quick is not None:
        for item in quick["items"]:
            if len(item.get("action", {}).get("label", "")) > 20:
                return "quickReply action label longer than 20"
    if message.get("type") == "text":
        text = message.get("text", "")
        return "" if 1 <= len(text.encode("utf-16-le")) // 2 <= 5000 else "text must be 1-5000 characters"
    if message.get("type") != "flex":
        return ""
    alt = message.get("altText", "")
    if not 1 <= len(alt) <= 1500:
        return "altText must be 1-1500 characters"
    contents = message.get("contents", {})
    bubbles = contents.get("contents", []) if contents.get("type") == "carousel" else [contents]
    if contents.get("type") == "carousel" and not 1 <= len(bubbles) <= 12:
        return "a carousel holds 1-12 bubbles"
    if contents.get("type") == "carousel" and _size(contents) > 50_000:
        return "carousel JSON larger than 50 KB"
    for bubble in bubbles:
        if _size(bubble) > 30_000:
            return "bubble JSON larger than 30 KB"
        for button in _buttons(bubble):
            action = button.get("action", {})
            if len(action.get("label", "")) > 40:
                return "button label longer than 40"
            uri = action.get("uri", "")
            if action.get("type") == "uri" and (len(uri) > 1000 or not uri.startswith(("http://", "https://"))):
                return "invalid uri"
    return ""


def _buttons(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "button":
            found.append(node)
        for value in node.values():
            found.extend(_buttons(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_buttons(value))
    return found


def _check_menu(body: dict[str, Any]) -> str:
    size = body.get("size", {})
    if size.get("width") != 2500 or size.get("height") not in (843, 1686):
        return "size must be 2500x1686 or 2500x843"
    areas = body.get("areas", [])
    if not 1 <= len(areas) <= 20:
        return "areas must have 1-20 items"
    if not 1 <= len(body.get("chatBarText", "")) <= 14:
        return "chatBarText must be 1-14 characters"
    return ""
