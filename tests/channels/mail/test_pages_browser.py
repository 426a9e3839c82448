"""The subscriber's own pages (preferences, unsubscribe, confirm) in headless Chromium on a phone and a desktop."""

from __future__ import annotations

from typing import Any

import pytest

from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose
from tests.browser import ARTIFACTS, horizontal_overflow

from .conftest import EmailSite

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1024])
async def test_preferences_and_unsubscribe_pages_fit_and_work(
    site: EmailSite, browser_page: Any, width: int
) -> None:
    identity = Identity.parse("email:reader@example.org")
    await site.services.commands.handle(identity, "subscribe")
    tokens = LinkTokens.from_settings(site.services.settings)
    page = browser_page
    await page.set_viewport_size({"width": width, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)

    await page.goto(f"{site.url}/preferences/{tokens.make(Purpose.PREFERENCES, {'s': identity.sid})}")
    assert await page.locator("form input[name=time]").is_visible()
    overflow = await horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"] and overflow["offenders"] == [], overflow
    await page.screenshot(path=str(ARTIFACTS / f"email-preferences-{width}.png"), full_page=True)
    await page.fill("input[name=items]", "7")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    assert "7 stories" in await page.inner_text("main")
    sub = await site.services.store.get(identity)
    assert sub is not None and sub.items == 7

    await page.goto(f"{site.url}/unsubscribe/{tokens.make(Purpose.UNSUBSCRIBE, {'s': identity.sid})}")
    overflow = await horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"] and overflow["offenders"] == [], overflow
    await page.screenshot(path=str(ARTIFACTS / f"email-unsubscribe-{width}.png"), full_page=True)
    sub = await site.services.store.get(identity)
    assert sub is not None and sub.active  # showing the page changed nothing
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    assert "unsubscribed" in await page.inner_text("main")
    sub = await site.services.store.get(identity)
    assert sub is not None and not sub.active
