"""The LLM summarizer against a local OpenAI-compatible stand-in (real HTTP on loopback, real Redis ports).

Every behaviour of the stand-in ends in a checked LLM card or the offline card; the cache means an article
is summarized once per language; the budget stops calls when spent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.store.client import RedisClient
from bot.store.edition_store import RedisCardCache, RedisTokenBudget
from summaries.faithfulness import check_card
from summaries.llm import LLMConfig, LLMSummarizer, parse_answer
from summaries.models import Article
from summaries.summarize import OfflineSummarizer
from tests.stubs.loopback import serve
from tests.stubs.openai_stub import OpenAIStub
from tests.summaries.feeds import make_article

ARTICLE = make_article(
    "Acme released Widget 2 on Monday, its fastest language model yet. "
    "Widget 2 costs 40% less than Widget 1 and scores 87.5 on the MMLU benchmark. "
    "The weights will be released in April, the company said.",
    fingerprint="acme-widget-2",
)
OTHER = make_article(
    "Globex opened a research lab in Osaka on Tuesday. The lab will hire 200 engineers by 2027. "
    "It is Globex's first lab outside Europe.",
    title="Globex opens Osaka lab",
    fingerprint="globex-osaka",
    source_name="Globex News",
)
DAY = date(2026, 3, 2)


@pytest.fixture
async def stub() -> AsyncIterator[tuple[OpenAIStub, str]]:
    # Timeouts are generous (15 s) so a loaded CI machine never turns a scripted 500 into a lost request;
    # only the slow-answer test shortens its own timeout, well under the stand-in's 4 s delay.
    fake = OpenAIStub(slow_seconds=4.0)
    async with serve(fake.app) as url:
        yield fake, url + "/v1"


def _config(url: str, **overrides: float | int | str) -> LLMConfig:
    values: dict[str, object] = {"base_url": url, "model": "gpt-test", "api_key": "sk-test-key", "timeout": 15.0,
                                 "retries": 1, "backoff": 0.01, "max_retry_wait": 1.0}
    values.update(overrides)
    return LLMConfig(**values)  # type: ignore[arg-type]


async def _summarize(url: str, redis: RedisClient, article: Article = ARTICLE, language: str = "en",
                     budget: int = 100_000, **overrides: float | int | str) -> tuple[object, LLMSummarizer]:
    llm = LLMSummarizer(_config(url, **overrides), cache=RedisCardCache(redis),
                        budget=RedisTokenBudget(redis, budget, day=DAY))
    async with llm:
        card = await llm.summarize(article, language)
    return card, llm


async def test_a_good_answer_becomes_a_checked_llm_card(stub: tuple[OpenAIStub, str],
                                                        redis_client: RedisClient) -> None:
    fake, url = stub
    card, _ = await _summarize(url, redis_client)
    assert card.summarizer == "llm:gpt-test"
    assert card.what_happened == "Acme released Widget 2 on Monday, its fastest language model yet."
    assert check_card(card, ARTICLE) == []
    sent = fake.requests[0]
    assert sent["model"] == "gpt-test"
    assert sent["response_format"] == {"type": "json_object"}
    assert json.loads(sent["messages"][1]["content"])["title"] == ARTICLE.title


@pytest.mark.parametrize("behaviour", ["invented", "wrong_article", "preamble", "broken"])
async def test_a_bad_answer_falls_back_to_the_offline_card(stub: tuple[OpenAIStub, str],
                                                           redis_client: RedisClient, behaviour: str) -> None:
    fake, url = stub
    fake.script(behaviour)
    card, _ = await _summarize(url, redis_client)
    assert card == OfflineSummarizer().card(ARTICLE)
    assert len(fake.requests) == 1
    # tokens were spent on this article: it is not sent again, the offline card stays
    again, _ = await _summarize(url, redis_client)
    assert again == card
    assert len(fake.requests) == 1


@pytest.mark.parametrize("behaviour", ["429", "500", "503"])
async def test_a_transient_error_is_retried_then_answered(stub: tuple[OpenAIStub, str],
                                                          redis_client: RedisClient, behaviour: str) -> None:
    fake, url = stub
    fake.script(behaviour)
    card, _ = await _summarize(url, redis_client)
    assert card.summarizer == "llm:gpt-test"
    assert len(fake.requests) == 2


async def test_persistent_errors_end_offline_and_are_tried_again_later(stub: tuple[OpenAIStub, str],
                                                                       redis_client: RedisClient) -> None:
    fake, url = stub
    fake.script("500", "500")
    card, _ = await _summarize(url, redis_client)
    assert card.summarizer == "offline"
    assert len(fake.requests) == 2  # one retry
    later, _ = await _summarize(url, redis_client)  # nothing was cached: the next build asks again
    assert later.summarizer == "llm:gpt-test"


async def test_a_long_retry_after_is_not_waited_for(stub: tuple[OpenAIStub, str],
                                                    redis_client: RedisClient) -> None:
    fake, url = stub
    fake.retry_after_ms = 60_000
    fake.script("429")
    card, _ = await _summarize(url, redis_client)
    assert card.summarizer == "offline"
    assert len(fake.requests) == 1


async def test_a_slow_answer_times_out_into_the_offline_card(stub: tuple[OpenAIStub, str],
                                                             redis_client: RedisClient) -> None:
    fake, url = stub
    fake.script("slow", "slow")
    card, _ = await _summarize(url, redis_client, retries=1, timeout=1.5)
    assert card.summarizer == "offline"
    assert len(fake.requests) == 2


async def test_a_wrong_key_is_refused_without_retry(stub: tuple[OpenAIStub, str],
                                                    redis_client: RedisClient) -> None:
    fake, url = stub
    card, _ = await _summarize(url, redis_client, api_key="sk-wrong")
    assert card.summarizer == "offline"
    assert fake.requests == []


async def test_one_summary_per_article_and_language(stub: tuple[OpenAIStub, str],
                                                    redis_client: RedisClient) -> None:
    fake, url = stub
    first, _ = await _summarize(url, redis_client)
    second, _ = await _summarize(url, redis_client)
    assert first == second
    assert len(fake.requests) == 1
    ja, _ = await _summarize(url, redis_client, language="ja")
    assert ja.language == "ja"
    assert len(fake.requests) == 2


async def test_an_english_article_in_a_japanese_edition_is_summarized_in_japanese(
    stub: tuple[OpenAIStub, str], redis_client: RedisClient
) -> None:
    fake, url = stub
    card, _ = await _summarize(url, redis_client, language="ja")
    assert card.summarizer == "llm:gpt-test"
    assert card.language == "ja"
    assert "Widget 2" in card.gist
    assert any("\u3040" <= ch <= "\u30ff" for ch in card.what_to_watch)
    assert "Write in Japanese" in fake.requests[0]["messages"][0]["content"]


async def test_the_budget_stops_calls_when_spent(stub: tuple[OpenAIStub, str], redis_client: RedisClient) -> None:
    fake, url = stub
    budget = RedisTokenBudget(redis_client, 1200, day=DAY)
    llm = LLMSummarizer(_config(url), cache=RedisCardCache(redis_client), budget=budget)
    async with llm:
        first = await llm.summarize(ARTICLE, "en")
        assert first.summarizer == "llm:gpt-test"
        spent = await budget.spent()
        assert 0 < spent <= 1200  # settled to the usage the endpoint reported
        second = await llm.summarize(OTHER, "en")
        third = await llm.summarize(OTHER, "ja")
    assert len(fake.requests) == 1
    assert second == OfflineSummarizer().card(OTHER)
    assert third.summarizer == "offline"
    assert await budget.spent() == spent


def test_parse_answer_is_strict() -> None:
    good = {"article_id": "x", "gist": "g", "what_happened": "a", "why_it_matters": "b", "what_to_watch": "c"}
    from summaries.llm import LLMBadAnswer, article_ref

    good["article_id"] = article_ref(ARTICLE)
    assert parse_answer(json.dumps(good), ARTICLE, "en", "llm:t").gist == "g"
    assert parse_answer("```json\n" + json.dumps(good) + "\n```", ARTICLE, "en", "llm:t").what_to_watch == "c"
    for bad in ("Sure! " + json.dumps(good), json.dumps({**good, "gist": ""}), "[1, 2]", json.dumps(good)[:-1]):
        with pytest.raises(LLMBadAnswer):
            parse_answer(bad, ARTICLE, "en", "llm:t")
