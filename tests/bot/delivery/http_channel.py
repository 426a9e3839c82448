"""A test channel that sends digests to the recording stand-in over real HTTP (httpx), translating its answers
into the channel error tree exactly as a provider adapter does at its boundary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import httpx

from channels.base import (
    AmbiguousError,
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
from channels.console import render_text
from summaries.models import Edition

__all__ = ["HttpTestChannel"]


class HttpTestChannel:
    """Named like the subscribers' channel (``telegram`` by default) so the worker routes to it."""

    def __init__(self, base_url: str, *, name: str = "telegram", idempotency: bool = True, timeout: float = 2.0,
                 global_rate: float = 0.0, per_address_rate: float = 0.0, connections: int = 100) -> None:
        self.name = name
        self._idempotency = idempotency
        self._global_rate = global_rate
        self._per_address_rate = per_address_rate
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout,
                                         limits=httpx.Limits(max_connections=connections,
                                                             max_keepalive_connections=connections))

    def render(self, edition: Edition, language: str) -> str:
        return render_text(edition, language)

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        limits = []
        if self._global_rate:
            limits.append(RateLimit(f"{self.name}:global", self._global_rate))
        if self._per_address_rate:
            limits.append(RateLimit(f"{self.name}:chat:{recipient.address}", self._per_address_rate))
        return limits

    async def send(self, delivery: Delivery) -> Receipt:
        headers = {"Idempotency-Key": delivery.delivery_id} if self._idempotency else {}
        body = {"to": delivery.recipient.address, "id": delivery.delivery_id,
                "text": self.render(delivery.edition, delivery.recipient.language)[:2000]}
        try:
            response = await self._client.post("/send", json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(exc.__class__.__name__) from None
        except httpx.TimeoutException as exc:
            raise AmbiguousError(exc.__class__.__name__) from None
        except httpx.HTTPError as exc:
            raise AmbiguousError(exc.__class__.__name__) from None
        status = response.status_code
        if status == 200:
            return Receipt(provider_message_id=str(response.json().get("message_id", "")),
                           accepted_at=datetime.now(UTC))
        if status == 429:
            raise RateLimited(float(response.headers.get("retry-after", "1")),
                              bucket=f"{self.name}:chat:{delivery.recipient.address}")
        if status == 403:
            raise RecipientGone("blocked by the user")
        if status == 401:
            raise InstallBroken("token revoked")
        if status == 400:
            raise RenderBug("payload rejected")
        raise TransientError(f"HTTP {status}")

    async def aclose(self) -> None:
        await self._client.aclose()
