"""What the web app does while Redis is unreachable or frozen: answer 503, keep what readers asked for.

One place for every route (pages, sign-up links, webhooks): a route that meets an unavailable store
(``bot.store.UNAVAILABLE``; a frozen server surfaces as a timeout, bounded by ``AITODAY_REDIS_TIMEOUT_SECONDS``)
does not catch it; the app's exception handlers here turn it into ``503 Service Unavailable`` with
``Retry-After`` and a page in the reader's language. Nothing else becomes a 500 because Redis is away.

Requests a reader cannot easily repeat (a one-click unsubscribe, a preference form sent through a signed link)
are journaled instead (``bot.web.link_requests``); ``JournalReplay`` applies that journal before serving the
next request once Redis answers again, and ``replay_forever`` does it in the background of the web role, so
the journal empties even when no one visits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import Services
from bot.store import UNAVAILABLE, is_unavailable
from bot.store.journal import Journal, JournalEntry
from bot.web.link_requests import apply_request, link_journal
from bot.web.templating import PageRenderer

__all__ = ["RETRY_AFTER_SECONDS", "JournalReplay", "exception_handlers", "replay_forever"]

log = logging.getLogger(__name__)

#: What ``Retry-After`` tells a browser, a provider's webhook retry or a load balancer.
RETRY_AFTER_SECONDS = 30

Handler = Callable[[Request, Exception], Awaitable[Response]]


def exception_handlers(services: Services) -> dict[type[Exception], Handler]:
    """Handlers for the app: each "store unavailable" error → 503; any other error → a plain 500 page."""
    pages = PageRenderer(services.settings)

    async def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("%s %s answered 503: Redis unavailable (%s)", request.method, _route_name(request),
                    exc.__class__.__name__)
        response = pages.render(request, "unavailable.html", {}, status_code=503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        if is_unavailable(exc):  # wrapped on its way up (e.g. raised from inside another library's handler)
            return await unavailable(request, exc)
        return Response("Something went wrong on our side. Please try again later.\n", status_code=500,
                        media_type="text/plain")

    handlers: dict[type[Exception], Handler] = {cls: unavailable for cls in UNAVAILABLE}
    handlers[Exception] = server_error
    return handlers


class JournalReplay:
    """ASGI middleware: before a request is served, apply the journaled link requests if Redis is back.

    Applying first keeps the reader's order: an unsubscribe sent during the outage lands before whatever the
    same reader does next. Costs one ``stat`` per request while the journal is empty.
    """

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self._app = app
        self._services = services
        self._journal = link_journal(services.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._journal.pending():
            await replay_once(self._services, self._journal)
        await self._app(scope, receive, send)


async def replay_once(services: Services, journal: Journal) -> int:
    """Apply what can be applied now; 0 (and the journal kept) while Redis is still unavailable.

    Only an unavailable store stops the replay (the line waits for the next one, order kept); an entry that
    fails otherwise is logged and passed over, so one bad line can never hold back the readers behind it.
    """

    async def apply(entry: JournalEntry) -> None:
        try:
            await apply_request(services, entry)
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("a journaled %s could not be applied; passed over", entry.get("kind", "request"))

    try:
        done = await journal.replay(apply)
    except UNAVAILABLE as exc:
        log.info("journaled link requests wait for Redis (%s)", exc.__class__.__name__)
        return 0
    if done:
        log.info("applied %d journaled link request(s)", done)
    return done


async def replay_forever(services: Services, every: float = 5.0) -> None:
    """The web role's background replay (until cancelled)."""
    journal = link_journal(services.settings)
    while True:
        if journal.pending():
            try:
                await replay_once(services, journal)
            except Exception:
                log.exception("replaying the link journal failed; will try again")
        await asyncio.sleep(every)


def _route_name(request: Request) -> str:
    """The first path segment only: tokens in links are never logged."""
    return "/" + request.url.path.lstrip("/").split("/", 1)[0]
