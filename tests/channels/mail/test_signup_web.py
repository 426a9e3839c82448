"""Sign-up, double opt-in, preferences and one-click unsubscribe over real HTTP, with the outbox as the transport.

Reads like what a reader does: post the landing form, open the confirmation mail, follow its link, change
preferences through a digest's link, leave with one click (and a mail scanner that prefetches every link).
"""

from __future__ import annotations

import email
import json
import logging
import re
from email import policy
from pathlib import Path

import pytest
from starlette.applications import Starlette

from bot.app import Services
from bot.store.mail import links_for
from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose
from bot.web import signup as email_routes
from tests.conftest import PAYLOADS

from .conftest import SECRET, EmailSite, email_site

READER = "Jane.Doe@Example.org"
STORED = "jane.doe@example.org"
IDENTITY = Identity.parse("email:" + STORED)


def _confirm_path(site: EmailSite) -> str:
    mails = site.mails()
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/confirm/\S+", body.get_content())
    assert found is not None
    return "/confirm/" + found.group(0).rsplit("/confirm/", 1)[1]


async def _subscribed(site: EmailSite) -> None:
    fields = {"email": READER, "time": "06:45", "timezone": "Asia/Tokyo", "language": "en"}
    response = await site.client.post("/subscribe", data=site.form(fields))
    assert response.status_code == 200
    assert (await site.client.get(_confirm_path(site))).status_code == 200


def _tokens(site: EmailSite) -> LinkTokens:
    return LinkTokens.from_settings(site.services.settings)


def _link(site: EmailSite, purpose: Purpose) -> str:
    return f"/{purpose.value}/" + _tokens(site).make(purpose, {"s": IDENTITY.sid})


# ---------------------------------------------------------------------------------------------- sign-up


async def test_signup_sends_exactly_one_confirmation_and_stores_nothing(
    site: EmailSite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fields = {"email": READER, "time": "7am", "timezone": "tokyo"}
    response = await site.client.post("/subscribe", data=site.form(fields))
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert len(site.mails()) == 1
    message = email.message_from_bytes(site.mails()[0].read_bytes(), policy=policy.default)
    assert message["To"] == STORED
    assert message["List-Unsubscribe"] is None  # transactional: nothing to leave yet
    assert await site.services.store.get(IDENTITY) is None  # nothing stored before the reader confirms
    assert STORED not in caplog.text.lower()  # addresses never logged in full
    assert "j***@example.org" in caplog.text


async def test_confirm_activates_with_the_preferences_asked_for(site: EmailSite) -> None:
    fields = {"email": READER, "time": "7:15", "timezone": "Asia/Tokyo", "language": "ja"}
    await site.client.post("/subscribe", data=site.form(fields))
    response = await site.client.get(_confirm_path(site))
    assert response.status_code == 200
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and sub.active
    assert (sub.delivery_time.strftime("%H:%M"), sub.timezone, sub.language) == ("07:15", "Asia/Tokyo", "ja")
    assert await site.services.store.next_send_of(IDENTITY) is not None
    assert "/preferences/" in response.text
    again = await site.client.get(_confirm_path(site))  # a second click is harmless
    assert again.status_code == 200
    assert len(site.mails()) == 1


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"email": "not-an-address"}, "address"),
        ({"email": "a@b"}, "address"),
        ({"email": "reader@example.org", "time": "25:99"}, "25:99"),
        ({"email": "reader@example.org", "timezone": "Mars/Olympus"}, "Mars/Olympus"),
    ],
)
async def test_bad_signup_input_gets_a_clear_answer_and_no_mail(
    site: EmailSite, fields: dict[str, str], needle: str
) -> None:
    response = await site.client.post("/subscribe", data=site.form(fields))
    assert response.status_code == 400
    assert needle in response.text
    assert site.mails() == []


async def test_a_sign_up_without_the_form_token_is_refused_and_sends_nothing(site: EmailSite) -> None:
    forged = await site.client.post("/subscribe", data={"email": READER})
    wrong = await site.client.post("/subscribe", data={"email": READER, "csrf": "f" * 64})
    assert forged.status_code == wrong.status_code == 403
    assert "This form has expired" in forged.text
    assert site.mails() == []


async def test_repeated_signups_do_not_spam_the_address(redis_url: str, tmp_path: Path) -> None:
    def app(services: Services) -> Starlette:
        limits = email_routes.SignupLimits(per_address=2, per_ip=100)
        return Starlette(routes=email_routes.routes(services, limits))

    async with email_site(redis_url, tmp_path / "data", make_app=app) as site:
        for _ in range(5):
            response = await site.client.post("/subscribe", data=site.form({"email": READER}))
            assert response.status_code == 200  # the same page: it does not reveal the limit
        assert len(site.mails()) == 2


async def test_signups_are_limited_per_client_ip(redis_url: str, tmp_path: Path) -> None:
    def app(services: Services) -> Starlette:
        return Starlette(routes=email_routes.routes(services, email_routes.SignupLimits(per_ip=3)))

    async with email_site(redis_url, tmp_path / "data", make_app=app) as site:
        codes = [(await site.client.post("/subscribe", data=site.form({"email": f"r{n}@example.org"}))).status_code
                 for n in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert len(site.mails()) == 3


# ---------------------------------------------------------------------------------------------- bad links


def _forged(site: EmailSite, purpose: Purpose, payload: dict[str, str]) -> dict[str, str]:
    """Tokens a reader might hold that must all be refused."""
    good = _tokens(site).make(purpose, payload)
    other = Purpose.PREFERENCES if purpose is not Purpose.PREFERENCES else Purpose.UNSUBSCRIBE
    signed_then = site.services.settings.secret()
    return {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "wrong purpose": _tokens(site).make(other, payload),
        "expired": LinkTokens([signed_then], clock=lambda: 1_000_000_000.0).make(purpose, payload),
        "rotated out": LinkTokens(["an-old-key-nobody-lists-anymore"]).make(purpose, payload),
        "garbage": "x" * 40,
    }


@pytest.mark.parametrize("kind", ["tampered", "wrong purpose", "expired", "rotated out", "garbage"])
async def test_bad_confirm_links_are_refused_with_a_friendly_page(site: EmailSite, kind: str) -> None:
    token = _forged(site, Purpose.CONFIRM, {"a": STORED, "l": "", "t": "", "z": ""})[kind]
    response = await site.client.get(f"/confirm/{token}")
    assert response.status_code in (400, 410)
    assert "Nothing was changed" in response.text
    assert "Traceback" not in response.text
    assert await site.services.store.get(IDENTITY) is None


@pytest.mark.parametrize("kind", ["tampered", "wrong purpose", "expired", "rotated out", "garbage"])
async def test_bad_unsubscribe_and_preferences_links_change_nothing(site: EmailSite, kind: str) -> None:
    await _subscribed(site)
    before = await site.services.store.get(IDENTITY)
    bad_unsub = _forged(site, Purpose.UNSUBSCRIBE, {"s": IDENTITY.sid})[kind]
    bad_prefs = _forged(site, Purpose.PREFERENCES, {"s": IDENTITY.sid})[kind]
    responses = [
        await site.client.post(f"/unsubscribe/{bad_unsub}", content=b"List-Unsubscribe=One-Click",
                               headers={"Content-Type": "application/x-www-form-urlencoded"}),
        await site.client.get(f"/unsubscribe/{bad_unsub}"),
        await site.client.post(f"/preferences/{bad_prefs}", data={"time": "21:00", "items": "9"}),
    ]
    for response in responses:
        assert response.status_code in (400, 410)
        assert "Nothing was changed" in response.text
    assert await site.services.store.get(IDENTITY) == before


async def test_a_link_signed_with_the_previous_key_still_works_during_rotation(
    redis_url: str, tmp_path: Path
) -> None:
    old = LinkTokens([SECRET]).make(Purpose.UNSUBSCRIBE, {"s": IDENTITY.sid})
    async with email_site(redis_url, tmp_path / "data", AITODAY_SECRET_KEY="the-new-key-0987654321-rotated-in-2026",
                          AITODAY_SECRET_KEY_PREVIOUS=SECRET) as site:
        await _subscribed(site)
        response = await site.client.post(f"/unsubscribe/{old}", content=b"List-Unsubscribe=One-Click",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200
        sub = await site.services.store.get(IDENTITY)
        assert sub is not None and not sub.active


# ---------------------------------------------------------------------------------------------- unsubscribe


async def test_get_never_unsubscribes_it_shows_a_button(site: EmailSite) -> None:
    await _subscribed(site)
    path = _link(site, Purpose.UNSUBSCRIBE)
    for _ in range(3):  # a link scanner prefetching the URL
        response = await site.client.get(path)
        assert response.status_code == 200
        assert re.search(r'<form method="post" action="/unsubscribe/[^"]+">', response.text)
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and sub.active


def _payload(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((PAYLOADS / "email" / name).read_text(encoding="utf-8"))
    return data


def _one_click_bodies() -> list[tuple[str, str, bytes]]:
    urlencoded = _payload("rfc8058_one_click_urlencoded.json")["receiver_request"]
    multipart = _payload("rfc8058_one_click_multipart.json")
    printed = multipart["receiver_request_as_printed"]
    assert isinstance(urlencoded, dict) and isinstance(printed, dict)
    return [
        ("urlencoded", urlencoded["headers"]["Content-Type"], urlencoded["raw_body"].encode()),
        ("multipart as printed", printed["headers"]["Content-Type"], printed["raw_body"].encode()),
        ("multipart errata", str(multipart["errata_corrected_content_type"]), printed["raw_body"].encode()),
    ]


@pytest.mark.parametrize(("name", "content_type", "body"), _one_click_bodies(), ids=lambda v: str(v)[:20])
async def test_one_click_post_unsubscribes_without_redirect_or_cookie(
    site: EmailSite, name: str, content_type: str, body: bytes
) -> None:
    await _subscribed(site)
    path = _link(site, Purpose.UNSUBSCRIBE)
    for _ in range(2):  # repeated POSTs are harmless
        response = await site.client.post(path, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 200
        assert "location" not in response.headers
        assert "set-cookie" not in response.headers
        assert "unsubscribed" in response.text
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and not sub.active
    assert await site.services.store.next_send_of(IDENTITY) is None


async def test_the_digest_links_are_the_ones_the_routes_accept(site: EmailSite) -> None:
    await _subscribed(site)
    links = links_for(site.services.settings, _tokens(site), STORED, "2026-11-27")
    assert links.view_url == f"{site.url}/editions/2026-11-27"
    assert links.unsubscribe_mailto.startswith("mailto:digest@localhost?subject=unsubscribe%20")
    response = await site.client.get(links.preferences_url.removeprefix(site.url))
    assert response.status_code == 200
    response = await site.client.post(links.unsubscribe_url.removeprefix(site.url), data={})
    assert response.status_code == 200
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and not sub.active


# ---------------------------------------------------------------------------------------------- preferences


async def test_preferences_page_shows_and_changes_every_preference(site: EmailSite) -> None:
    await _subscribed(site)
    path = _link(site, Purpose.PREFERENCES)
    page = await site.client.get(path)
    assert page.status_code == 200
    assert 'value="06:45"' in page.text and 'value="Asia/Tokyo"' in page.text
    assert 'name="items" type="text" inputmode="numeric" pattern="[0-9]*" value="20"' in page.text  # no cap: 5 minutes
    response = await site.client.post(path, data={
        "time": "21:30", "timezone": "Europe/London", "language": "en", "items": "8",
        "topics": ["robotics", "policy"], "pause": "7",
    })
    assert response.status_code == 200
    assert "Delivery time set to 21:30" in response.text
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None
    assert (sub.delivery_time.strftime("%H:%M"), sub.timezone, sub.items) == ("21:30", "Europe/London", 8)
    assert set(sub.topics) == {"robotics", "policy"}
    assert sub.paused_until is not None
    response = await site.client.post(path, data={"time": "21:30", "timezone": "Europe/London", "items": "8",
                                                  "language": "ja", "pause": "resume"})
    sub = await site.services.store.get(IDENTITY)
    assert sub is not None and sub.language == "ja" and sub.paused_until is None and sub.topics == ()
    assert response.status_code == 200


async def test_preferences_reject_what_the_command_language_rejects(site: EmailSite) -> None:
    await _subscribed(site)
    before = await site.services.store.get(IDENTITY)
    response = await site.client.post(_link(site, Purpose.PREFERENCES), data={
        "time": "06:45", "timezone": "Asia/Tokyo", "items": "50",
    })
    assert response.status_code == 400
    assert "out of range" in response.text
    after = await site.services.store.get(IDENTITY)
    assert after is not None and before is not None and after.items == before.items


async def test_one_click_sets_no_cookie_even_when_the_url_asks_for_a_language(site: EmailSite) -> None:
    await _subscribed(site)
    await site.services.commands.handle(IDENTITY, "language ja")
    response = await site.client.post(_link(site, Purpose.UNSUBSCRIBE) + "?lang=ja",
                                      content=b"List-Unsubscribe=One-Click",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert "配信を停止しました" in response.text
