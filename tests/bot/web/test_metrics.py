"""``/metrics`` parses as Prometheus text and carries every listed series; ``/healthz`` reports lag and lease."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import keys
from bot.content.ingest_run import run_ingest
from bot.delivery.queue import GROUP
from bot.demo import SampleFeeds, demo_settings
from bot.runtime import open_runtime
from bot.store import counters
from bot.store.edition_store import EditionStore
from summaries.sources import make_source
from tests.bot.web.conftest import Site
from tests.sample_edition import sample_edition

SERIES = {
    "aitoday_redis_up": "gauge",
    "aitoday_fetches": "counter",
    "aitoday_articles": "counter",
    "aitoday_articles_stored": "gauge",
    "aitoday_cards": "counter",
    "aitoday_llm_tokens": "counter",
    "aitoday_deliveries": "counter",
    "aitoday_webhook_rejections": "counter",
    "aitoday_queue_length": "gauge",
    "aitoday_queue_pending": "gauge",
    "aitoday_queue_pending_age_seconds": "gauge",
    "aitoday_queue_retrying": "gauge",
    "aitoday_dead_letters": "gauge",
    "aitoday_subscriptions_scheduled": "gauge",
    "aitoday_llm_tokens_today": "gauge",
    "aitoday_edition_cards": "gauge",
}


async def _scrape(site: Site) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        expected = SERIES.get(family.name) or ("counter" if family.name[len("aitoday_"):] in counters.COUNTERS else "")
        assert expected == family.type, family.name
        found[family.name] = {tuple(sorted(s.labels.items())): s.value for s in family.samples
                              if not s.name.endswith("_created")}
    return found


async def test_metrics_carry_every_series_even_before_any_work(site: Site) -> None:
    found = await _scrape(site)
    assert set(SERIES) <= set(found)
    assert found["aitoday_redis_up"] == {(): 1.0}


async def test_counters_bumped_by_any_process_show_up_with_their_labels(site: Site) -> None:
    redis = site.services.runtime.redis
    await counters.incr(redis, "fetches", {"outcome": "ok"}, amount=3)
    await counters.incr(redis, "fetches", {"outcome": "timeout"})
    await counters.incr(redis, "deliveries", {"channel": "email", "class": "sent"})
    await counters.incr(redis, "deliveries", {"class": "rate_limited", "channel": "telegram"}, amount=2)
    await counters.incr(redis, "llm_tokens", {"kind": "prompt"}, amount=812)
    await counters.incr(redis, "cards", {"summarizer": "llm:gpt-x"})
    await counters.incr(redis, "articles", amount=25)
    await counters.incr(redis, "webhook_rejections", {"channel": "line", "reason": "signature"})
    found = await _scrape(site)
    assert found["aitoday_fetches"] == {(("outcome", "ok"),): 3.0, (("outcome", "timeout"),): 1.0}
    assert found["aitoday_deliveries"][(("channel", "telegram"), ("class", "rate_limited"))] == 2.0
    assert found["aitoday_deliveries"][(("channel", "email"), ("class", "sent"))] == 1.0
    assert found["aitoday_llm_tokens"] == {(("kind", "prompt"),): 812.0}
    assert found["aitoday_cards"] == {(("summarizer", "llm:gpt-x"),): 1.0}
    assert found["aitoday_articles"] == {(): 25.0}
    assert found["aitoday_webhook_rejections"] == {(("channel", "line"), ("reason", "signature")): 1.0}


async def test_figures_other_parts_keep_are_read_where_they_live(site: Site) -> None:
    redis = site.services.runtime.redis
    today = datetime.now(UTC).date()
    await redis.set(keys.llm_tokens(today.isoformat()), 1234)
    edition = sample_edition("en", day=today)
    mixed = replace(edition, stories=(replace(edition.stories[0], card=replace(edition.stories[0].card,
                                                                               summarizer="llm:gpt-x")),
                                      *edition.stories[1:]))
    await EditionStore(redis).save(mixed)
    found = await _scrape(site)
    assert found["aitoday_llm_tokens_today"] == {(): 1234.0}
    assert found["aitoday_edition_cards"] == {(("language", "en"), ("summarizer", "llm:gpt-x")): 1.0,
                                              (("language", "en"), ("summarizer", "offline")): 7.0}


async def test_a_misspelt_counter_fails_loudly(site: Site) -> None:
    with pytest.raises(counters.UnknownCounter):
        await counters.incr(site.services.runtime.redis, "delivery", {"channel": "email"})


async def _queue_with_a_stuck_delivery(site: Site, age_seconds: float) -> None:
    """Shard 3: one entry read by a worker and never acknowledged, two unread; shard 9: one unread, one
    waiting for a retry; shard 5: one dead letter."""
    redis = site.services.runtime.redis
    stream = keys.shard_stream(3)
    old_ms = int((time.time() - age_seconds) * 1000)
    await redis.xadd(stream, {"u": "d1"}, id=f"{old_ms}-0")
    await redis.xgroup_create(stream, GROUP, id="0")
    await redis.xreadgroup(GROUP, "worker-1", {stream: ">"}, count=1)  # read, never acknowledged
    await redis.xadd(stream, {"u": "d2"})
    await redis.xadd(stream, {"u": "d3"})
    await redis.xgroup_create(keys.shard_stream(9), GROUP, id="0", mkstream=True)
    await redis.xadd(keys.shard_stream(9), {"u": "d4"})
    await redis.zadd(keys.shard_retry(9), {"d5": time.time() + 60})
    await redis.xadd(keys.shard_dead(5), {"u": "d0", "reason": "render_bug"})


async def test_queue_figures_come_from_the_stream_itself(site: Site) -> None:
    await _queue_with_a_stuck_delivery(site, age_seconds=1200)
    found = await _scrape(site)
    assert found["aitoday_queue_length"] == {(): 3.0}
    assert found["aitoday_queue_retrying"] == {(): 1.0}
    assert found["aitoday_queue_pending"] == {(): 1.0}
    assert 1195 < found["aitoday_queue_pending_age_seconds"][()] < 1300
    assert found["aitoday_dead_letters"] == {(): 1.0}


async def test_healthz_reports_lease_and_lag_and_degrades_without_failing(site: Site) -> None:
    redis = site.services.runtime.redis
    async with httpx.AsyncClient(base_url=site.url) as client:
        empty = (await client.get("/healthz")).json()
        assert empty["status"] == "degraded"
        assert "no scheduler holds the lease" in empty["problems"]
        await redis.set(keys.scheduler_lease(), f"host-a:123 {time.time() - 5}", px=60_000)
        fresh = await client.get("/healthz")
        assert fresh.status_code == 200
        body = fresh.json()
        assert body["status"] == "ok", body
        assert body["scheduler"]["holder"] == "host-a:123"
        assert 4 < body["scheduler"]["lease_age_seconds"] < 30
        await _queue_with_a_stuck_delivery(site, age_seconds=3600)
        stuck = (await client.get("/healthz")).json()
    assert stuck["status"] == "degraded"
    assert stuck["queue"]["pending"] == 1 and stuck["queue"]["length"] == 3


async def test_an_ingest_run_counts_fetches_by_outcome_and_new_articles(site: Site, tmp_path: Path) -> None:
    settings = demo_settings(site.services.settings, tmp_path / "d").model_copy(
        update={"redis_url": site.services.runtime.redis_url})
    async with SampleFeeds() as feeds, open_runtime(settings) as runtime:
        broken = make_source(f"{feeds.base_url}/missing.xml", name="Broken feed")
        await run_ingest(runtime, sources=[*feeds.sources(), broken], force=True)
    found = await _scrape(site)
    fetches = {dict(labels)["outcome"]: value for labels, value in found["aitoday_fetches"].items()}
    assert fetches.pop("ok") == 6.0
    assert list(fetches.values()) == [1.0], fetches  # the broken feed, by its failure class
    assert found["aitoday_articles"] == {(): 25.0}
