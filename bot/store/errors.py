"""The one error the stores raise when Redis cannot answer, so that callers above ``bot/store`` never import redis.

``StoreUnavailable`` means "unreachable, refused, or too slow": the web answers 503 with ``Retry-After`` and the
platform (or the reader) tries again later. ``unavailable_on_failure`` translates redis-py's errors (and a
timeout, for a Redis that accepts connections but does not answer) at the store's boundary.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import RedisError

__all__ = ["StoreUnavailable", "unavailable_on_failure"]


class StoreUnavailable(Exception):
    """Redis did not answer (down, refused, frozen). Safe to retry later; nothing was decided."""


@asynccontextmanager
async def unavailable_on_failure(seconds: float | None = None) -> AsyncIterator[None]:
    """Run the block; a Redis error, an OS-level connection error or a timeout becomes ``StoreUnavailable``."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except (RedisError, OSError, TimeoutError) as exc:
        raise StoreUnavailable(exc.__class__.__name__) from exc
