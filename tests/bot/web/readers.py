"""A reader of the site over real HTTP: a cookie jar of their own, the CSRF token of each page, and signing
in with the magic link that the outbox received (the same path as a real mailbox)."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import httpx

from tests.bot.web.conftest import Site

__all__ = ["Reader", "csrf_of", "login_link"]

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


def login_link(outbox: Path, address: str) -> str:
    """The newest sign-in link mailed to ``address`` (from the .eml files of the outbox)."""
    mails = sorted(outbox.glob("login-*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for path in reversed(mails):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["To"]).lower() != address.lower():
            continue
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(r"https?://\S+/login/\S+", body.get_content())
        assert found is not None
        return found.group(0)
    raise AssertionError(f"no sign-in mail to {address} in {outbox}")


class Reader:
    """One browser's worth of cookies against ``site``."""

    def __init__(self, site: Site, address: str = "") -> None:
        self.site = site
        self.address = address
        self.client = httpx.AsyncClient(base_url=site.url)

    async def __aenter__(self) -> Reader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def token(self, path: str) -> str:
        page = await self.client.get(path)
        return csrf_of(page.text)

    async def sign_in(self, next_path: str = "/") -> httpx.Response:
        """Ask for a link, open it from the outbox, press "Log in"; returns the final POST's response."""
        token = await self.token(f"/login?next={next_path}")
        asked = await self.client.post("/login", data={"email": self.address, "csrf": token, "next": next_path})
        assert asked.status_code == 200 and "Check your inbox" in asked.text, asked.text
        path = "/login/" + login_link(self.site.services.settings.outbox_dir, self.address).rsplit("/login/", 1)[1]
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        return await self.client.post(path, data={"csrf": csrf_of(page.text)})

    async def comment(self, story: str, text: str, name: str = "", *, lang: str = "en") -> httpx.Response:
        path = f"/stories/{story}" + ("" if lang == "en" else f"/{lang}")
        token = await self.token(path)
        data = {"text": text, "csrf": token, "lang": lang}
        if name:
            data["name"] = name
        return await self.client.post(f"/stories/{story}/comments", data=data)

    async def act(self, comment_id: str, action: str, story: str, **fields: str) -> httpx.Response:
        token = await self.token(f"/stories/{story}")
        return await self.client.post(f"/comments/{comment_id}/{action}", data={"csrf": token, **fields})
