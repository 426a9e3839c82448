"""👍/👎 in the email digest: signed links, a page with a button on GET (never a vote), the vote on POST.

The links are the ones the mail channel renders for a real subscriber (``SignedMailLinks``), followed over
loopback HTTP against the running app; a forged or expired token gets 403 and records nothing.
"""

from __future__ import annotations

import re
import time

import httpx

from bot.store.feedback import FeedbackStore, Vote
from bot.store.mail import SignedMailLinks
from bot.store.models import Identity, Subscription
from bot.store.tokens import LinkTokens, Purpose
from channels.mail.render import render_digest
from tests.bot.web.conftest import Site, store_sample_editions
from tests.sample_edition import sample_edition

READER = Identity.parse("email:reader@example.com")


async def _mail_links(site: Site, language: str = "en") -> tuple[str, str, str]:
    """The reader's digest as mailed: (plain text, the like link of story 2, the dislike link of story 1)."""
    await site.services.store.save(Subscription(identity=READER, active=True, language=language))
    await store_sample_editions(site)
    links = SignedMailLinks(site.services.settings, site.services.store).links(READER.address, "2026-11-27")
    mail = render_digest(sample_edition(language), language, links)
    likes = re.findall(r'href="([^"]+/s02/like)"', mail.html)
    dislikes = re.findall(r'href="([^"]+/s01/dislike)"', mail.html)
    assert len(likes) == 1 and len(dislikes) == 1 and likes[0] in mail.text
    return mail.text, likes[0], dislikes[0]


async def _votes(site: Site) -> dict[str, Vote]:
    return await FeedbackStore(site.services.runtime.redis).votes(READER.sid)


async def test_following_a_link_asks_first_and_the_button_records_once(site: Site) -> None:
    text, like, dislike = await _mail_links(site)
    assert "👍 More like this: " + like in text
    async with httpx.AsyncClient() as http:
        page = await http.get(like)  # what a mail scanner does: nothing is recorded
        assert page.status_code == 200 and await _votes(site) == {}
        assert "More stories like this one?" in page.text and "Boston Dynamics" in page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None and like.endswith(action.group(1))
        done = await http.post(like)
        assert done.status_code == 200 and "Noted" in done.text and "more like" in done.text
        again = await http.post(like)
        assert again.status_code == 200 and "You already liked" in again.text
        assert (await http.post(dislike)).status_code == 200
    assert await _votes(site) == {"s02": Vote.UP, "s01": Vote.DOWN}


async def test_a_japanese_reader_is_asked_and_answered_in_japanese(site: Site) -> None:
    _, like, _ = await _mail_links(site, "ja")
    async with httpx.AsyncClient() as http:
        page = await http.get(like)
        assert "この記事のような記事を増やしますか？" in page.text
        done = await http.post(like)
    assert "受け付けました" in done.text and "👍 了解しました" in done.text


async def test_forged_expired_or_bent_links_are_refused_and_record_nothing(site: Site) -> None:
    _, like, _ = await _mail_links(site)
    base, token, rest = like.rsplit("/", 3)[0], like.rsplit("/", 3)[1], "/s02/like"
    old = LinkTokens.from_settings(site.services.settings, clock=lambda: time.time() - 91 * 86400)
    expired = f"{base}/{old.make(Purpose.FEEDBACK, {'s': READER.sid})}{rest}"
    preferences = LinkTokens.from_settings(site.services.settings).make(Purpose.PREFERENCES, {"s": READER.sid})
    async with httpx.AsyncClient() as http:
        for url in (f"{base}/{token[:-2]}xx{rest}", f"{base}/{preferences}{rest}", expired):
            for method in ("GET", "POST"):
                response = await http.request(method, url)
                assert response.status_code == 403, (method, url)
        assert "expired" in (await http.post(expired)).text
        assert (await http.post(f"{base}/{token}/s02/love")).status_code == 404
        assert (await http.post(f"{base}/{token}/no%20such/like")).status_code == 404
    assert await _votes(site) == {}
