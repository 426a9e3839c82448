"""A reader's way through a story page in headless Chromium, at phone and desktop widths: the landing page →
a story with related articles → log in with the magic link from the outbox → comment → a hostile comment
shows as text → log out → the prompt returns. And the sign-up form's "takes 30 seconds", measured.

Screenshots go to test-artifacts/ (``story-<width>.png``, ``story-discussion-<width>.png``, ...) for a human.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.bot.web.conftest import Site, store_sample_editions
from tests.bot.web.readers import login_link
from tests.browser import ARTIFACTS, horizontal_overflow

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script> <a href="javascript:alert(3)">x</a> \u202eevil'

# Keystroke-level model (Card, Moran & Newell): the time a person needs for the actions a form asks of them.
_MENTAL, _POINT, _CLICK, _KEY = 1.35, 1.1, 0.2, 0.28  # seconds; _KEY is an average non-secretary typist


async def _page(browser: Any, width: int, **context: Any) -> Any:
    ctx = await browser.new_context(viewport={"width": width, "height": 900}, **context)
    page = await ctx.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: page.problems.append("dialog: " + d.message))
    return page


async def _no_sideways_scroll(page: Any) -> None:
    found = await horizontal_overflow(page)
    assert int(found["scrollWidth"]) <= int(found["clientWidth"]), found["offenders"]


@pytest.mark.parametrize("width", WIDTHS)
async def test_story_related_login_comment_and_logout(site: Site, browser: Any, width: int) -> None:
    await store_sample_editions(site)
    ARTIFACTS.mkdir(exist_ok=True)
    address = f"reader{width}@example.com"
    page = await _page(browser, width, locale="en-US", timezone_id="Europe/Berlin")

    # the landing page: a card's title opens the story's own page
    await page.goto(site.url + "/")
    await page.locator("article.card h3 a").nth(2).click()
    await page.wait_for_load_state()
    assert page.url.endswith("/stories/s03")
    assert await page.locator("h1").inner_text() == "NVIDIA unveils Rubin GPUs: 3x faster training"
    assert await page.locator(".mini-card").count() >= 3
    assert await page.get_by_text("No comments yet. Be the first to share your thoughts!").is_visible()
    assert await page.get_by_role("link", name="Log in to join the discussion").is_visible()
    assert await page.get_by_label("Time zone").input_value() == "Europe/Berlin"
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(ARTIFACTS / f"story-{width}.png"), full_page=True)

    # log in: ask for a link, open it from the outbox, press the button
    await page.get_by_role("link", name="Log in to join the discussion").click()
    await page.get_by_label("Email address").fill(address)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    assert await page.locator("h1").inner_text() == "Check your inbox"
    await _no_sideways_scroll(page)
    await page.goto(login_link(site.services.settings.outbox_dir, address))
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state()
    assert page.url.endswith("/stories/s03")

    # the first comment asks for a display name; it shows at once
    await page.get_by_label("Display name").fill("Mika")
    await page.get_by_label("Your comment").fill("Three times faster at the same power is a big claim.")
    await page.get_by_role("button", name="Post comment").click()
    await page.wait_for_load_state()
    comment = page.locator("li.comment").first
    assert await comment.locator(".comment-body").inner_text() == "Three times faster at the same power is a big claim."
    assert await comment.locator(".comment-name").inner_text() == "Mika"
    assert await page.get_by_text("Your comment is posted.").is_visible()

    # a hostile comment is shown as the text it is, and nothing runs
    assert await page.get_by_label("Display name").count() == 0  # chosen once
    await page.get_by_label("Your comment").fill(HOSTILE)
    await page.get_by_role("button", name="Post comment").click()
    await page.wait_for_load_state()
    body = page.locator("li.comment .comment-body").nth(1)
    shown = await body.inner_text()
    assert '<img src=x onerror="alert(1)"><script>alert(2)</script>' in shown and "[U+202E]evil" in shown
    assert await body.locator("script, img, a").count() == 0
    assert page.problems == []
    await _no_sideways_scroll(page)
    await page.locator("#discussion").scroll_into_view_if_needed()
    await page.screenshot(path=str(ARTIFACTS / f"story-discussion-{width}.png"), full_page=True)

    # log out: the prompt returns, the comments stay
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("link", name="Log in to join the discussion").is_visible()
    assert await page.locator("li.comment").count() == 2
    assert page.problems == []


async def test_japanese_story_page_reads_in_japanese(site: Site, browser: Any) -> None:
    await store_sample_editions(site)
    page = await _page(browser, 375, locale="ja-JP")
    await page.goto(site.url + "/stories/s05/ja")
    assert await page.locator("html").get_attribute("lang") == "ja"
    for words in ("関連記事", "ディスカッション", "まだコメントはありません。最初の感想をどうぞ！"):
        assert await page.get_by_text(words, exact=True).first.is_visible()
    assert await page.get_by_role("link", name="ログインしてディスカッションに参加").is_visible()
    await _no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "story-ja-375.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
async def test_signing_up_takes_well_under_30_seconds(site: Site, browser: Any, width: int) -> None:
    """"takes 30 seconds": the fields a person must touch, costed by the keystroke-level model, and the
    browser's own time for filling and submitting (recorded in test-artifacts/, not asserted)."""
    await store_sample_editions(site)
    address = "quick.reader@example.com"
    page = await _page(browser, width, locale="en-US", timezone_id="America/New_York")
    await page.goto(site.url + "/stories/s01")
    form = page.locator("form.signup")
    prefilled = {name: await form.locator(f"[name={name}]").input_value() for name in ("time", "timezone", "language")}
    assert prefilled == {"time": "07:30", "timezone": "America/New_York", "language": "en"}
    started = time.monotonic()
    await page.get_by_label("Email address").click()
    await page.keyboard.type(address)
    await page.get_by_role("button", name="Get Started Free").click()
    await page.wait_for_load_state()
    automated = time.monotonic() - started
    assert await page.locator("h1").inner_text() == "Check your inbox"
    # a person: decide, point at the field, click, type the address; decide, point at the button, click
    human = 2 * (_MENTAL + _POINT + _CLICK) + _KEY * len(address)
    assert human < 30
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"signup-timing-{width}.json").write_text(json.dumps(
        {"fields_to_fill": 1, "keystrokes": len(address), "klm_seconds": round(human, 1),
         "browser_seconds": round(automated, 2)}))
