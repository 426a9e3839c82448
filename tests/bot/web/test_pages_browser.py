"""The landing and edition pages in headless Chromium: cards at phone and desktop widths, no sideways
scrolling, the time zone filled in by the browser, and a keyboard path to the content. Screenshots are saved
under test-artifacts/ for a human to look at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.bot.web.conftest import Site, store_sample_editions
from tests.browser import ARTIFACTS, horizontal_overflow

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)


async def _open(browser: Any, url: str, width: int, **context: Any) -> Any:
    page = await (await browser.new_context(viewport={"width": width, "height": 900}, **context)).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    response = await page.goto(url)
    assert response is not None
    page.status = response.status
    return page


async def _overflow(page: Any) -> int:
    """How far the page is wider than the viewport (0 when nothing scrolls sideways); names the offenders."""
    found = await horizontal_overflow(page)
    excess = int(found["scrollWidth"]) - int(found["clientWidth"])
    assert excess <= 0, found["offenders"]
    return excess


@pytest.mark.parametrize("width", WIDTHS)
async def test_landing_shows_cards_without_sideways_scrolling(site: Site, browser: Any, width: int) -> None:
    await store_sample_editions(site)
    page = await _open(browser, site.url + "/", width, timezone_id="Asia/Tokyo", locale="en-US")
    assert page.status == 200
    cards = page.locator("article.card")
    assert await cards.count() == 6
    assert await cards.first.is_visible()
    assert await _overflow(page) <= 0
    # the inline script (allowed by its CSP hash) filled in the browser's zone
    assert await page.get_by_label("Time zone").input_value() == "Asia/Tokyo"
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"landing-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
async def test_japanese_edition_page_shows_every_card_at_any_width(site: Site, browser: Any, width: int) -> None:
    await store_sample_editions(site)
    today = datetime.now(UTC).date().isoformat()
    page = await _open(browser, f"{site.url}/editions/{today}/ja", width, locale="ja-JP")
    assert page.status == 200
    assert await page.locator("article.card").count() == 8
    assert await page.locator("html").get_attribute("lang") == "ja"
    assert await page.get_by_text("何が起きたか").first.is_visible()
    assert await _overflow(page) <= 0
    # hostile feed text is shown as text, never run
    assert await page.evaluate("document.querySelectorAll('article script').length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"edition-ja-{width}.png"), full_page=True)


async def test_dark_mode_keeps_the_cards_readable(site: Site, browser: Any) -> None:
    await store_sample_editions(site)
    page = await _open(browser, site.url + "/", 375, color_scheme="dark")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    ink = await page.evaluate("getComputedStyle(document.querySelector('.card dd')).color")
    assert background != ink and background.startswith("rgb(13, 17, 26")
    assert await _overflow(page) <= 0
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "landing-375-dark.png"), full_page=True)


async def test_keyboard_reaches_the_content_and_every_field_has_a_label(site: Site, browser: Any) -> None:
    await store_sample_editions(site)
    page = await _open(browser, site.url + "/", 375, locale="ja-JP")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert await page.evaluate("location.hash") == "#main"
    for label in ("メールアドレス", "配信時刻", "タイムゾーン", "ダイジェストの言語"):
        assert await page.get_by_label(label).count() == 1, label
    # the switch goes to English and stays there
    await page.get_by_role("link", name="English").click()
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.goto(site.url + "/")
    assert await page.locator("html").get_attribute("lang") == "en"


async def test_unknown_page_is_the_friendly_404(site: Site, browser: Any) -> None:
    page = await _open(browser, site.url + "/editions/1999-01-01/en", 375)
    assert page.status == 404
    await page.get_by_role("link", name="Back to the front page").click()
    assert await page.locator("h1").first.inner_text() != ""
    assert await _overflow(page) <= 0
