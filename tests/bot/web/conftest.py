"""Fixtures of the web tests: real services on the session's Redis, served by uvicorn on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import Services, open_services
from bot.settings import load_settings
from bot.store.edition_store import EditionStore
from bot.web.app import create_app
from tests.browser import launch_browser
from tests.sample_edition import sample_edition
from tests.stubs.loopback import loopback_socket, serve_on, url_of


@dataclass
class Site:
    """A running web app: its base URL and the services behind it."""

    url: str
    services: Services


@pytest.fixture
async def site(redis_url: str) -> AsyncIterator[Site]:
    """The whole web app on a real loopback port, its public URL pointing at itself."""
    sock = loopback_socket()
    url = url_of(sock)
    settings = load_settings(redis_url=redis_url, public_url=url)
    async with open_services(settings) as services, serve_on(create_app(services), sock):
        yield Site(url=url, services=services)


async def store_sample_editions(site: Site) -> None:
    """Today's edition (the sample stories) in English and Japanese, stored where editions live."""
    today = datetime.now(UTC).date()
    for lang in ("en", "ja"):
        await EditionStore(site.services.runtime.redis).save(sample_edition(lang, day=today))


# ---------------------------------------------------------------------------------------------- browser


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium (the shared ``tests.browser`` launcher), or a visible skip saying why there is none."""
    async with launch_browser() as instance:
        yield instance
