"""Stopping the background tasks a test started (a worker, a poller) so that none outlives its test."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

__all__ = ["stop"]


async def stop(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` until it is done and consume its outcome.

    The cancel is repeated: redis-py can swallow a cancel that lands mid-command. The outcome is read so that
    asyncio never logs "exception was never retrieved" for a task the test stopped on purpose.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    with contextlib.suppress(asyncio.CancelledError):
        task.exception()
