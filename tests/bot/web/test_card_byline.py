"""The web cards carry the same byline as every channel: source · author · age · reading time (issue 16)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import httpx

from tests.bot.web.conftest import Site, store_sample_editions


async def test_the_edition_page_shows_the_full_byline_in_the_readers_language(site: Site) -> None:
    await store_sample_editions(site)
    today = datetime.now(UTC).date().isoformat()
    async with httpx.AsyncClient(base_url=site.url) as client:
        en = html.unescape((await client.get(f"/editions/{today}/en")).text)
        ja = html.unescape((await client.get(f"/editions/{today}/ja")).text)
    assert "OpenAI · Jane Doe · 2h ago · 3 min read" in en
    assert "Euractiv · 11h ago · 6 min read" in en
    assert "日経クロステック · Jane Doe · 14時間前 · 7分" in ja
