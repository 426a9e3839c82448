"""The daily edition from real feed items: clustered, ranked, carded, the same every time."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from summaries.edition import build_edition, cutoff_for, relative_age
from summaries.faithfulness import check_card
from summaries.models import Article, Card
from summaries.rank import for_subscriber
from summaries.summarize import GIST_MAX
from summaries.topics import TOPICS
from tests.conftest import needs_shared
from tests.summaries.feeds import all_articles, make_article

DAY = date(2025, 7, 17)
NOW = datetime(2025, 7, 17, 22, 0, tzinfo=UTC)


def _articles() -> list[Article]:
    agent = next(a for a in all_articles() if a.title == "Introducing ChatGPT agent")
    coverage = make_article(
        "OpenAI launched ChatGPT agent, which thinks and acts with tools to complete tasks like research, "
        "bookings and building slideshows.",
        title="ChatGPT can now do tasks for you as OpenAI launches ChatGPT agent",
        fingerprint="wired-agent",
        source_name="Wired",
        category="media",
        url="https://wired.example/chatgpt-agent",
        published=agent.published + timedelta(hours=2),
    )
    return [*all_articles(), coverage]


@needs_shared
async def test_the_edition_has_everything_a_channel_needs() -> None:
    edition = await build_edition(_articles(), day=DAY, language="en", now=NOW)
    assert edition.date == DAY
    assert edition.language == "en"
    assert 3 <= len(edition.stories) <= 30
    by_id = {a.url: a for a in _articles()}
    for story in edition.stories:
        assert story.title and story.url.startswith("http") and story.source_name
        assert NOW - story.published < timedelta(hours=72)
        assert story.reading_minutes >= 1
        assert set(story.topics) <= set(TOPICS)
        assert len(story.card.gist) <= GIST_MAX
        assert all(story.card.key_points)
        assert story.card.summarizer == "offline"
        assert check_card(story.card, by_id[story.url]) == []
    assert [s.score for s in edition.stories] == sorted((s.score for s in edition.stories), reverse=True)


@needs_shared
async def test_coverage_is_folded_into_the_primary_story() -> None:
    edition = await build_edition(_articles(), day=DAY, language="en", now=NOW)
    agent = next(s for s in edition.stories if s.title == "Introducing ChatGPT agent")
    assert agent.source_name == "OpenAI News"
    assert [c.source_name for c in agent.also_covered_by] == ["Wired"]
    assert not any(s.source_name == "Wired" for s in edition.stories)
    assert edition.stories[0] == agent  # two sources beat one


@needs_shared
async def test_same_input_same_edition() -> None:
    articles = _articles()
    first = await build_edition(articles, day=DAY, language="en", now=NOW)
    random.Random(7).shuffle(articles)
    second = await build_edition(articles, day=DAY, language="en", now=NOW)
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)


@needs_shared
async def test_a_japanese_edition_of_japanese_news() -> None:
    edition = await build_edition(all_articles(), day=date(2026, 8, 18), language="ja")
    assert edition.stories
    ja = [s for s in edition.stories if s.card.language == "ja"]
    assert ja
    assert all("japan" in s.topics for s in ja)


@needs_shared
async def test_old_news_is_not_in_todays_edition() -> None:
    edition = await build_edition(_articles(), day=date(2025, 7, 25), language="en")
    assert all(date(2025, 7, 24) <= s.published.date() for s in edition.stories)
    assert await build_edition(_articles(), day=date(2030, 1, 1), language="en") == replace(
        edition, date=date(2030, 1, 1), generated_at=cutoff_for(date(2030, 1, 1)), stories=()
    )


class _InventingSummarizer:
    """A summarizer that invents a number: its cards must never reach the edition."""

    name = "inventor"

    async def summarize(self, article: Article, language: str) -> Card:
        return Card(
            gist=f"{article.title} raised $7 trillion.",
            what_happened=article.title,
            why_it_matters="It raised $7 trillion.",
            what_to_watch="More soon.",
            language=language,
            summarizer="llm:inventor",
        )


@needs_shared
async def test_a_card_that_fails_the_check_is_replaced_by_the_offline_card() -> None:
    edition = await build_edition(_articles(), day=DAY, language="en", now=NOW, summarizer=_InventingSummarizer())
    assert edition.stories
    assert all(s.card.summarizer == "offline" for s in edition.stories)


@needs_shared
async def test_a_subscribers_digest_is_the_edition_filtered() -> None:
    edition = await build_edition(_articles(), day=DAY, language="en", now=NOW)
    digest = for_subscriber(edition, topics={"agents"}, items=3)
    assert 1 <= len(digest.stories) <= 3
    assert all("agents" in s.topics for s in digest.stories)
    muted = for_subscriber(edition, muted_sources={"openai news"}, items=20)
    assert all(s.source_name != "OpenAI News" for s in muted.stories)
    assert len(for_subscriber(edition, items=2).stories) == 2


def test_relative_age_reads_naturally() -> None:
    t = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert relative_age(t - timedelta(minutes=5), t) == "5m ago"
    assert relative_age(t - timedelta(hours=11), t) == "11h ago"
    assert relative_age(t - timedelta(days=3), t) == "3d ago"
    assert relative_age(t - timedelta(hours=11), t, "ja") == "11時間前"
