"""The Redis article store: alias-chain dedupe, atomic adds, expiry, recent reads, source state, page cache."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot import keys
from bot.store.articles import RETENTION, RedisArticleStore
from bot.store.client import RedisClient
from summaries.models import Article
from summaries.ports import SourceState

pytestmark = pytest.mark.both_redis  # stores, queue and engine: on one Redis and on a cluster

T0 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def article(fp: str, *, published: datetime = T0, title: str = "Model launch", source: str = "lab-a") -> Article:
    return Article(
        fingerprint=fp,
        source_id=source,
        source_name=source.upper(),
        category="lab",
        url=f"https://news.example.com/{fp}",
        title=title,
        published=published,
        first_seen=T0,
        text="Some words.",
        html="<p>Some words.</p>",
        word_count=2,
    )


async def test_an_article_is_stored_once(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    first = article("f1")
    assert await store.add([(first, ("g:1", "u:1", "t:1"))]) == [first]
    assert await store.add([(replace(first, title="again"), ("g:1", "u:1", "t:1"))]) == []
    assert await store.get("f1") == first
    assert await store.article_count() == 1


async def test_changing_guids_are_learned_through_the_url(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    await store.add([(article("f1"), ("g:old", "u:same", "t:x"))])
    # The feed regenerated its GUIDs: the URL still matches, and the new GUID becomes an alias of f1.
    assert await store.known([("g:new", "u:same")]) == [True]
    # Later the URL changes too (a CMS migration) but the learned GUID still identifies the article.
    assert await store.known([("g:new", "u:moved")]) == [True]
    assert await redis_client.hget(keys.article_seen(), "u:moved") == "f1"
    assert await store.known([("g:other", "u:other"), ()]) == [False, False]


async def test_the_same_article_from_two_sources_is_one_article(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    await store.add([(article("f1", source="lab-a"), ("g:a1", "u:shared", "t:a"))])
    stored = await store.add([(article("f2", source="media-b"), ("g:b7", "u:shared", "t:b"))])
    assert stored == []
    assert [a.source_id for a in await store.recent_articles(T0 - timedelta(days=1))] == ["lab-a"]


async def test_concurrent_adds_store_one_copy(redis_client: RedisClient) -> None:
    stores = [RedisArticleStore(redis_client) for _ in range(5)]
    results = await asyncio.gather(
        *(s.add([(article(f"f{i}"), (f"g:{i}", "u:race", "t:race"))]) for i, s in enumerate(stores))
    )
    assert sum(len(r) for r in results) == 1
    assert await stores[0].article_count() == 1


async def test_articles_expire_after_fourteen_days(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    await store.add([(article("f1"), ("u:1",))])
    ttl = await redis_client.ttl(keys.article("f1"))
    assert RETENTION.total_seconds() - 60 < ttl <= RETENTION.total_seconds()


async def test_aliases_unseen_for_the_retention_period_are_forgotten(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    await store.add([(article("f1"), ("u:old",)), (article("f2"), ("u:recent",))])
    long_ago = int(time.time() - RETENTION.total_seconds() - 3600)
    await redis_client.zadd(keys.article_seen_at(), {"u:old": long_ago})
    await store.add([(article("f3"), ("u:new",))])  # any add does the bounded housekeeping
    assert await store.known([("u:old",), ("u:recent",)]) == [False, True]


async def test_a_sighting_renews_an_alias(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    await store.add([(article("f1"), ("u:kept",))])
    await redis_client.zadd(keys.article_seen_at(), {"u:kept": 1})
    assert await store.known([("u:kept",)]) == [True]  # the feed still carries it
    assert float(await redis_client.zscore(keys.article_seen_at(), "u:kept")) > time.time() - 60


async def test_recent_articles_newest_first_and_expired_ones_dropped(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    items = [article(f"f{h}", published=T0 - timedelta(hours=h)) for h in (1, 5, 30)]
    await store.add([(a, (f"u:{a.fingerprint}",)) for a in items])
    recent = await store.recent_articles(T0 - timedelta(hours=24))
    assert [a.fingerprint for a in recent] == ["f1", "f5"]
    assert recent[0] == items[0]
    await redis_client.delete(keys.article("f1"))  # expired
    assert [a.fingerprint for a in await store.recent_articles(T0 - timedelta(hours=24))] == ["f5"]
    assert await redis_client.zscore(keys.article_index(), "f1") is None


async def test_source_state_round_trip(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    state = SourceState(
        etag='"abc"', last_modified="Tue, 14 Nov 2023 22:13:20 GMT", status="failing", failures=2,
        last_attempt=T0, last_success=T0 - timedelta(days=1), last_error="HTTP 503", last_error_kind="http_5xx",
        retry_at=T0 + timedelta(minutes=30), items=12, new_items=0, bytes=4096,
    )  # fmt: skip
    await store.save_state("lab-a", state)
    loaded = await store.load_states(["lab-a", "never-seen"])
    assert loaded["lab-a"] == state
    assert loaded["never-seen"] == SourceState()


async def test_full_text_cache(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    assert await store.get_text("https://news.example.com/a") is None
    await store.put_text("https://news.example.com/a", "")
    assert await store.get_text("https://news.example.com/a") == ""
    await store.put_text("https://news.example.com/b", "Main text.")
    assert await store.get_text("https://news.example.com/b") == "Main text."


async def test_source_states_are_written_in_one_batch(redis_client: RedisClient) -> None:
    store = RedisArticleStore(redis_client)
    batch = {"a": SourceState(status="ok", items=3), "b": SourceState(status="failing", failures=1)}
    await store.save_states(batch)
    await store.save_states({})
    assert await store.load_states(["a", "b"]) == batch
