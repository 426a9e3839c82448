"""Links in pages come from known routes, never from the request path (issue 14, row 7)."""

from __future__ import annotations

import re

import httpx

from tests.bot.web.conftest import Site


async def _hrefs(site: Site, raw_path: str, **headers: str) -> tuple[int, list[str]]:
    """Send ``raw_path`` as it is (httpx would normalise ``//host/x`` into another host) and list the links."""
    async with httpx.AsyncClient(base_url=site.url) as client:
        request = client.build_request("GET", site.url, headers=headers)
        request.url = request.url.copy_with(raw_path=raw_path.encode())
        response = await client.send(request)
    return response.status_code, re.findall(r'href="([^"]*)"', response.text)


async def test_a_path_that_looks_like_another_host_never_becomes_a_link(site: Site) -> None:
    for raw in ("//evil.example/x", "//evil.example/x?lang=en", "/\\evil.example/x", "//evil.example/%2e%2e/"):
        status, hrefs = await _hrefs(site, raw, **{"Accept-Language": "ja"})
        assert status == 404
        assert hrefs, raw
        for href in hrefs:
            assert "evil.example" not in href, (raw, href)
            assert not href.startswith("//"), (raw, href)
        assert "/?lang=en" in hrefs and "/?lang=ja" in hrefs  # the switch of a 404 leads home


async def test_the_language_switch_keeps_the_page_it_was_built_for(site: Site) -> None:
    status, hrefs = await _hrefs(site, "/editions/2026-11-27/ja?lang=en")
    assert status == 404  # no edition stored, but the route is ours: its switch rebuilds it
    assert "/editions/2026-11-27/ja?lang=ja" in hrefs
    status, hrefs = await _hrefs(site, "/?lang=ja")
    assert status == 200
    assert "/?lang=en" in hrefs
