"""The Slack channel: Block Kit digests sent with ``chat.postMessage`` through the official async SDK.

Rendering lives in ``channels.slack.render``; this module sends and translates. Slack answers most failures
with HTTP 200 and ``{"ok": false, "error": "<code>"}``; the SDK raises ``SlackApiError`` for them and we map
the code onto the shared error tree here, at the boundary, so nothing above ``channels/`` sees the SDK::

    SlackApiError / aiohttp error                    ChannelError raised
    ─────────────────────────────────────────────    ──────────────────────────────────────────────────
    429 ratelimited (Retry-After > retry cap)        RateLimited(retry_after=Retry-After, bucket=channel)
    channel_not_found, is_archived, not_in_channel   RecipientGone        (deactivate this subscription)
    invalid_auth, token_revoked, account_inactive,   InstallBroken        (deactivate the whole workspace)
      not_authed, token_expired, no installation
    invalid_blocks, msg_too_long, …                  RenderBug            (one plain-text retry, then dead)
    5xx, other codes, connection refused             TransientError       (retry with backoff)
    timeout / disconnect after the request was sent  AmbiguousError       (Slack has no idempotency key)

A short ``Retry-After`` (≤ ``retry_cap`` seconds) is waited out inside the SDK by its async rate-limit retry
handler, once; a longer one is handed to the worker as ``RateLimited`` so that no worker sleeps for long.

Tokens: the channel never touches storage. It asks ``token_for(team)`` (given by ``bot/``), which returns the
single-workspace ``SLACK_BOT_TOKEN`` or the workspace's installed bot token, or None when the app is not
installed there.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import (
    AmbiguousError,
    ChannelError,
    Delivery,
    InstallBroken,
    RateLimit,
    RateLimited,
    Receipt,
    Recipient,
    RecipientGone,
    RenderBug,
    TransientError,
)
from channels.slack.render import posted_stories, render_plain, render_posts
from summaries.models import Edition

__all__ = ["GONE_ERRORS", "INSTALL_ERRORS", "RENDER_ERRORS", "SlackChannel", "TokenLookup", "render"]

TokenLookup = Callable[[str], Awaitable[str | None]]

GONE_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel", "user_not_found", "cannot_dm_bot"})
INSTALL_ERRORS = frozenset(
    {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired", "team_access_not_granted"}
)
RENDER_ERRORS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments", "invalid_arguments"}
)


def render(edition: Edition, language: str) -> list[dict[str, Any]]:
    """The ``chat.postMessage`` payloads (minus ``channel``) for ``edition``: what ``aitoday preview`` prints."""
    return render_posts(edition, language)


class _ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """The SDK's rate-limit retry, limited to short waits and reading ``Retry-After`` correctly.

    Why not the stock handler as is: it sleeps for any ``Retry-After`` (a worker must not sleep a minute on one
    chat while others wait), and it reads only the header's first character. Longer waits become
    ``RateLimited`` so the worker re-schedules instead.
    """

    def __init__(self, cap_seconds: float) -> None:
        super().__init__(max_retry_count=1)
        self._cap = cap_seconds

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= self._cap

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = _retry_after(response.headers if response is not None else {})
        state.next_attempt_requested = True
        await asyncio.sleep(wait + random.random() * 0.25)  # a little jitter so workers do not stampede
        state.increment_current_attempt()


def _retry_after(headers: Any) -> float:
    """``Retry-After`` in seconds, matched case-insensitively (Slack sends it lower-case); 1 when absent."""
    for name in list(headers.keys()):
        if str(name).lower() == "retry-after":
            value = headers[name]
            text = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(str(text).strip()))
            except ValueError:
                return 1.0
    return 1.0


class SlackChannel:
    """Sends digests to Slack channels and DMs. ``recipient.address`` is ``team:channel`` or ``team:user``."""

    name = "slack"

    def __init__(
        self,
        *,
        api_url: str,
        token_for: TokenLookup,
        retry_cap_seconds: float = 2.0,
        timeout_seconds: int = 15,
    ) -> None:
        self._api_url = api_url
        self._token_for = token_for
        self._retry_handlers: list[AsyncRetryHandler] = [_ShortRateLimitRetry(retry_cap_seconds)]
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ Channel protocol

    def render(self, edition: Edition, language: str) -> list[dict[str, Any]]:
        return render_posts(edition, language)

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        """``chat.postMessage``: about one message per second per channel, and "several hundred per minute"
        per workspace (Slack's rate-limit docs); 300 a minute keeps a large workspace's fan-out under it."""
        team = recipient.address.partition(":")[0]
        return [RateLimit(bucket=f"slack:channel:{recipient.address}", rate=1.0, per_seconds=1.0),
                RateLimit(bucket=f"slack:team:{team}", rate=300.0, per_seconds=60.0)]

    async def send(self, delivery: Delivery) -> Receipt:
        """Post the digest (one or more posts). Raises ``ChannelError`` subclasses only.

        Slack has no idempotency key, so a digest split into several posts is sent in order and the first
        failure stops it; the error says how many posts were accepted before it (``detail``), and
        ``delivery.progress`` heard of each one, so the next attempt starts after them (``parts_done``).
        """
        team, _, target = delivery.recipient.address.partition(":")
        if not team or not target:
            raise RecipientGone("not a Slack address: team:channel expected")
        token = await self._token_for(team)
        if not token:
            raise InstallBroken(f"no Slack installation for team {team}")
        language = delivery.recipient.language
        skip = posted_stories(delivery.edition, delivery.rich_parts_done) if delivery.plain else 0
        if delivery.plain:  # after the stories the rich posts showed: the plain posts are cut differently
            payloads: list[dict[str, Any]] = [
                {"text": text} for text in render_plain(delivery.edition, language, after=skip)
            ]
        else:
            payloads = render_posts(delivery.edition, language)
        client = AsyncWebClient(
            token=token,
            base_url=self._api_url,
            session=self._open_session(),
            timeout=self._timeout,
            retry_handlers=list(self._retry_handlers),
        )
        first_ts = ""
        for index, payload in enumerate(payloads):
            if index < delivery.parts_done:
                continue  # shown by an earlier attempt
            bucket = f"slack:channel:{delivery.recipient.address}"
            try:
                response = await client.chat_postMessage(channel=target, unfurl_links=False, unfurl_media=False,
                                                         **payload)
            except SlackApiError as error:
                raise _translate(error, bucket, accepted=index) from None
            except (aiohttp.ServerTimeoutError, TimeoutError, aiohttp.ServerDisconnectedError) as error:
                raise AmbiguousError(f"{type(error).__name__} after sending post {index + 1}") from None
            except (aiohttp.ClientError, SlackClientError) as error:
                raise TransientError(f"{type(error).__name__} before post {index + 1} was accepted") from None
            if not first_ts:
                first_ts = f"{response.get('channel', target)}/{response.get('ts', '')}"
            if delivery.progress is not None and (len(payloads) > 1 or skip):  # a one-post digest: no resume
                await delivery.progress(index + 1)
        return Receipt(provider_message_id=first_ts, accepted_at=datetime.now(UTC),
                       messages=max(0, len(payloads) - delivery.parts_done))

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    # ------------------------------------------------------------------ internals

    def _open_session(self) -> aiohttp.ClientSession:
        """One connection pool per channel, opened on first use (never at construction: no loop yet)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session


def _translate(error: SlackApiError, bucket: str, *, accepted: int) -> ChannelError:
    """``SlackApiError`` → our tree. ``detail`` names the code and status, never the token or the text."""
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    detail = f"slack {code or 'error'} (HTTP {status}); {accepted} post(s) accepted before it"
    if status == 429 or code == "ratelimited":
        return RateLimited(_retry_after(getattr(response, "headers", {}) or {}), bucket=bucket, detail=detail)
    if code in GONE_ERRORS:
        return RecipientGone(detail)
    if code in INSTALL_ERRORS:
        return InstallBroken(detail)
    if code in RENDER_ERRORS:
        return RenderBug(detail)
    return TransientError(detail)
