"""LINE: the digest as Flex carousels, sent through line-bot-sdk v3's ``AsyncMessagingApi``.

The SDK is pointed at ``api_url`` (``AITODAY_LINE_API_URL``: LINE itself, or a local stand-in in tests).
Everything LINE-specific stays in this module; callers see our types only. Vendor errors are translated
here, at the boundary, into the shared tree of ``channels.base``::

    ApiException / aiohttp error          → ours
    ├── 409 (retry key already accepted)   not an error: the first try went through → Receipt
    ├── 429 "monthly limit"                → QuotaExceeded       (no more pushes this month)
    ├── 429 otherwise                      → RateLimited(Retry-After or 1 s, bucket "line:<endpoint>")
    ├── 5xx                                → TransientError
    ├── 400 "Failed to send messages"      → RecipientGone       (a userId LINE does not know)
    ├── 400 otherwise                      → RenderBug           (LINE rejected our payload)
    ├── 401 / 403                          → InstallBroken       (access token revoked or wrong)
    ├── 404                                → RecipientGone
    ├── connection refused / DNS           → TransientError      (nothing was sent)
    └── timeout / disconnect after sending → AmbiguousError      (safe to retry: same retry key)

A push carries ``X-Line-Retry-Key`` = ``retry_key(delivery_id)``, a UUID derived deterministically from the
delivery id, so a retry of the same delivery is executed by LINE at most once: the reader never sees a digest
twice, and a 409 answer means "already accepted", which we count as delivered.
Note that LINE answers 200 for a user who blocked the account (the message is silently dropped); the
``unfollow`` webhook is how we learn of a block.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from linebot.v3.messaging import (  # type: ignore[import-untyped]
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)

from channels.base import (
    AmbiguousError,
    ChannelError,
    Delivery,
    InstallBroken,
    QuotaExceeded,
    RateLimit,
    RateLimited,
    Receipt,
    Recipient,
    RecipientGone,
    RenderBug,
    TransientError,
)
from channels.line.render import LineMessage, render_digest, render_plain
from summaries.models import Edition

__all__ = [
    "DEFAULT_API_URL",
    "MAX_MULTICAST",
    "LineChannel",
    "Profile",
    "Quota",
    "data_api_url",
    "retry_key",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

DEFAULT_API_URL = "https://api.line.me"
_DEFAULT_DATA_URL = "https://api-data.line.me"
MAX_MULTICAST = 500
_RETRY_NAMESPACE = uuid.UUID("6f0b8a1e-5c43-4c8e-9d0e-2b1f3a7c9e51")  # fixed forever: keys must not change
_TIMEOUT_SECONDS = 15.0
#: LINE's documented per-channel limit for push/multicast (2,000 requests/s); we stay well under it.
_PUSH_RATE = 1_000.0


def retry_key(delivery_id: str, part: int = 0) -> str:
    """The ``X-Line-Retry-Key`` for ``delivery_id``: a UUID (LINE requires one), the same on every retry."""
    return str(uuid.uuid5(_RETRY_NAMESPACE, f"{delivery_id}#{part}" if part else delivery_id))


def data_api_url(api_url: str) -> str:
    """Where the blob endpoints (rich-menu images) live: ``api-data.line.me`` for LINE, else the same host."""
    return _DEFAULT_DATA_URL if api_url.rstrip("/") == DEFAULT_API_URL else api_url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Quota:
    """This month's message quota. ``limit`` None means unlimited (a paid plan without a cap)."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    def covers(self, messages: int) -> bool:
        return self.remaining is None or self.remaining >= messages


@dataclass(frozen=True, slots=True)
class Profile:
    """What ``get_profile`` tells us that we use: the display name and the app language (e.g. ``ja``)."""

    user_id: str
    display_name: str
    language: str = ""


class LineChannel:
    """The LINE channel. Opens its HTTP session lazily (inside the running loop) and reuses it."""

    name = "line"

    def __init__(self, access_token: str, api_url: str = DEFAULT_API_URL, *, timeout: float = _TIMEOUT_SECONDS) -> None:
        self._token = access_token
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._client: AsyncApiClient | None = None
        self._blob_client: AsyncApiClient | None = None

    # ------------------------------------------------------------------------------------ Channel protocol

    def render(self, edition: Edition, language: str) -> list[LineMessage]:
        return render_digest(edition, language)

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return (RateLimit(bucket="line:push", rate=_PUSH_RATE),)

    async def send(self, delivery: Delivery) -> Receipt:
        """Push the digest to one user, once: the retry key makes a repeat of this delivery a no-op."""
        recipient = delivery.recipient
        if delivery.plain:
            messages = render_plain(delivery.edition, recipient.language)
        else:
            messages = render_digest(delivery.edition, recipient.language)
        return await self.push(recipient.address, messages, retry_key(delivery.delivery_id))

    async def aclose(self) -> None:
        for client in (self._client, self._blob_client):
            if client is not None:
                await client.close()
        self._client = self._blob_client = None

    # ------------------------------------------------------------------------------------ sending

    async def push(self, to: str, messages: Sequence[LineMessage], key: str) -> Receipt:
        """Push ≤ 5 messages to ``to`` with retry key ``key``. 409 (already accepted) is a success."""
        request = self._model(PushMessageRequest, {"to": to, "messages": list(messages)})
        try:
            response = await self._api().push_message(request, x_line_retry_key=key,
                                                      _request_timeout=self._timeout)
        except ApiException as exc:
            if exc.status == 409:
                return Receipt(provider_message_id=_header(exc, "X-Line-Accepted-Request-Id"),
                               accepted_at=datetime.now(UTC), messages=len(messages))
            raise _translate(exc, "push") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _network_error(exc) from None
        sent = response.sent_messages or []
        return Receipt(provider_message_id=sent[0].id if sent else "", accepted_at=datetime.now(UTC),
                       messages=len(messages))

    async def multicast(self, user_ids: Sequence[str], messages: Sequence[LineMessage], key_base: str) -> list[Receipt]:
        """Send the same messages to many users, in batches of ≤ 500 (LINE's limit), one retry key per batch.

        For subscribers who share one rendering (same edition, language, topics). Batches already sent
        before a failure answer 409 on a retry and count as delivered; the error of the failing batch is
        raised (our error tree), so the caller retries with the same ``key_base``.
        """
        receipts = []
        for index in range(0, len(user_ids), MAX_MULTICAST):
            batch = list(user_ids[index:index + MAX_MULTICAST])
            request = self._model(MulticastRequest, {"to": batch, "messages": list(messages)})
            key = retry_key(key_base, index // MAX_MULTICAST + 1)
            try:
                await self._api().multicast(request, x_line_retry_key=key, _request_timeout=self._timeout)
            except ApiException as exc:
                if exc.status != 409:
                    raise _translate(exc, "multicast") from None
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _network_error(exc) from None
            receipts.append(Receipt(provider_message_id=key, accepted_at=datetime.now(UTC), messages=len(batch)))
        return receipts

    async def reply(self, reply_token: str, messages: Sequence[LineMessage]) -> None:
        """Answer a webhook event with its reply token (free: replies do not count against the quota).

        An expired or used token comes back as 400 (or 401 in the SDK's own tests): ``RecipientGone``.
        """
        request = self._model(ReplyMessageRequest, {"replyToken": reply_token, "messages": list(messages)})
        try:
            await self._api().reply_message(request, _request_timeout=self._timeout)
        except ApiException as exc:
            if exc.status in (400, 401) and "reply token" in _message(exc).lower():
                raise RecipientGone("invalid reply token") from None
            raise _translate(exc, "reply") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _network_error(exc) from None

    # ------------------------------------------------------------------------------------ account data

    async def quota(self) -> Quota:
        """This month's limit and consumption (two calls; both free)."""
        api = self._api()
        limit = await _call("quota", api.get_message_quota(_request_timeout=self._timeout))
        used = await _call("quota", api.get_message_quota_consumption(_request_timeout=self._timeout))
        capped = str(getattr(limit.type, "value", limit.type)) == "limited"
        return Quota(limit=int(limit.value or 0) if capped else None, used=int(used.total_usage or 0))

    async def profile(self, user_id: str) -> Profile:
        """The user's profile (``RecipientGone`` when they blocked us or never added us)."""
        found = await _call("profile", self._api().get_profile(user_id, _request_timeout=self._timeout))
        return Profile(user_id=found.user_id, display_name=found.display_name, language=found.language or "")

    async def create_default_rich_menu(self, menu: dict[str, Any], image_png: bytes) -> str:
        """Create ``menu`` (a RichMenu JSON object), upload its image and make it the default; its id."""
        request = self._model(RichMenuRequest, menu)
        api = self._api()
        created = await _call("richmenu", api.create_rich_menu(request, _request_timeout=self._timeout))
        menu_id = str(created.rich_menu_id)
        blob = AsyncMessagingApiBlob(self._blob())
        await _call("richmenu", blob.set_rich_menu_image(menu_id, image_png, _headers={"Content-Type": "image/png"},
                                                         _request_timeout=self._timeout))
        await _call("richmenu", api.set_default_rich_menu(menu_id, _request_timeout=self._timeout))
        return menu_id

    async def rich_menus(self) -> list[tuple[str, str]]:
        """``(id, name)`` of the rich menus that exist, so ``setup`` replaces ours instead of piling them up."""
        found = await _call("richmenu", self._api().get_rich_menu_list(_request_timeout=self._timeout))
        return [(str(menu.rich_menu_id), str(menu.name or "")) for menu in found.richmenus or []]

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        await _call("richmenu", self._api().delete_rich_menu(rich_menu_id, _request_timeout=self._timeout))

    # ------------------------------------------------------------------------------------ plumbing

    def _api(self) -> AsyncMessagingApi:
        if self._client is None:
            self._client = _open_client(Configuration(host=self._api_url, access_token=self._token))
        return AsyncMessagingApi(self._client)

    def _blob(self) -> AsyncApiClient:
        if self._blob_client is None:
            self._blob_client = _open_client(Configuration(host=data_api_url(self._api_url), access_token=self._token))
        return self._blob_client

    @staticmethod
    def _model(model: Any, payload: dict[str, Any]) -> Any:
        """Build the SDK's request model; a payload it refuses is our rendering bug, not a network error."""
        try:
            return model.from_dict(payload)
        except (ValueError, TypeError) as exc:
            raise RenderBug(f"{model.__name__} rejected by the SDK: {str(exc)[:200]}") from None


def _open_client(configuration: Configuration) -> AsyncApiClient:
    """The SDK's client; its aiohttp session trusts the environment only when a proxy is configured there.

    The SDK opens its session with ``trust_env=True``, and aiohttp then looks up the proxy variables and
    ``~/.netrc`` for every request, each in a worker thread: two thread hand-offs per reply, a third of the
    webhook route's time under load. With no proxy variable set there is nothing to find, so the lookups are
    turned off; a deployment behind a proxy (``HTTPS_PROXY``…) keeps the SDK's behaviour.
    """
    client = AsyncApiClient(configuration)
    if not urllib.request.getproxies_environment():
        client.rest_client.pool_manager._trust_env = False  # the session's own flag; no public setter
    return client


async def _call(endpoint: str, call: Awaitable[_T]) -> _T:
    """Await one SDK call, translating its failures into our tree."""
    try:
        return await call
    except ApiException as exc:
        raise _translate(exc, endpoint) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise _network_error(exc) from None


def _header(exc: ApiException, name: str) -> str:
    headers = exc.headers or {}
    value = headers.get(name) if hasattr(headers, "get") else None
    return str(value or "")


def _message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _translate(exc: ApiException, endpoint: str) -> ChannelError:
    """Map one ``ApiException`` to our tree. The detail carries status and LINE's message, never a token."""
    status = int(exc.status or 0)
    message = _message(exc)
    detail = f"LINE {endpoint}: {status} {message[:200]}".strip()
    if status == 429:
        if "monthly limit" in message.lower() or "target limit" in message.lower():
            return QuotaExceeded(detail)
        retry_after = _header(exc, "Retry-After")
        return RateLimited(float(retry_after) if retry_after.isdigit() else 1.0, bucket=f"line:{endpoint}",
                           detail=detail)
    if status >= 500:
        return TransientError(detail)
    if status in (401, 403):
        return InstallBroken(detail)
    if status == 404 or (status == 400 and message.lower().startswith("failed to send messages")):
        return RecipientGone(detail)
    if status == 400:
        return RenderBug(detail)
    return TransientError(detail)


def _network_error(exc: BaseException) -> ChannelError:
    """Refused before sending → transient; anything later may have reached LINE → ambiguous."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransientError(f"LINE unreachable: {exc.__class__.__name__}")
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return AmbiguousError(f"LINE did not answer: {exc.__class__.__name__}")
    return TransientError(f"LINE request failed: {exc.__class__.__name__}")
