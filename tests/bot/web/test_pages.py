"""The landing and edition pages over real HTTP: cards, escaping, languages, the sign-up form, 404s."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from tests.bot.web.conftest import Site, store_sample_editions
from tests.sample_edition import sample_edition


async def _get(site: Site, path: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site.url) as client:
        return await client.get(path, headers=headers)


async def test_landing_without_an_edition_says_so_and_still_offers_the_sign_up(site: Site) -> None:
    response = await _get(site, "/")
    assert response.status_code == 200
    assert "No edition has been built yet" in response.text
    for field in ('for="email"', 'for="time"', 'for="timezone"', 'for="language"'):
        assert field in response.text
    assert 'action="/subscribe"' in response.text


async def test_landing_shows_todays_top_stories_as_escaped_cards(site: Site) -> None:
    await store_sample_editions(site)
    response = await _get(site, "/")
    assert response.text.count('class="card"') == 6
    assert "What happened" in response.text
    assert "alert(1)" not in response.text  # feed markup is dropped, as in the email digest
    assert "Boston Dynamics shows Atlas sorting parcels" in response.text
    assert "GPT-6 with 1M-token context &amp; tool use" in response.text
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers


async def test_accept_language_picks_japanese_and_the_switch_overrides_and_sticks(site: Site) -> None:
    await store_sample_editions(site)
    ja = await _get(site, "/", **{"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    assert '<html lang="ja">' in ja.text
    assert "トップニュース" in ja.text
    async with httpx.AsyncClient(base_url=site.url) as client:
        switched = await client.get("/?lang=en", headers={"Accept-Language": "ja"})
        assert '<html lang="en">' in switched.text
        again = await client.get("/", headers={"Accept-Language": "ja"})
        assert '<html lang="en">' in again.text


async def test_edition_page_shows_every_story_and_links_the_other_language(site: Site) -> None:
    await store_sample_editions(site)
    today = datetime.now(UTC).date().isoformat()
    response = await _get(site, f"/editions/{today}/ja")
    assert response.status_code == 200
    assert response.text.count('class="card"') == 8
    assert "何が起きたか" in response.text
    assert f'href="/editions/{today}/en"' in response.text
    undated = await _get(site, f"/editions/{today}", **{"Accept-Language": "en"})
    assert '<html lang="en">' in undated.text


async def test_only_http_links_reach_a_page(site: Site) -> None:
    from dataclasses import replace

    from bot import keys

    today = datetime.now(UTC).date()
    edition = sample_edition("en", day=today)
    hostile = replace(edition, stories=(replace(edition.stories[0], url="javascript:alert(document.cookie)"),
                                        *edition.stories[1:]))
    await site.services.runtime.redis.set(keys.edition(today.isoformat(), "en"), json.dumps(hostile.to_dict()))
    response = await _get(site, f"/editions/{today.isoformat()}/en")
    assert response.status_code == 200
    assert "javascript:" not in response.text
    assert "OpenAI releases GPT-6" in response.text


async def test_an_edition_links_the_editions_before_and_after_it(site: Site) -> None:
    from datetime import timedelta

    from bot.store.edition_store import EditionStore

    today = datetime.now(UTC).date()
    for back in (0, 1, 3):
        await EditionStore(site.services.runtime.redis).save(sample_edition("en", day=today - timedelta(days=back)))
    middle = (today - timedelta(days=1)).isoformat()
    page = (await _get(site, f"/editions/{middle}/en")).text
    assert f'href="/editions/{(today - timedelta(days=3)).isoformat()}/en" rel="prev"' in page
    assert f'href="/editions/{today.isoformat()}/en" rel="next"' in page
    newest = (await _get(site, f"/editions/{today.isoformat()}/en")).text
    assert 'rel="next"' not in newest and 'rel="prev"' in newest


async def test_missing_edition_and_unknown_paths_get_the_friendly_404(site: Site) -> None:
    for path in ("/editions/2001-01-01/en", "/editions/not-a-date", "/editions/2026-11-27/fr", "/nope"):
        response = await _get(site, path)
        assert response.status_code == 404, path
        assert "Back to the front page" in response.text, path
        assert "Traceback" not in response.text
