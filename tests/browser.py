"""Headless Chromium for page and mail-rendering tests, shared by every test directory.

Use the fixture (import it into your ``conftest.py``: ``from tests.browser import browser_page  # noqa: F401``)
or the helper directly::

    async with launch_browser() as browser:
        page = await browser.new_page(viewport={"width": 375, "height": 800})

Chromium is Debian's package (``make browser`` installs it); where it is absent the test is skipped with a
visible reason (CI has it). Screenshots go to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "ARTIFACTS",
    "LAUNCH_ARGS",
    "browser_page",
    "chromium_path",
    "horizontal_overflow",
    "launch_browser",
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: Elements whose right edge passes the viewport (hidden ones excluded), as "tag.class right=N" strings.
_OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right > width + 0.5) {  // off-screen to the left (skip links) scrolls nothing
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
               + ' right=' + Math.round(rect.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, offenders: out.slice(0, 10)};
}
"""


def chromium_path() -> str | None:
    """Debian's chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@asynccontextmanager
async def launch_browser() -> AsyncIterator[Any]:
    """A headless Chromium (Playwright ``Browser``); skips the calling test when none is installed."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (run `make browser` as root); browser tests skipped")
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - playwright is in the dev extra
        pytest.skip("the playwright package is not installed; browser tests skipped")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=list(LAUNCH_ARGS), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    """A fresh page (Playwright ``Page``) in its own context; set the viewport in the test."""
    async with launch_browser() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        try:
            yield page
        finally:
            await context.close()


async def horizontal_overflow(page: Any) -> dict[str, Any]:
    """``scrollWidth``, ``clientWidth`` and up to ten elements that stick out sideways."""
    result: dict[str, Any] = await page.evaluate(_OVERFLOW_JS)
    return result
