"""The worker role: consumes the delivery stream and sends digests through the channels."""

from __future__ import annotations

import asyncio

from bot.app import Services

__all__ = ["run_worker"]


async def run_worker(services: Services) -> None:
    """Consume deliveries until cancelled."""
    await asyncio.Event().wait()
