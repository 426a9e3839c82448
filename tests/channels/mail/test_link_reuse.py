"""Confirm links are single-use and never undo a later change (issue 14, row 6), over real HTTP.

A confirm link stays valid for days; a reader (or a mail scanner, or someone with the old mail) clicking it
again must not re-subscribe an address that left, nor put back the time asked for at sign-up.
"""

from __future__ import annotations

import email
import re
from email import policy

from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose

from .conftest import EmailSite

READER = "reader@example.org"
IDENTITY = Identity.parse("email:" + READER)


def _confirm_paths(site: EmailSite) -> list[str]:
    """The confirm link of every mail in the outbox, in the order they were sent."""
    paths = []
    for mail in site.mails():
        message = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(r"/confirm/\S+", body.get_content())
        assert found is not None
        paths.append((message["Date"], found.group(0)))
    return [path for _, path in paths]


def _link(site: EmailSite, purpose: Purpose) -> str:
    return f"/{purpose.value}/" + LinkTokens.from_settings(site.services.settings).make(purpose, {"s": IDENTITY.sid})


async def test_a_confirm_link_used_again_does_not_reset_a_changed_time(site: EmailSite) -> None:
    await site.client.post("/subscribe", data=site.form({"email": READER, "time": "06:45", "timezone": "Asia/Tokyo"}))
    [confirm] = _confirm_paths(site)
    assert (await site.client.get(confirm)).status_code == 200
    await site.client.post(_link(site, Purpose.PREFERENCES), data={"time": "08:00"})
    again = await site.client.get(confirm)
    assert again.status_code == 200
    assert "already used" in again.text
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and sub.active
    assert sub.delivery_time.strftime("%H:%M") == "08:00"


async def test_a_confirm_link_never_resubscribes_an_address_that_left(site: EmailSite) -> None:
    # Two sign-ups, so two valid confirm links; the reader confirms one, then leaves with one click.
    await site.client.post("/subscribe", data=site.form({"email": READER}))
    await site.client.post("/subscribe", data=site.form({"email": READER, "time": "21:00"}))
    first, second = sorted(_confirm_paths(site))
    assert (await site.client.get(first)).status_code == 200
    left = await site.client.post(_link(site, Purpose.UNSUBSCRIBE), content=b"List-Unsubscribe=One-Click")
    assert left.status_code == 200
    for path in (first, second):  # the used one and the unused older one: neither undoes the unsubscribe
        response = await site.client.get(path)
        assert "already used" in response.text
        sub = await site.services.store.get(IDENTITY)
        assert sub is not None and not sub.active
        assert sub.delivery_time.strftime("%H:%M") != "21:00"


async def test_a_new_sign_up_after_leaving_confirms_normally(site: EmailSite) -> None:
    await site.client.post("/subscribe", data=site.form({"email": READER}))
    [first] = _confirm_paths(site)
    await site.client.get(first)
    await site.client.post(_link(site, Purpose.UNSUBSCRIBE), content=b"List-Unsubscribe=One-Click")
    await site.client.post("/subscribe", data=site.form({"email": READER, "time": "05:30"}))
    [fresh] = [path for path in _confirm_paths(site) if path != first]
    response = await site.client.get(fresh)
    assert "You&#39;re subscribed" in response.text
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and sub.active
    assert sub.delivery_time.strftime("%H:%M") == "05:30"
