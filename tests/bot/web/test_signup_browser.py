"""A reader's whole email journey in headless Chromium, from the landing page to the one-click unsubscribe:
sign up → the confirmation mail in the outbox → open its link → change time, reading minutes and topics →
unsubscribe."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from bot.store.models import Identity
from tests.bot.web.conftest import Site, store_sample_editions
from tests.browser import ARTIFACTS

pytestmark = pytest.mark.browser

ADDRESS = "reader@example.com"


def _only_mail(outbox: Path) -> Any:
    mails = sorted(outbox.glob("*.eml"))
    assert len(mails) == 1, mails
    return message_from_bytes(mails[0].read_bytes(), policy=default_policy)


async def test_sign_up_confirm_change_preferences_and_unsubscribe(site: Site, browser: Any) -> None:
    await store_sample_editions(site)
    ARTIFACTS.mkdir(exist_ok=True)
    store = site.services.store
    identity = Identity.parse(f"email:{ADDRESS}")
    context = await browser.new_context(viewport={"width": 375, "height": 900}, timezone_id="Asia/Tokyo",
                                        locale="en-US")
    page = await context.new_page()

    # 1. the landing page's form, the zone filled in by the browser
    await page.goto(site.url + "/")
    await page.get_by_label("Email address").fill(ADDRESS)
    await page.get_by_label("Delivery time").fill("07:15")
    assert await page.get_by_label("Time zone").input_value() == "Asia/Tokyo"
    await page.get_by_role("button", name="Get Started Free").click()
    await page.wait_for_load_state()
    assert "Check your inbox" in await page.locator("h1").inner_text()
    assert await store.get(identity) is None  # nothing until the reader confirms

    # 2. the confirmation mail in the outbox carries the link
    mail = _only_mail(site.services.settings.outbox_dir)
    assert mail["To"] == ADDRESS
    text = mail.get_body(("plain",)).get_content()
    link = re.search(re.escape(site.url) + r"/confirm/\S+", text)
    assert link is not None, text

    # 3. opening it subscribes with the time and zone chosen on the form
    await page.goto(link.group(0))
    assert "subscribed" in (await page.locator("h1").inner_text()).lower()
    sub = await store.get(identity)
    assert sub is not None and sub.active
    assert (sub.delivery_time.strftime("%H:%M"), sub.timezone) == ("07:15", "Asia/Tokyo")
    await page.screenshot(path=str(ARTIFACTS / "signup-confirmed-375.png"), full_page=True)

    # 4. the preferences page: a new time, ten minutes of reading a day and two topics
    await page.get_by_role("link", name="Change your preferences").click()
    assert await page.get_by_label("Minutes of reading a day").input_value() == str(sub.minutes)
    await page.get_by_label("Delivery time").fill("06:45")
    await page.get_by_label("Minutes of reading a day").fill("10")
    await page.get_by_label("robotics").check()
    await page.get_by_label("policy").check()
    await page.get_by_role("button", name="Save preferences").click()
    await page.wait_for_load_state()
    sub = await store.get(identity)
    assert sub is not None
    assert sub.delivery_time.strftime("%H:%M") == "06:45"
    assert set(sub.topics) == {"robotics", "policy"}
    assert sub.minutes == 10
    assert await page.get_by_label("robotics").is_checked()
    assert await page.get_by_label("Minutes of reading a day").input_value() == "10"
    assert "Reading time: 10 min" in await page.locator(".lede").inner_text()  # the settings say so

    # 4b. a reading time out of range is refused in one line, and nothing changes
    await page.get_by_label("Minutes of reading a day").fill("45")
    await page.get_by_role("button", name="Save preferences").click()
    await page.wait_for_load_state()
    assert "30" in await page.locator("p.error").inner_text()
    assert (await store.get(identity)).minutes == 10
    await page.screenshot(path=str(ARTIFACTS / "signup-preferences-375.png"), full_page=True)

    # 5. unsubscribe: the link shows a page with one button; pressing it is the one-click POST
    await page.get_by_role("link", name=re.compile("unsubscribe", re.IGNORECASE)).click()
    assert (await store.get(identity)).active  # a GET (a mail scanner) changes nothing
    await page.get_by_role("button", name="Unsubscribe").click()
    await page.wait_for_load_state()
    sub = await store.get(identity)
    assert sub is not None and not sub.active
    await page.screenshot(path=str(ARTIFACTS / "signup-unsubscribed-375.png"), full_page=True)
    await context.close()
