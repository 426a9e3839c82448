"""Fixtures of the email tests: a scripted SMTP server, the channel pointed at it, and the web app on loopback."""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import Services, open_services
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.session import CSRF_COOKIE, CsrfTokens
from channels.mail.channel import MailChannel, MailConfig, SmtpConfig
from tests.stubs.loopback import loopback_socket, serve_on, url_of
from tests.stubs.smtp import ScriptedSmtp, scripted_smtp

SECRET = "test-secret-key-0123456789abcdef"
MAIL_FROM = "AIToday <digest@news.example.com>"


@pytest.fixture
def smtp_server() -> Iterator[ScriptedSmtp]:
    with scripted_smtp() as server:
        yield server


@pytest.fixture
async def smtp_channel(smtp_server: ScriptedSmtp, tmp_path: Path) -> AsyncIterator[MailChannel]:
    """The channel sending through the scripted server (plain SMTP: the stand-in has no TLS)."""
    channel = MailChannel(
        MailConfig(
            mail_from=MAIL_FROM,
            public_url="https://news.example.com",
            outbox_dir=tmp_path / "outbox",
            smtp=SmtpConfig(host=smtp_server.host, port=smtp_server.port, starttls=False, timeout=5),
        )
    )
    yield channel
    await channel.aclose()


@dataclass
class DkimPair:
    selector: str
    domain: str
    private_pem: bytes
    public_b64: str

    def dns(self, name: bytes, timeout: float = 5) -> bytes | None:
        """dkimpy's dnsfunc: the TXT record of ``selector._domainkey.domain``."""
        if name.decode().rstrip(".") == f"{self.selector}._domainkey.{self.domain}":
            return f"v=DKIM1; k=rsa; p={self.public_b64}".encode()
        return None


@pytest.fixture(scope="session")
def dkim_pair() -> DkimPair:
    """A fresh 2048-bit RSA key made for this run (openssl, as an operator would make one)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot generate a DKIM test key")
    private = subprocess.run(
        [openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        check=True, capture_output=True,
    ).stdout
    public_der = subprocess.run(
        [openssl, "pkey", "-pubout", "-outform", "DER"], input=private, check=True, capture_output=True
    ).stdout
    return DkimPair("sel2026", "news.example.com", private, base64.b64encode(public_der).decode())


# ---------------------------------------------------------------------------------------------- web app


@dataclass
class EmailSite:
    url: str
    services: Services
    client: httpx.AsyncClient
    outbox: Path
    csrf: str = ""

    def mails(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []

    def form(self, fields: dict[str, str]) -> dict[str, str]:
        """``fields`` with the form token the client's CSRF cookie calls for (as the landing page's form has)."""
        return {**fields, "csrf": self.csrf}


AppFactory = Callable[[Services], Starlette]


@contextlib.asynccontextmanager
async def email_site(redis_url: str, data_dir: Path, make_app: AppFactory = create_app, **env: str) \
        -> AsyncIterator[EmailSite]:
    """The web app on a real loopback port with the outbox as the mail transport (no SMTP settings)."""
    sock = loopback_socket()
    url = url_of(sock)
    settings = load_settings(env={
        "AITODAY_REDIS_URL": redis_url,
        "AITODAY_DATA_DIR": str(data_dir),
        "AITODAY_PUBLIC_URL": url,
        "AITODAY_SECRET_KEY": SECRET,
        **env,
    })
    async with open_services(settings) as services, serve_on(make_app(services), sock), \
            httpx.AsyncClient(base_url=url, follow_redirects=False, timeout=10) as client:
        client.cookies.set(CSRF_COOKIE, "a-browser-csrf-cookie-value")
        yield EmailSite(url=url, services=services, client=client, outbox=settings.outbox_dir,
                        csrf=CsrfTokens(settings).token_for("a-browser-csrf-cookie-value"))


@pytest.fixture
async def site(redis_url: str, tmp_path: Path) -> AsyncIterator[EmailSite]:
    async with email_site(redis_url, tmp_path / "data") as running:
        yield running


def form_fields(**fields: Any) -> dict[str, str]:
    return {k: str(v) for k, v in fields.items()}


# ---------------------------------------------------------------------------------------------- browser

from tests.browser import browser_page  # noqa: E402, F401  (the shared fixture, used by test_digest_browser)
