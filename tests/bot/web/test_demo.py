"""The demo pipeline on the bundled sample feeds, over a real loopback server, and the pages' sample fallback."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.demo import SampleFeeds, demo_settings, render_sample, run_pipeline, seed_sample_editions
from bot.runtime import open_runtime
from bot.settings import load_settings
from bot.store.edition_store import EditionStore
from summaries.sources import parse_opml, sample_names
from tests.bot.web.conftest import Site
from tests.sample_edition import sample_edition

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_samples_are_a_day_of_25_items_over_six_feeds_with_dates_filled_in() -> None:
    feeds = [n for n in sample_names() if n.endswith(".xml")]
    assert len(feeds) == 6
    items = 0
    for name in feeds:
        text = render_sample(name, base_url="http://127.0.0.1:1", now=NOW)
        assert not re.search(r"@ago:\d", text)
        items += text.count("<item>") + text.count("<entry>")
    assert items == 25
    assert "<pubDate>Fri, 27 Nov 2026 00:00:00 GMT</pubDate>" in render_sample("lumen-labs.xml", base_url="", now=NOW)
    assert "<published>2026-11-27T06:00:00+00:00</published>" in render_sample("the-circuit.xml", base_url="", now=NOW)
    sources = parse_opml(render_sample("sources.opml", base_url="http://127.0.0.1:9", now=NOW))
    assert len(sources) == 6
    assert all(s.feed_url.startswith("http://127.0.0.1:9/") for s in sources)
    assert {s.language for s in sources} == {"en", "ja"}


async def test_the_pipeline_turns_the_samples_into_editions_with_multi_source_stories(redis_url: str,
                                                                                       tmp_path: Path) -> None:
    settings = demo_settings(load_settings(), tmp_path / "demo").model_copy(update={"redis_url": redis_url})
    async with open_runtime(settings) as runtime:
        made = await run_pipeline(runtime)
    assert [o.status for o in made.report.outcomes] == ["ok"] * 6
    assert made.report.new == 25
    english = made.editions["en"]
    assert len(english.stories) >= 10
    lead = english.stories[0]
    assert lead.source_count >= 4, "the Lumen-4 launch is told by several outlets: one story"
    assert lead.title.startswith("Introducing Lumen-4")
    assert all(s.card.what_happened and s.card.why_it_matters and s.card.what_to_watch for s in english.stories)
    assert any(s.card.language == "ja" for s in english.stories)


async def test_sample_feeds_server_answers_404_for_anything_else() -> None:
    async with SampleFeeds(now=NOW) as feeds, httpx.AsyncClient(base_url=feeds.base_url) as client:
        assert (await client.get("/lumen-labs.xml")).status_code == 200
        assert (await client.get("/../pyproject.toml")).status_code == 404
        assert (await client.get("/nope.xml")).status_code == 404


async def test_a_fresh_site_shows_labelled_sample_cards_until_a_real_edition_has_stories(site: Site) -> None:
    runtime = site.services.runtime
    assert await seed_sample_editions(runtime) is True
    async with httpx.AsyncClient(base_url=site.url) as client:
        page = (await client.get("/")).text
        assert "sample stories from the demo" in page
        assert page.count('class="card"') == 6
        assert 'href="/editions/sample/en"' in page
        full = await client.get("/editions/sample/ja")
        assert full.status_code == 200 and "デモ用のサンプル" in full.text
        # a real edition with stories wins, and the seed never runs twice
        await EditionStore(runtime.redis).save(sample_edition("en", day=datetime.now(UTC).date()))
        real = (await client.get("/")).text
    assert "sample stories from the demo" not in real
    assert "OpenAI releases GPT-6" in real
    assert await seed_sample_editions(runtime) is False


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_no_sample_edition_means_the_plain_empty_state(site: Site, lang: str) -> None:
    async with httpx.AsyncClient(base_url=site.url) as client:
        assert (await client.get(f"/editions/sample/{lang}")).status_code == 404
