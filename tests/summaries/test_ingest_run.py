"""Whole ingest runs over loopback feeds into the real Redis store: dedupe across runs and sources, 304s."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.store.articles import RedisArticleStore
from bot.store.client import RedisClient
from summaries.errors import ParseTimeout
from summaries.fetch import Fetcher
from summaries.ingest import Ingestor, SourceOutcome
from summaries.sandbox import Sandbox
from summaries.sources import make_source
from summaries.ssrf import AddressPolicy
from tests.conftest import FEEDS, FIXTURE_FEEDS, needs_shared
from tests.summaries.conftest import TEST_LIMITS
from tests.summaries.feedserver import FeedServer


@dataclass(frozen=True)
class Corpus:
    """Two feeds and how many articles each holds: an RSS 2.0 feed with GUIDs and a second, other feed."""

    rss: bytes
    rss_items: int
    other: bytes
    other_items: int


def _corpus(name: str) -> Corpus:
    if name == "project":
        return Corpus((FIXTURE_FEEDS / "lab-news_rss2.xml").read_bytes(), 6,
                      (FIXTURE_FEEDS / "research-blog_atom.xml").read_bytes(), 4)
    return Corpus((FEEDS / "openai-news_rss2_cdata_full-history.xml").read_bytes(), 599,
                  (FEEDS / "anthropic-news_generated_rss2_oldest-first_missing-descriptions.xml").read_bytes(), 267)


@pytest.fixture(params=[pytest.param("project"), pytest.param("shared", marks=needs_shared)])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    """The project's own feeds, and the shared snapshots (599 and 267 items) when they are there."""
    return _corpus(str(request.param))


async def _ingestor(redis_client: RedisClient, fetcher: Fetcher) -> Ingestor:
    store = RedisArticleStore(redis_client)
    return Ingestor(fetcher, store, store)


async def test_the_same_items_from_two_sources_are_stored_once(
    feed_server: FeedServer, redis_client: RedisClient, fetcher: Fetcher, corpus: Corpus
) -> None:
    lab = make_source(feed_server.document("/lab.xml", corpus.rss), name="OpenAI News", category="lab")
    mirror = make_source(feed_server.document("/mirror.xml", corpus.rss), name="Mirror", category="media")
    report = await (await _ingestor(redis_client, fetcher)).run([lab, mirror])
    assert report.new == corpus.rss_items
    assert sorted(o.new for o in report.outcomes) == [0, corpus.rss_items]
    assert await RedisArticleStore(redis_client).article_count() == corpus.rss_items


async def test_a_second_run_is_all_304_and_parses_nothing(
    feed_server: FeedServer, redis_client: RedisClient, fetcher: Fetcher, corpus: Corpus
) -> None:
    source = make_source(feed_server.document("/a.xml", corpus.other), name="Anthropic News")
    ingestor = await _ingestor(redis_client, fetcher)
    first = await ingestor.run([source])
    outcome = first.outcomes[0]
    assert (outcome.status, outcome.new, outcome.parser) == ("ok", corpus.other_items, "lxml")
    seen: list[SourceOutcome] = []
    second = await ingestor.run([source], progress=seen.append)
    assert [(o.status, o.items, o.new, o.parser) for o in seen] == [("not_modified", 0, 0, "")]
    assert second.new == 0 and feed_server.requests[-1].headers["If-None-Match"]


async def test_regenerated_guids_and_tracking_links_do_not_duplicate(
    feed_server: FeedServer, redis_client: RedisClient, fetcher: Fetcher, corpus: Corpus
) -> None:
    """A feed that rewrites every GUID and adds tracking parameters still carries the same articles."""
    changed = re.sub(rb"<guid>([^<]*)</guid>", rb"<guid>regenerated-\1</guid>", corpus.rss)
    changed = re.sub(rb"<link>([^<]*)</link>", rb"<link>\1?utm_source=rss&amp;utm_medium=feed</link>", changed)
    assert changed != corpus.rss
    source = make_source(feed_server.url("/feed.xml"), name="OpenAI News")
    feed_server.document("/feed.xml", corpus.rss, validators=False)
    ingestor = await _ingestor(redis_client, fetcher)
    assert (await ingestor.run([source])).new == corpus.rss_items
    feed_server.document("/feed.xml", changed, validators=False)
    again = await ingestor.run([source])
    assert (again.outcomes[0].status, again.outcomes[0].items, again.new) == ("ok", corpus.rss_items, 0)


async def test_ssrf_guard_applies_to_the_whole_run(feed_server: FeedServer, redis_client: RedisClient,
                                                   corpus: Corpus) -> None:
    source = make_source(feed_server.document("/feed.xml", corpus.other), name="Anthropic News")
    store = RedisArticleStore(redis_client)
    async with Fetcher(AddressPolicy(), TEST_LIMITS) as strict:
        report = await Ingestor(strict, store, store).run([source])
    assert [(o.status, o.kind) for o in report.outcomes] == [("failed", "blocked")]
    assert feed_server.hits["/feed.xml"] == 0


async def test_a_parse_over_its_budget_is_a_classified_failure(corpus: Corpus) -> None:
    async with Sandbox() as sandbox:
        with pytest.raises(ParseTimeout):
            await sandbox.parse_feed(corpus.rss, budget=1e-6)
