"""The day's edition: built from the stored articles with the configured summarizer, then stored.

Why here: ``summaries.edition`` knows how to make an edition but not where articles and cards live, nor which
summarizer the settings ask for. Used by the scheduler's editions job, the ``now`` command, the CLI and the web
view:

* ``build_edition(runtime, day, language)`` reads the last 72 hours of articles (``RedisArticleStore``),
  builds the edition with the LLM when ``AITODAY_LLM_*`` is set (its cards cached and its tokens budgeted in
  Redis, ``bot.store.edition_store``), else the offline summarizer, and stores it (``EditionStore.save``).
* ``latest_edition(runtime, language)`` / ``load_edition(runtime, day, language)`` read them back.
* ``EditionSource`` — the worker's and the ``now`` command's one question, "the latest edition in this
  language": ``RuntimeEditions`` asks the store, tests pass ``FixedEditions`` holding real ``Edition`` objects,
  and ``CachedEditions`` keeps each language's answer for a short time, so a fan-out of thousands of digests
  reads the edition once, not once per subscriber.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from bot.runtime import Runtime
from bot.store.articles import RedisArticleStore
from bot.store.edition_store import EditionStore, RedisCardCache, RedisTokenBudget
from summaries import edition as edition_core
from summaries.cluster import WINDOW
from summaries.models import Edition
from summaries.summarize import OfflineSummarizer, Summarizer

if TYPE_CHECKING:
    from summaries.llm import LLMSummarizer

__all__ = [
    "CachedEditions",
    "EditionSource",
    "FixedEditions",
    "RuntimeEditions",
    "build_edition",
    "latest_edition",
    "load_edition",
    "story_page_url",
    "with_page_urls",
]


def _summarizer(runtime: Runtime, day: date) -> tuple[Summarizer, LLMSummarizer | None]:
    settings = runtime.settings
    if not (settings.llm_enabled and settings.llm_base_url and settings.llm_model):
        return OfflineSummarizer(), None
    from summaries.llm import LLMConfig, LLMSummarizer  # httpx and the client: only when an LLM is configured

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    llm = LLMSummarizer(
        LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key),
        cache=RedisCardCache(runtime.redis),
        budget=RedisTokenBudget(runtime.redis, settings.llm_daily_token_budget, day=day),
    )
    return llm, llm


async def build_edition(runtime: Runtime, day: date, language: str, *, now: datetime | None = None) -> Edition:
    """Build, store and return the edition of ``day`` in ``language`` (``now`` defaults to the clock)."""
    now = now or datetime.now(UTC)
    cutoff = edition_core.cutoff_for(day, now)
    articles = await RedisArticleStore(runtime.redis).recent_articles(cutoff - WINDOW)
    summarizer, closable = _summarizer(runtime, now.date())
    try:
        edition = await edition_core.build_edition(
            articles, day=day, language=language, summarizer=summarizer, now=now
        )
    finally:
        if closable is not None:
            await closable.aclose()
    edition = with_page_urls(edition, runtime.settings.public_url)
    await EditionStore(runtime.redis).save(edition)
    return edition


def story_page_url(public_url: str, story_id: str, language: str) -> str:
    """The web page of one story (``/stories/<id>``, ``/stories/<id>/ja`` for Japanese)."""
    suffix = "" if language == "en" else f"/{language}"
    return f"{public_url.rstrip('/')}/stories/{quote(story_id, safe='')}{suffix}"


def with_page_urls(edition: Edition, public_url: str) -> Edition:
    """``edition`` with each story's ``page_url`` set, so every channel's digest can link the story's page."""
    stories = tuple(replace(s, page_url=story_page_url(public_url, s.id, edition.language)) for s in edition.stories)
    return replace(edition, stories=stories)


async def load_edition(runtime: Runtime, day: date, language: str) -> Edition | None:
    return await EditionStore(runtime.redis).load(day, language)


async def latest_edition(runtime: Runtime, language: str) -> Edition | None:
    """The most recent stored edition in ``language`` (None until one is built)."""
    return await EditionStore(runtime.redis).latest(language)


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
