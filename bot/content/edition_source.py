"""Where the worker gets the edition it filters for each subscriber: a one-method port.

The worker and the ``now`` command only need "the latest edition in this language". ``RuntimeEditions`` reads it
through ``bot.content.editions.latest_edition(runtime, language)`` (the edition builder's module); tests pass a
``FixedEditions`` holding real ``Edition`` objects. ``CachedEditions`` keeps each language's answer for a short
time, so a fan-out of thousands of digests reads the edition once, not once per subscriber.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

from bot.content.editions import latest_edition
from bot.runtime import Runtime
from summaries.models import Edition

__all__ = ["CachedEditions", "EditionSource", "FixedEditions", "RuntimeEditions"]


class EditionSource(Protocol):
    async def latest(self, language: str) -> Edition | None:
        """The newest edition in ``language`` (None when there is none yet). May raise ``StoreUnavailable``."""
        ...


class FixedEditions:
    """Given editions by language (``"en"`` serves as the fallback for a language without its own)."""

    def __init__(self, editions: Mapping[str, Edition]) -> None:
        self._editions = dict(editions)

    async def latest(self, language: str) -> Edition | None:
        return self._editions.get(language) or self._editions.get("en")


class RuntimeEditions:
    """The stored editions of ``runtime`` (``bot.content.editions.latest_edition``)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def latest(self, language: str) -> Edition | None:
        return await latest_edition(self._runtime, language)


class CachedEditions:
    """Remembers each language's latest edition for ``ttl`` seconds (misses are not remembered)."""

    def __init__(self, source: EditionSource, ttl: float = 30.0) -> None:
        self._source = source
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Edition]] = {}

    async def latest(self, language: str) -> Edition | None:
        hit = self._cache.get(language)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        edition = await self._source.latest(language)
        if edition is not None:
            self._cache[language] = (now, edition)
        return edition
