"""The pages people see: the landing page, shareable editions, and a friendly 404.

``GET /``                     what AIToday is, today's top stories as cards, the email sign-up, chat links
``GET /editions/{date}``      the full edition of that date in the visitor's language
``GET /editions/{date}/{lang}``  the same in a fixed language (the link a reader shares)
``GET /editions/sample/{lang}``  the demo's sample edition, while no real edition has stories (``bot.demo``)
``GET /static/…``             the stylesheet and icon

Pages only read: an edition is built by ``bot.content.editions`` and stored in Redis; this module never builds one,
so a page view costs one Redis GET however many sources there are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import Services
from bot.conversation.i18n import LANGUAGES
from bot.store.comments import CommentStore
from bot.store.edition_store import EditionStore
from bot.store.sessions import SessionStore
from bot.web.session import WebSessions
from bot.web.templating import STATIC_DIR, PageRenderer
from bot.web.wording import page_text, pick_language
from summaries.models import Edition

__all__ = ["SAMPLE", "TOP_STORIES", "not_found_handler", "routes"]

#: Cards on the landing page; the full edition is one click away.
TOP_STORIES = 6
#: The path segment of the demo's sample edition.
SAMPLE = "sample"


def routes(services: Services) -> list[BaseRoute]:
    pages = PageRenderer(services.settings)
    editions = EditionStore(services.runtime.redis)
    sessions = WebSessions(services.settings, SessionStore(services.runtime.redis),
                           CommentStore(services.runtime.redis))

    async def landing(request: Request) -> Response:
        lang = pick_language(request)
        edition, sample = await _front_page_edition(editions, lang)
        csrf, fresh = sessions.csrf_token(request)
        response = pages.render(request, "landing.html",
                                {"edition": edition, "sample": sample, "top": TOP_STORIES, "csrf": csrf},
                                language=lang)
        return sessions.remember_csrf(response, request, fresh)

    async def edition_page(request: Request) -> Response:
        day_text = request.path_params["day"]
        day = _parse_day(day_text)
        lang = request.path_params.get("lang")
        if lang is None:
            lang = pick_language(request)
        elif lang not in LANGUAGES:
            raise HTTPException(404)
        sample = day_text == SAMPLE
        if sample:
            edition = await editions.load_sample(lang)
        else:
            edition = await editions.load(day, lang) if day is not None else None
        if edition is None:
            text = page_text(pick_language(request))
            return pages.render(request, "not_found.html", {"message": text["not_found_edition"]}, status_code=404)
        summarizers = ", ".join(sorted({s.card.summarizer for s in edition.stories}))
        other = "ja" if lang == "en" else "en"
        previous, following = (None, None) if sample else await editions.neighbours(edition.date, lang)
        return pages.render(
            request,
            "edition.html",
            {"edition": edition, "summarizers": summarizers, "other_language": other, "sample": sample,
             "slug": SAMPLE if sample else edition.date.isoformat(), "previous": previous, "next": following},
            language=lang,
        )

    async def edition_today(request: Request) -> Response:
        edition, sample = await _front_page_edition(editions, pick_language(request))
        if edition is None:
            raise HTTPException(404)
        slug = SAMPLE if sample else edition.date.isoformat()
        return RedirectResponse(f"/editions/{slug}/{edition.language}", status_code=302)

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



async def _front_page_edition(editions: EditionStore, language: str) -> tuple[Edition | None, bool]:
    """The newest real edition; the demo's sample edition (True) only while no real edition has stories."""
    edition = await editions.latest(language)
    if edition is not None and edition.stories:
        return edition, False
    sample = await editions.load_sample(language)
    if sample is not None and sample.stories:
        return sample, True
    return edition, False
