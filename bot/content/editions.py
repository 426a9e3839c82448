"""The day's edition: built from the stored articles with the configured summarizer, then stored.

Why here: ``summaries.edition`` knows how to make an edition but not where articles and cards live, nor which
summarizer the settings ask for. Used by the scheduler's editions job, the ``now`` command, the CLI and the web
view:

* ``build_edition(runtime, day, language)`` reads the last 72 hours of articles (``RedisArticleStore``),
  builds the edition with the LLM when ``AITODAY_LLM_*`` is set (its cards cached and its tokens budgeted in
  Redis, ``bot.store.editions``), else the offline summarizer, and stores it (``EditionStore.save``).
* ``latest_edition(runtime, language)`` / ``load_edition(runtime, day, language)`` read them back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.runtime import Runtime
from bot.store.articles import RedisArticleStore
from bot.store.editions import EditionStore, RedisCardCache, RedisTokenBudget
from summaries import edition as edition_core
from summaries.cluster import WINDOW
from summaries.llm import LLMConfig, LLMSummarizer
from summaries.models import Edition
from summaries.summarize import OfflineSummarizer, Summarizer

__all__ = ["build_edition", "latest_edition", "load_edition"]


def _summarizer(runtime: Runtime, day: date) -> tuple[Summarizer, LLMSummarizer | None]:
    settings = runtime.settings
    if not (settings.llm_enabled and settings.llm_base_url and settings.llm_model):
        return OfflineSummarizer(), None
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
    await EditionStore(runtime.redis).save(edition)
    return edition


async def load_edition(runtime: Runtime, day: date, language: str) -> Edition | None:
    return await EditionStore(runtime.redis).load(day, language)


async def latest_edition(runtime: Runtime, language: str) -> Edition | None:
    """The most recent stored edition in ``language`` (None until one is built)."""
    return await EditionStore(runtime.redis).latest(language)
