"""Whose ``X-Forwarded-For`` is believed (issue 14, row 13), through the web role's own server configuration.

Without ``AITODAY_TRUSTED_PROXIES`` the connecting address is the client, whatever a header says, so a varied
header cannot buy fresh sign-up buckets; with it, the proxy's header names the client, so visitors behind one
proxy no longer share one bucket. The sign-up limit counts per client and, separately, per email address.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.app import open_services
from bot.settings import SettingsError, load_settings
from bot.web.app import create_app, server_config
from bot.web.session import CSRF_COOKIE, CsrfTokens
from tests.stubs.loopback import loopback_socket, url_of

SECRET = "proxy-test-secret-key-0123456789abcdef"
BROWSER = "a-browser-csrf-cookie-value"
PER_CLIENT = 20  # bot.web.signup.SignupLimits.per_ip
PER_ADDRESS = 3  # bot.web.signup.SignupLimits.per_address


@dataclass
class WebRole:
    client: httpx.AsyncClient
    csrf: str  # the sign-up form's token for the client's CSRF cookie, as the landing page gives it


@asynccontextmanager
async def web_role(redis_url: str, data_dir: Path, **env: str) -> AsyncIterator[WebRole]:
    """The app as ``aitoday web`` serves it (``server_config``), on a loopback port."""
    sock = loopback_socket()
    url = url_of(sock)
    settings = load_settings(env={"AITODAY_REDIS_URL": redis_url, "AITODAY_DATA_DIR": str(data_dir),
                                  "AITODAY_PUBLIC_URL": url, "AITODAY_SECRET_KEY": SECRET, **env})
    async with open_services(settings) as services:
        server = uvicorn.Server(server_config(create_app(services), host="127.0.0.1", port=0,
                                              lifespan="off", log_level="warning", access_log=False))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.005)
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                client.cookies.set(CSRF_COOKIE, BROWSER)
                yield WebRole(client, CsrfTokens(settings).token_for(BROWSER))
        finally:
            server.should_exit = True
            await task
            sock.close()


async def _sign_up(role: WebRole, address: str, forwarded_for: str) -> int:
    response = await role.client.post("/subscribe", data={"email": address, "csrf": role.csrf},
                                 headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


def _mails(data_dir: Path) -> int:
    return len(list((data_dir / "outbox").glob("*.eml")))


async def test_a_forged_forwarded_for_from_loopback_does_not_escape_the_client_limit(
    redis_url: str, tmp_path: Path
) -> None:
    async with web_role(redis_url, tmp_path / "data") as role:
        codes = [await _sign_up(role, f"reader{n}@example.org", f"203.0.113.{n}") for n in range(PER_CLIENT + 3)]
    assert codes[:PER_CLIENT] == [200] * PER_CLIENT
    assert codes[PER_CLIENT:] == [429] * 3


async def test_a_trusted_proxy_gives_each_visitor_its_own_bucket(redis_url: str, tmp_path: Path) -> None:
    async with web_role(redis_url, tmp_path / "data", AITODAY_TRUSTED_PROXIES="127.0.0.0/8, 10.9.0.0/16") \
            as role:
        behind = [await _sign_up(role, f"visitor{n}@example.org", f"198.51.100.{n}")
                  for n in range(PER_CLIENT + 3)]
        one = [await _sign_up(role, f"same{n}@example.org", "192.0.2.7") for n in range(PER_CLIENT + 1)]
    assert behind == [200] * (PER_CLIENT + 3)  # many visitors behind the proxy: no shared bucket
    assert one[-1] == 429  # but one visitor is still limited


async def test_one_address_gets_a_few_mails_whichever_client_asks(redis_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with web_role(redis_url, data, AITODAY_TRUSTED_PROXIES="127.0.0.1") as role:
        codes = [await _sign_up(role, "target@example.org", f"198.51.100.{n}") for n in range(8)]
    assert codes == [200] * 8  # the page never reveals the limit
    assert _mails(data) == PER_ADDRESS


def test_a_malformed_proxy_list_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="AITODAY_TRUSTED_PROXIES"):
        load_settings(env={"AITODAY_TRUSTED_PROXIES": "10.0.0.1, the-load-balancer"})
    assert load_settings(env={}).trusted_proxy_list == ()
