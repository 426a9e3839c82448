"""Editions on real Redis: built from stored articles, stored once for every channel, the latest found."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import keys
from bot.content.editions import build_edition, latest_edition, load_edition
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.articles import RedisArticleStore
from bot.store.client import RedisClient, connect
from bot.store.edition_store import RedisTokenBudget
from channels.labels import byline
from summaries.models import Article
from tests.conftest import HAS_SHARED
from tests.stubs.loopback import serve
from tests.stubs.openai_stub import OpenAIStub
from tests.summaries.feeds import all_articles, sample_articles

DAY = date(2025, 7, 17)
NOW = datetime(2025, 7, 17, 22, 0, tzinfo=UTC)


def _runtime(redis_client: RedisClient, redis_url: str, **env: str) -> Runtime:
    settings = load_settings(env={"AITODAY_REDIS_URL": redis_url, **env})
    return Runtime(settings=settings, redis=redis_client, redis_url=redis_url)


async def _store(redis_client: RedisClient, articles: list[Article]) -> None:
    store = RedisArticleStore(redis_client, retention=timedelta(days=3650))
    await store.add([(a, (f"u:{a.fingerprint}",)) for a in articles])


def _window() -> list[Article]:
    """The shared snapshots around DAY when ../shared is there, else the project's sample feeds as of NOW."""
    if not HAS_SHARED:
        return list(sample_articles(NOW))
    return [a for a in all_articles() if NOW - timedelta(days=4) <= a.published <= NOW + timedelta(days=8)]


@pytest.fixture
async def runtime(redis_client: RedisClient, redis_url: str) -> Runtime:
    await _store(redis_client, _window())
    return _runtime(redis_client, redis_url)


async def test_the_built_edition_is_stored_for_every_channel_and_the_web(runtime: Runtime) -> None:
    edition = await build_edition(runtime, DAY, "en", now=NOW)
    assert edition.stories
    assert all(s.card.summarizer == "offline" for s in edition.stories)
    raw = await runtime.redis.get(keys.edition(DAY.isoformat(), "en"))
    assert raw is not None and json.loads(raw) == edition.to_dict()
    assert await load_edition(runtime, DAY, "en") == edition
    assert await latest_edition(runtime, "en") == edition
    assert await latest_edition(runtime, "ja") is None


async def test_rebuilding_gives_the_same_edition(runtime: Runtime) -> None:
    first = await build_edition(runtime, DAY, "en", now=NOW)
    second = await build_edition(runtime, DAY, "en", now=NOW)
    assert first == second


async def test_latest_is_the_most_recent_day(runtime: Runtime) -> None:
    older = await build_edition(runtime, DAY - timedelta(days=1), "en", now=NOW)
    newer = await build_edition(runtime, DAY, "en", now=NOW)
    assert older.date < newer.date
    assert await latest_edition(runtime, "en") == newer
    await runtime.redis.delete(keys.edition(DAY.isoformat(), "en"))  # expired
    assert await latest_edition(runtime, "en") == older


@pytest.fixture
async def llm_runtime(redis_client: RedisClient, redis_url: str) -> AsyncIterator[tuple[Runtime, OpenAIStub]]:
    await _store(redis_client, _window())
    stub = OpenAIStub()
    async with serve(stub.app) as url:
        yield _runtime(
            redis_client,
            redis_url,
            AITODAY_LLM_BASE_URL=url + "/v1",
            AITODAY_LLM_MODEL="gpt-test",
            AITODAY_LLM_API_KEY="sk-test-key",
        ), stub


async def test_with_an_llm_configured_cards_come_from_it_once(llm_runtime: tuple[Runtime, OpenAIStub]) -> None:
    runtime, stub = llm_runtime
    edition = await build_edition(runtime, DAY, "ja", now=NOW)
    assert edition.stories
    summarizers = {s.card.summarizer for s in edition.stories}
    if HAS_SHARED:
        assert summarizers == {"llm:gpt-test"}
    else:  # on the sample feeds a few of the stub's cards fail the faithfulness check: those become offline
        assert "llm:gpt-test" in summarizers and summarizers <= {"llm:gpt-test", "offline"}
    assert all(s.card.language == "ja" for s in edition.stories)
    assert all("Write in Japanese" in r["messages"][0]["content"] for r in stub.requests)
    from_llm = [s for s in edition.stories if s.card.summarizer == "llm:gpt-test"]
    assert all("英語の記事" not in byline(s, NOW, "ja") for s in from_llm)  # a translated card is not marked English
    calls = len(stub.requests)
    assert calls == len(edition.stories)
    again = await build_edition(runtime, DAY, "ja", now=NOW)
    assert again == edition
    assert len(stub.requests) == calls  # one summary per article and language, never re-summarized
    spent = await RedisTokenBudget(runtime.redis, 0, day=NOW.date()).spent()
    assert spent > 0


async def test_when_the_budget_is_spent_the_edition_is_offline(llm_runtime: tuple[Runtime, OpenAIStub]) -> None:
    runtime, stub = llm_runtime
    settings = runtime.settings.model_copy(update={"llm_daily_token_budget": 0})
    runtime = Runtime(settings=settings, redis=runtime.redis, redis_url=runtime.redis_url)
    edition = await build_edition(runtime, DAY, "en", now=NOW)
    assert edition.stories
    assert {s.card.summarizer for s in edition.stories} == {"offline"}
    assert stub.requests == []


def test_aitoday_edition_prints_the_days_edition(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.cli import main

    async def seed() -> None:
        client = connect(redis_url)
        try:
            await _store(client, _window())
        finally:
            await client.aclose()

    asyncio.run(seed())
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_url)
    assert main(["edition", "--date", "2025-07-17", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AIToday — 2025-07-17 (en) · ")
    assert "1. " in out and "• What happened: " in out and "• What to watch: " in out
    assert "[offline]" in out
    assert main(["edition", "--date", "2031-01-01"]) == 0
    assert "No stories for 2031-01-01" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["edition", "--date", "yesterday"])
    assert exc.value.code == 2


async def test_the_token_budget_is_shared_atomically(redis_client: RedisClient) -> None:
    """Twenty workers racing for 1,000 tokens in chunks of 300: exactly three get them, never a fourth."""
    import asyncio

    budgets = [RedisTokenBudget(redis_client, 1000, day=DAY) for _ in range(20)]
    taken = await asyncio.gather(*(b.reserve(300) for b in budgets))
    assert sum(taken) == 3
    assert await budgets[0].spent() == 900
    await budgets[0].settle(300, 120)  # the call used fewer tokens than reserved
    assert await budgets[0].spent() == 720
    assert await budgets[1].reserve(280)
    assert not await budgets[1].reserve(1)
    assert await redis_client.ttl(keys.llm_tokens(DAY.isoformat())) > 0
