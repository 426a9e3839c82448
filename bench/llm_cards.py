"""Cards from the configured LLM endpoint for the dev set's articles, with what they cost and how many passed.

Used by ``bench/summary_quality.py --llm``: an operator points ``AITODAY_LLM_BASE_URL``, ``AITODAY_LLM_MODEL``
and ``AITODAY_LLM_API_KEY`` at the model they pay for and gets its ROUGE beside the offline summarizer's, the
share of its answers that pass the faithfulness gate, and the tokens a card costs. The cards come from the
product's own ``summaries.llm.LLMSummarizer`` (same prompt, parsing, retries and gate), without the Redis cache
(every article is asked once per run) and with a budget that never refuses but records what each call used.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.settings import Settings
from summaries.llm import LLMConfig, LLMSummarizer
from summaries.models import Article, Card

__all__ = ["LLMRun", "NotConfigured", "config_from", "llm_cards"]


class NotConfigured(Exception):
    """``--llm`` without an endpoint and a model in the settings."""


@dataclass
class LLMRun:
    """What one run of the LLM over the articles gave: the cards and the counts the bench reports."""

    cards: list[Card]
    model: str
    answered: int = 0
    tokens: int = 0
    seconds: float = 0.0

    @property
    def from_llm(self) -> int:
        """Cards the model wrote that passed the gate (the others are the offline card)."""
        return sum(c.summarizer.startswith("llm:") for c in self.cards)

    def figures(self) -> dict[str, float | int | str]:
        answered = max(self.answered, self.from_llm)  # an endpoint that reports no usage still answered these
        return {
            "llm_model": self.model,
            "llm_cards": len(self.cards),
            "llm_answered": answered,
            "llm_unanswered": len(self.cards) - answered,
            "faithfulness_pass_rate": round(self.from_llm / answered, 3) if answered else 0.0,
            "tokens_per_card": round(self.tokens / answered, 1) if answered else 0.0,
            "llm_cards_per_s": round(len(self.cards) / self.seconds, 2) if self.seconds else 0.0,
        }


class _Recorder:
    """A ``TokenBudget`` that never refuses: it counts the calls that came back and the tokens they used."""

    def __init__(self, run: LLMRun) -> None:
        self._run = run

    async def reserve(self, tokens: int) -> bool:
        return True

    async def settle(self, reserved: int, used: int) -> None:
        if used > 0:
            self._run.answered += 1
            self._run.tokens += used


def config_from(settings: Settings) -> LLMConfig:
    """The endpoint the settings name, as the editions job would use it; ``NotConfigured`` without one."""
    if not (settings.llm_base_url and settings.llm_model):
        raise NotConfigured("--llm needs AITODAY_LLM_BASE_URL and AITODAY_LLM_MODEL (and usually AITODAY_LLM_API_KEY)")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key)


async def llm_cards(articles: list[Article], config: LLMConfig, language: str, concurrency: int) -> LLMRun:
    """Ask the model for every article's card in ``language``, ``concurrency`` requests at a time."""
    run = LLMRun(cards=[], model=config.model)
    gate = asyncio.Semaphore(max(1, concurrency))
    start = time.perf_counter()
    async with LLMSummarizer(config, budget=_Recorder(run)) as llm:

        async def one(article: Article) -> Card:
            async with gate:
                return await llm.summarize(article, language)

        run.cards = list(await asyncio.gather(*(one(a) for a in articles)))
    run.seconds = time.perf_counter() - start
    return run
