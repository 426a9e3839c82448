"""Fixtures of the web tests: real services on the session's Redis, served by uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn

from bot.app import Services, open_services
from bot.editions import store_edition
from bot.settings import load_settings
from bot.web.app import create_app
from tests.browser import launch_browser
from tests.sample_edition import sample_edition


@dataclass
class Site:
    """A running web app: its base URL and the services behind it."""

    url: str
    services: Services


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def serve(services: Services, sock: socket.socket) -> AsyncIterator[None]:
    """Serve the app on ``sock`` until the block exits."""
    config = uvicorn.Config(create_app(services), lifespan="off", access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def site(redis_url: str) -> AsyncIterator[Site]:
    """The whole web app on a real loopback port, its public URL pointing at itself."""
    sock = _loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = load_settings(redis_url=redis_url, public_url=url)
    async with open_services(settings) as services, serve(services, sock):
        yield Site(url=url, services=services)
    sock.close()


async def store_sample_editions(site: Site) -> None:
    """Today's edition (the sample stories) in English and Japanese, stored where editions live."""
    today = datetime.now(UTC).date()
    for lang in ("en", "ja"):
        await store_edition(site.services.runtime.redis, sample_edition(lang, day=today))


# ---------------------------------------------------------------------------------------------- browser


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium (the shared ``tests.browser`` launcher), or a visible skip saying why there is none."""
    async with launch_browser() as instance:
        yield instance
