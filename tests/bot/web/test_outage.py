"""Redis killed and Redis frozen (SIGSTOP) under the running web app: 503 pages, journaled link requests.

Each test starts a redis-server of its own (never the session's shared one, which other tests use) and kills
or freezes it while the app serves real HTTP on loopback. What a reader would notice: every page says "try
again" in their language with ``Retry-After`` (never a 500, never "You're subscribed"), and a one-click
unsubscribe, a preference change or a 👍/👎 from the digest sent meanwhile is applied, in order and once, when
Redis is back.
"""

from __future__ import annotations

import contextlib
import email
import os
import re
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path

import httpx
import pytest
import redis

from bot.app import Services, open_services
from bot.redis_server import EmbeddedRedis
from bot.settings import load_settings
from bot.store.edition_store import EditionStore
from bot.store.feedback import SATURATION, FeedbackStore, Vote
from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose
from bot.web.app import create_app
from bot.web.session import CSRF_COOKIE, CsrfTokens
from tests.sample_edition import sample_edition
from tests.stubs.loopback import loopback_socket, serve_on, url_of

SECRET = "outage-test-secret-key-0123456789abcdef"
BROWSER = "a-browser-csrf-cookie-value"
READER = Identity.parse("email:reader@example.org")
PAGES_EN = "briefly unavailable"
PAGES_JA = "一時的にご利用いただけません"
SUBSCRIBED = "You&#39;re subscribed"  # the confirm page's heading, as the HTML carries it


@dataclass
class Outage:
    server: EmbeddedRedis
    url: str
    services: Services
    client: httpx.AsyncClient
    outbox: Path
    csrf: str

    def form(self, fields: dict[str, str]) -> dict[str, str]:
        """``fields`` with the sign-up form's token for the client's CSRF cookie (as the landing page has it)."""
        return {**fields, "csrf": self.csrf}

    def kill(self) -> None:
        pid = self.server.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        self.server.stop()  # reaps it

    def freeze(self) -> None:
        assert self.server.pid is not None
        os.kill(self.server.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.server.pid is not None
        os.kill(self.server.pid, signal.SIGCONT)

    def link(self, purpose: Purpose, identity: Identity = READER) -> str:
        return f"/{purpose.value}/" + LinkTokens.from_settings(self.services.settings).make(purpose,
                                                                                            {"s": identity.sid})

    def confirm_path(self, address: str) -> str:
        """The confirm link of the one mail sent to ``address``."""
        for path in self.outbox.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            body = message.get_body(("plain",))
            if message["To"] == address and body is not None:
                found = re.search(r"/confirm/\S+", body.get_content())
                assert found is not None
                return found.group(0)
        raise AssertionError(f"no confirmation mail to {address}")


@contextlib.contextmanager
def own_redis(directory: Path) -> Iterator[EmbeddedRedis]:
    """A redis-server for this test only; every write fsync'd at once, so a SIGKILL loses nothing."""
    server = EmbeddedRedis(directory)
    server.start()
    with redis.Redis.from_url(server.url) as client:
        client.config_set("appendfsync", "always")
    try:
        yield server
    finally:
        if server.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
async def outage(tmp_path: Path) -> AsyncIterator[Outage]:
    with own_redis(tmp_path / "own-redis") as server:
        sock = loopback_socket()
        url = url_of(sock)
        settings = load_settings(env={
            "AITODAY_REDIS_URL": server.url,
            "AITODAY_DATA_DIR": str(tmp_path / "data"),
            "AITODAY_PUBLIC_URL": url,
            "AITODAY_SECRET_KEY": SECRET,
            "AITODAY_REDIS_TIMEOUT_SECONDS": "0.5",
        })
        async with open_services(settings) as services, serve_on(create_app(services), sock), \
                httpx.AsyncClient(base_url=url, timeout=20) as client:
            client.cookies.set(CSRF_COOKIE, BROWSER)
            yield Outage(server, url, services, client, settings.outbox_dir, CsrfTokens(settings).token_for(BROWSER))


async def _subscribe(outage: Outage, address: str = "reader@example.org", time_text: str = "06:45") -> None:
    sent = await outage.client.post("/subscribe", data=outage.form({"email": address, "time": time_text,
                                                                     "timezone": "Asia/Tokyo", "language": "en"}))
    assert sent.status_code == 200
    assert (await outage.client.get(outage.confirm_path(address))).status_code == 200
    await EditionStore(outage.services.runtime.redis).save(sample_edition("en"))  # the stories a vote names


async def _pages_answer_503(outage: Outage, confirm: str) -> None:
    """Every page a reader can reach says "try again" with Retry-After, in their language, never a 500."""
    requests = [
        ("GET", "/", {}),
        ("GET", "/editions/2026-11-27", {}),
        ("GET", "/editions/2026-11-27/ja", {}),
        ("POST", "/subscribe", {"data": outage.form({"email": "someone@example.org"})}),
        ("GET", confirm, {}),
        ("GET", outage.link(Purpose.PREFERENCES), {}),
    ]
    for method, path, extra in requests:
        for language, words in (("en", PAGES_EN), ("ja", PAGES_JA)):
            started = time.monotonic()
            response = await outage.client.request(method, path, headers={"Accept-Language": language}, **extra)
            assert response.status_code == 503, (method, path, response.status_code)
            assert int(response.headers["Retry-After"]) > 0
            assert words in response.text, (method, path, language)
            assert SUBSCRIBED not in response.text
            assert time.monotonic() - started < 5  # a frozen Redis costs a bounded wait, not a hang
    health = await outage.client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy"


async def _journaled_requests_apply_once_in_order(outage: Outage, restart: bool) -> None:
    services = outage.services
    # A preference change, then the one-click unsubscribe, while Redis cannot store either.
    changed = await outage.client.post(outage.link(Purpose.PREFERENCES), data={"time": "08:30", "items": "4",
                                                                             "minutes": "12"})
    assert changed.status_code == 202
    assert "will be applied" in changed.text
    gone = await outage.client.post(outage.link(Purpose.UNSUBSCRIBE), content=b"List-Unsubscribe=One-Click",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert gone.status_code == 202
    assert "will be applied" in gone.text
    assert "set-cookie" not in gone.headers
    # A 👍 from the digest, pressed again (from a Japanese browser) because nothing seemed to happen.
    like = outage.link(Purpose.FEEDBACK) + "/s02/like"
    for language, words in (("en", ("We have your vote", "will be counted")), ("ja", ("評価を受け付けました",))):
        pressed = await outage.client.post(like, headers={"Accept-Language": language})
        assert pressed.status_code == 202 and all(w in pressed.text for w in words), pressed.text
    journal = services.settings.data_dir / "journal" / "requests.jsonl"
    assert len(journal.read_text(encoding="utf-8").splitlines()) == 4  # on disk before the page said so

    if restart:
        outage.server.start()
    else:
        outage.thaw()
    page = await outage.client.get("/")  # the first request after the outage applies the journal first
    assert page.status_code == 200
    sub = await services.store.get(READER)
    assert sub is not None
    assert not sub.active
    assert (sub.delivery_time.strftime("%H:%M"), sub.items, sub.minutes) == ("08:30", 4, 12)
    feedback = FeedbackStore(services.runtime.redis)
    assert await feedback.votes(READER.sid) == {"s02": Vote.UP}
    source = next(story.source_id for story in sample_edition("en").stories if story.id == "s02")
    assert (await feedback.affinity(READER.sid)).source(source) == pytest.approx(1 / SATURATION)  # counted once
    assert journal.read_text(encoding="utf-8") == ""

    # Once: the reader subscribes again by chat; later requests do not re-apply the old unsubscribe.
    await services.commands.handle(READER, "subscribe")
    for _ in range(3):
        assert (await outage.client.get("/")).status_code == 200
    again = await services.store.get(READER)
    assert again is not None and again.active


async def test_redis_killed_pages_answer_503_and_link_requests_survive(outage: Outage) -> None:
    await _subscribe(outage)
    await outage.client.post("/subscribe", data=outage.form({"email": "newcomer@example.org"}))
    confirm = outage.confirm_path("newcomer@example.org")
    outage.kill()
    await _pages_answer_503(outage, confirm)
    await _journaled_requests_apply_once_in_order(outage, restart=True)
    # The confirm link shown 503 during the outage was not used up: it works now.
    response = await outage.client.get(confirm)
    assert SUBSCRIBED in response.text
    newcomer = await outage.services.store.get(Identity.parse("email:newcomer@example.org"))
    assert newcomer is not None and newcomer.active


async def test_redis_frozen_pages_answer_503_quickly_and_link_requests_survive(outage: Outage) -> None:
    await _subscribe(outage)
    await outage.client.post("/subscribe", data=outage.form({"email": "newcomer@example.org"}))
    confirm = outage.confirm_path("newcomer@example.org")
    outage.freeze()
    await _pages_answer_503(outage, confirm)
    await _journaled_requests_apply_once_in_order(outage, restart=False)


async def test_confirm_with_redis_down_never_claims_a_subscription(outage: Outage) -> None:
    await outage.client.post("/subscribe", data=outage.form({"email": "newcomer@example.org"}))
    confirm = outage.confirm_path("newcomer@example.org")
    outage.kill()
    response = await outage.client.get(confirm)
    assert response.status_code == 503
    assert SUBSCRIBED not in response.text
    outage.server.start()
    assert await outage.services.store.get(Identity.parse("email:newcomer@example.org")) is None

