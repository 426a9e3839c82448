"""The pages people see: the landing page, shareable editions, and a friendly 404.

``GET /``                     what AIToday is, today's top stories as cards, the email sign-up, chat links
``GET /editions/{date}``      the full edition of that date in the visitor's language
``GET /editions/{date}/{lang}``  the same in a fixed language (the link a reader shares)
``GET /static/…``             the stylesheet and icon

Pages only read: an edition is built by ``bot.editions`` and stored in Redis; this module never builds one,
so a page view costs one Redis GET however many sources there are.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot import keys
from bot.app import Services
from bot.i18n import LANGUAGES
from bot.runtime import Runtime
from bot.web.templating import STATIC_DIR, PageRenderer
from bot.web.wording import page_text, pick_language
from summaries.models import Edition

__all__ = ["TOP_STORIES", "not_found_handler", "routes"]

#: Cards on the landing page; the full edition is one click away.
TOP_STORIES = 6


def routes(services: Services) -> list[BaseRoute]:
    pages = PageRenderer(services.settings)
    runtime = services.runtime

    async def landing(request: Request) -> Response:
        lang = pick_language(request)
        edition = await newest_edition(runtime, lang)
        return pages.render(request, "landing.html", {"edition": edition, "top": TOP_STORIES}, language=lang)

    async def edition_page(request: Request) -> Response:
        day = _parse_day(request.path_params["day"])
        lang = request.path_params.get("lang")
        if lang is None:
            lang = pick_language(request)
        elif lang not in LANGUAGES:
            raise HTTPException(404)
        edition = await load_edition(runtime, day, lang) if day is not None else None
        if edition is None:
            text = page_text(pick_language(request))
            return pages.render(request, "not_found.html", {"message": text["not_found_edition"]}, status_code=404)
        summarizers = ", ".join(sorted({s.card.summarizer for s in edition.stories}))
        other = "ja" if lang == "en" else "en"
        return pages.render(
            request,
            "edition.html",
            {"edition": edition, "summarizers": summarizers, "other_language": other},
            language=lang,
        )

    async def edition_today(request: Request) -> Response:
        edition = await newest_edition(runtime, pick_language(request))
        if edition is None:
            raise HTTPException(404)
        return RedirectResponse(f"/editions/{edition.date.isoformat()}/{edition.language}", status_code=302)

    return [
        Route("/", landing, methods=["GET"]),
        Route("/editions", edition_today, methods=["GET"]),
        Route("/editions/{day}", edition_page, methods=["GET"]),
        Route("/editions/{day}/{lang}", edition_page, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def not_found_handler(services: Services) -> ExceptionHandler:
    """The app-wide 404 page: what an unknown path or a mistyped edition date shows."""
    pages = PageRenderer(services.settings)

    async def handler(request: Request, exc: Exception) -> Response:
        return pages.render(request, "not_found.html", {"message": ""}, status_code=404)

    return handler


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


async def load_edition(runtime: Runtime, day: date, language: str) -> Edition | None:
    """The stored edition of ``day`` in ``language``, or None."""
    raw = await runtime.redis.get(keys.edition(day.isoformat(), language))
    return Edition.from_dict(json.loads(raw)) if raw else None


async def newest_edition(runtime: Runtime, language: str) -> Edition | None:
    """Today's edition, else the most recent of the last week (a quiet morning still shows cards)."""
    today = datetime.now(UTC).date()
    for back in range(8):
        edition = await load_edition(runtime, today - timedelta(days=back), language)
        if edition is not None:
            return edition
    return None
