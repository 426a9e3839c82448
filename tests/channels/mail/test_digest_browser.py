"""The digest as a mail client would show it: the HTML part of a sent mail, in headless Chromium.

At a phone width (375 px) and a desktop width (1024 px), in light and dark mode, every story card is visible
and nothing sticks out sideways. Screenshots land in ``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import pytest

from channels.base import Delivery, Recipient
from channels.mail.channel import MailChannel, MailConfig
from tests.browser import ARTIFACTS, horizontal_overflow
from tests.sample_edition import sample_edition

from .conftest import MAIL_FROM

pytestmark = pytest.mark.browser


async def _sent_html(tmp_path: Path, language: str) -> tuple[str, int]:
    """Send a digest to the outbox and read the HTML part back, as a receiving client would."""
    edition = sample_edition(language)
    channel = MailChannel(MailConfig(mail_from=MAIL_FROM, public_url="https://news.example.com",
                                     outbox_dir=tmp_path / "outbox"))
    await channel.send(Delivery("d1", Recipient("email", "reader@example.org", language,
                                                {"preferences_url": "https://news.example.com/preferences/t",
                                                 "unsubscribe_url": "https://news.example.com/unsubscribe/t"}),
                                edition))
    raw = next((tmp_path / "outbox").glob("*.eml")).read_bytes()
    part = email.message_from_bytes(raw, policy=policy.default).get_body(("html",))
    assert part is not None
    return str(part.get_content()), len(edition.stories)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "scheme", "language"), [
    (375, "light", "en"), (1024, "light", "en"), (375, "dark", "en"), (375, "light", "ja"),
])
async def test_digest_cards_are_visible_and_nothing_overflows(
    browser_page: Any, tmp_path: Path, width: int, scheme: str, language: str
) -> None:
    html, stories = await _sent_html(tmp_path, language)
    page = browser_page
    await page.set_viewport_size({"width": width, "height": 900})
    await page.emulate_media(color_scheme=scheme)
    await page.set_content(html, wait_until="load")

    cards = page.locator("table.card")
    assert await cards.count() == stories
    for index in range(stories):
        card = cards.nth(index)
        await card.scroll_into_view_if_needed()
        assert await card.is_visible()
        box = await card.bounding_box()
        assert box is not None and box["width"] > 200
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        assert await card.locator("h2.title a").count() == 1

    overflow = await horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    assert overflow["offenders"] == [], overflow
    if width >= 1024:
        first = await cards.first.bounding_box()
        assert first is not None and first["width"] <= 602  # the 600 px column, centred
    if scheme == "dark":
        background = await cards.first.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background == "rgb(27, 31, 39)"  # the dark card colour, not white

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"email-digest-{language}-{scheme}-{width}.png"), full_page=True)
    assert (ARTIFACTS / f"email-digest-{language}-{scheme}-{width}.png").stat().st_size > 10_000
