"""Story pages and their discussion over real HTTP: the card, related articles, Open Graph, the magic link,
cookie flags, CSRF, the comment rules (length, rate, reports, the edit window) and hostile text."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import open_services
from bot.settings import load_settings
from bot.store.comments import CommentStore
from bot.store.tokens import LinkTokens, Purpose
from bot.web.app import create_app
from tests.bot.web.conftest import Site, store_sample_editions
from tests.bot.web.readers import Reader, csrf_of, login_link
from tests.stubs.loopback import loopback_socket, serve_on, url_of

STORY = "s03"  # NVIDIA Rubin: two other outlets, topics chips + business


def _comment_ids(html: str) -> list[str]:
    return re.findall(r'<li class="comment" id="c-([0-9a-f]+)"', html)


async def test_story_page_has_the_card_the_original_related_articles_and_unfurl_tags(site: Site) -> None:
    await store_sample_editions(site)
    async with httpx.AsyncClient(base_url=site.url) as client:
        page = await client.get(f"/stories/{STORY}")
    assert page.status_code == 200
    html = page.text
    assert "<h1 id=\"story-title\">NVIDIA unveils Rubin GPUs: 3x faster training</h1>" in html
    assert "NVIDIA Blog" in html and "5 min read" in html and re.search(r"\d+d ago|\d+h ago", html)
    for point in ("What happened", "Why it matters", "What to watch", "Key points"):
        assert point in html
    assert 'href="https://news.example.com/story-3?a=1&amp;b=2"' in html  # the original
    assert "Also covered by" in html and 'href="https://outlet1.example.com/story-3"' in html
    related = re.findall(r'<li class="mini-card">\s*<a class="mini-title" href="/stories/(s\d+)"', html)
    assert len(related) >= 3 and STORY not in related
    assert related[0] == "s08" and "s01" in related  # Whisper shares the name "GPU"; GPT-6 the topic "business"
    assert f'<meta property="og:url" content="{site.url}/stories/{STORY}">' in html
    assert '<meta property="og:title" content="NVIDIA unveils Rubin GPUs: 3x faster training">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert "No comments yet. Be the first to share your thoughts!" in html
    assert "Log in to join the discussion" in html
    assert "Summaries like this, in your inbox every morning." in html and "Get Started Free" in html


async def test_japanese_twin_and_the_landing_link_to_story_pages(site: Site) -> None:
    await store_sample_editions(site)
    async with httpx.AsyncClient(base_url=site.url) as client:
        ja = await client.get(f"/stories/{STORY}/ja")
        landing = await client.get("/", headers={"Accept-Language": "ja"})
        english = await client.get("/")
    assert ja.status_code == 200 and '<html lang="ja">' in ja.text
    for words in ("関連記事", "まだコメントはありません。最初の感想をどうぞ！", "ログインしてディスカッションに参加",
                  "こんな要約を、毎朝あなたの受信箱に。", "無料で始める"):
        assert words in ja.text
    assert 'href="/stories/s01/ja"' in landing.text and "続きを読む" in landing.text
    assert '<a href="/stories/s01">' in english.text  # the card's title
    assert "5 minutes a day. The AI essentials." in english.text and "takes 30 seconds" in english.text


@pytest.mark.parametrize("path", ["/stories/nope", "/stories/s01/fr", "/stories/%3Cscript%3E"])
async def test_unknown_story_is_the_friendly_404(site: Site, path: str) -> None:
    await store_sample_editions(site)
    async with httpx.AsyncClient(base_url=site.url) as client:
        page = await client.get(path)
    assert page.status_code == 404
    assert "Page not found" in page.text and "Back to the front page" in page.text
    assert "<script>" not in page.text


async def test_magic_link_signs_in_once_with_safe_cookie_flags(site: Site) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        signed = await ann.sign_in(f"/stories/{STORY}")
        assert signed.status_code == 303 and signed.headers["location"] == f"/stories/{STORY}"
        cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("aitoday_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # served over http here; the https test below checks the flag
        page = await ann.client.get(f"/stories/{STORY}")
        assert "Log out" in page.text and "Log in to join the discussion" not in page.text
        # the same link again, from another browser: used up, and the page offers a new one
        link = login_link(site.services.settings.outbox_dir, "ann@example.org")
        async with Reader(site) as other:
            again = await other.client.get("/login/" + link.rsplit("/login/", 1)[1])
        assert again.status_code == 410
        assert "already used" in again.text and 'action="/login"' in again.text


async def test_expired_or_broken_link_offers_a_new_one(site: Site) -> None:
    old = LinkTokens.from_settings(site.services.settings, clock=lambda: time.time() - 16 * 60)
    token = old.make(Purpose.LOGIN, {"a": "ann@example.org", "n": "abc123", "r": "/", "l": "en"})
    async with httpx.AsyncClient(base_url=site.url) as client:
        expired = await client.get(f"/login/{token}")
        broken = await client.get(f"/login/{token[:-3]}xyz")
    assert expired.status_code == 410 and "has expired" in expired.text and 'action="/login"' in expired.text
    assert broken.status_code == 400 and "isn&#39;t valid" in broken.text and 'action="/login"' in broken.text


async def test_a_post_without_the_form_token_is_refused_and_stores_nothing(site: Site) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        await ann.sign_in()
        forged = await ann.client.post(f"/stories/{STORY}/comments", data={"text": "hi", "name": "Ann"})
        wrong = await ann.client.post(f"/stories/{STORY}/comments",
                                      data={"text": "hi", "name": "Ann", "csrf": "0" * 64})
        logout = await ann.client.post("/logout", data={"next": "/"})
        assert forged.status_code == wrong.status_code == logout.status_code == 403
        assert "This form has expired" in forged.text
        assert await CommentStore(site.services.runtime.redis).for_story(STORY) == []
        assert "Log out" in (await ann.client.get(f"/stories/{STORY}")).text  # still signed in
        asked = await ann.client.post("/login", data={"email": "ann@example.org"})
        assert asked.status_code == 403


async def test_comment_shows_escaped_with_the_name_chosen_once_then_logout_brings_the_prompt_back(
    site: Site,
) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        await ann.sign_in()
        first = await ann.comment(STORY, "Great news, see https://example.com/x?a=1&b=2.", name="Ann")
        assert first.status_code == 303
        hostile = '<script>alert(1)</script> <a href="javascript:alert(2)">x</a> javascript:alert(3) \u202eevil\x07'
        assert (await ann.comment(STORY, hostile)).status_code == 303  # no name asked the second time
        page = (await ann.client.get(f"/stories/{STORY}")).text
        assert page.count('<bdi class="comment-name">Ann</bdi>') == 2
        assert '<a href="https://example.com/x?a=1&amp;b=2" rel="nofollow ugc noopener">' in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
        assert "javascript:alert(3)" in page and 'href="javascript' not in page
        assert "[U+202E]evil[U+0007]" in page and "\u202e" not in page
        token = csrf_of(page)
        out = await ann.client.post("/logout", data={"csrf": token, "next": f"/stories/{STORY}"})
        assert out.status_code == 303
        after = (await ann.client.get(f"/stories/{STORY}")).text
        assert "Log in to join the discussion" in after and "Log out" not in after


@pytest.mark.parametrize(("text", "status", "says"), [
    ("   \n  ", 400, "Your comment is empty"),
    ("x" * 2001, 400, "is 2,001 characters long; the limit is 2,000"),
])
async def test_empty_or_over_long_comment_is_refused_with_the_draft_kept(
    site: Site, text: str, status: int, says: str
) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        await ann.sign_in()
        refused = await ann.comment(STORY, text, name="Ann")
        assert refused.status_code == status and says in refused.text
        assert await CommentStore(site.services.runtime.redis).for_story(STORY) == []
        assert (await ann.comment(STORY, "y" * 2000, name="Ann")).status_code == 303  # the limit itself is fine


async def test_the_sixth_comment_in_a_minute_waits(site: Site) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        await ann.sign_in()
        codes = [(await ann.comment(STORY, f"comment {n}", name="Ann")).status_code for n in range(5)]
        sixth = await ann.comment(STORY, "one too many")
    assert codes == [303] * 5
    assert sixth.status_code == 429 and "Please wait" in sixth.text and "one too many" in sixth.text
    assert len(await CommentStore(site.services.runtime.redis).for_story(STORY)) == 5


async def test_three_reports_hide_a_comment_and_only_the_author_may_change_it(site: Site) -> None:
    await store_sample_editions(site)
    readers = [Reader(site, f"r{n}@example.org") for n in range(4)]
    try:
        author, *others = readers
        for reader in readers:
            await reader.sign_in()
        await author.comment(STORY, "spam spam", name="Author")
        comment_id = _comment_ids((await author.client.get(f"/stories/{STORY}")).text)[0]
        assert (await others[0].act(comment_id, "edit", STORY, text="mine now", name="Eve")).status_code == 403
        assert (await author.act(comment_id, "report", STORY)).status_code == 403  # not one's own
        for reader in (others[0], others[0], others[1]):  # one report per reader
            assert (await reader.act(comment_id, "report", STORY)).status_code == 303
        assert comment_id in _comment_ids((await author.client.get(f"/stories/{STORY}")).text)
        await others[2].act(comment_id, "report", STORY)
        assert comment_id not in _comment_ids((await author.client.get(f"/stories/{STORY}")).text)
        found = await CommentStore(site.services.runtime.redis).get(comment_id)
        assert found is not None and found.state == "hidden" and found.reports == 3
    finally:
        for reader in readers:
            await reader.client.aclose()


async def test_the_author_edits_and_deletes_within_the_window(site: Site) -> None:
    await store_sample_editions(site)
    async with Reader(site, "ann@example.org") as ann:
        await ann.sign_in()
        await ann.comment(STORY, "frist", name="Ann")
        comment_id = _comment_ids((await ann.client.get(f"/stories/{STORY}")).text)[0]
        edited = await ann.act(comment_id, "edit", STORY, text="first")
        assert edited.status_code == 303
        page = (await ann.client.get(edited.headers["location"])).text
        assert "Your comment is updated." in page and ">first</div>" in page and "(edited)" in page
        assert (await ann.act(comment_id, "delete", STORY)).status_code == 303
        assert _comment_ids((await ann.client.get(f"/stories/{STORY}")).text) == []


# ---------------------------------------------------------------------------------------------- https


@pytest.fixture
async def https_site(redis_url: str) -> AsyncIterator[Site]:
    """The app as deployed behind TLS: its public URL is https (the loopback socket itself is plain http)."""
    sock = loopback_socket()
    settings = load_settings(redis_url=redis_url, public_url="https://aitoday.example")
    async with open_services(settings) as services, serve_on(create_app(services), sock):
        yield Site(url=url_of(sock), services=services)


async def test_cookies_are_secure_when_the_site_is_served_over_https(https_site: Site) -> None:
    async with httpx.AsyncClient(base_url=https_site.url) as client:
        page = await client.get("/login")
        csrf_cookie = page.headers["set-cookie"]
        assert csrf_cookie.startswith("aitoday_csrf=") and "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        # httpx keeps Secure cookies off plain http, as a browser would: hand the token over by hand
        value = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
        token = csrf_of(page.text)
        client.cookies.set("aitoday_csrf", value)
        asked = await client.post("/login", data={"email": "ann@example.org", "csrf": token})
        assert asked.status_code == 200
        link = login_link(https_site.services.settings.outbox_dir, "ann@example.org")
        assert link.startswith("https://aitoday.example/login/")
        path = "/login/" + link.rsplit("/login/", 1)[1]
        signed = await client.post(path, data={"csrf": token})
    session = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("aitoday_session="))
    assert signed.status_code == 303
    assert "Secure" in session and "HttpOnly" in session and "SameSite=lax" in session
