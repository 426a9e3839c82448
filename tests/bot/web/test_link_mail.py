"""What a reader sees when the mail with their link cannot go: the sign-up and the sign-in page answer alike
(``bot.web.link_mail``): a mail server that does not answer is a 503 "try again", an address the receiving
server refuses is a 400 "check the address". Real SMTP on loopback (the scripted aiosmtpd stand-in)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.web.readers import csrf_of
from tests.channels.mail.conftest import EmailSite, email_site
from tests.stubs.smtp import ScriptedSmtp, scripted_smtp

GONE = "nobody@example.org"


@pytest.fixture
def smtp() -> Iterator[ScriptedSmtp]:
    with scripted_smtp() as server:
        server.script[GONE] = ["550 5.1.1 The email account that you tried to reach does not exist"]
        yield server


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _sign_up(site: EmailSite, address: str) -> tuple[int, str]:
    response = await site.client.post("/subscribe", data=site.form({"email": address}))
    return response.status_code, response.text


async def _ask_for_login(site: EmailSite, address: str) -> tuple[int, str]:
    page = await site.client.get("/login")
    response = await site.client.post("/login", data={"email": address, "csrf": csrf_of(page.text), "next": "/"})
    return response.status_code, response.text


async def test_an_address_the_server_refuses_is_a_400_that_says_so(
    redis_url: str, tmp_path: Path, smtp: ScriptedSmtp
) -> None:
    async with email_site(redis_url, tmp_path / "data",
                          SMTP_HOST=smtp.host, SMTP_PORT=str(smtp.port), SMTP_STARTTLS="false") as site:
        status, text = await _sign_up(site, GONE)
        assert status == 400 and "That address refused our mail" in text
        status, text = await _ask_for_login(site, GONE)
        assert status == 400 and "doesn&#39;t look right" in text
        assert smtp.messages == []


async def test_a_mail_server_that_does_not_answer_is_a_503_try_again(redis_url: str, tmp_path: Path) -> None:
    async with email_site(redis_url, tmp_path / "data",
                          SMTP_HOST="127.0.0.1", SMTP_PORT=str(_closed_port()), SMTP_STARTTLS="false") as site:
        status, text = await _sign_up(site, "ada@example.org")
        assert status == 503 and "couldn&#39;t send the confirmation mail" in text
        status, text = await _ask_for_login(site, "ada@example.org")
        assert status == 503 and "couldn&#39;t send the mail just now" in text
