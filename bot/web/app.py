"""Builds the one Starlette app: the site's route modules, then every channel's webhook from the registry.

Each route module exposes ``routes(services) -> list[BaseRoute]``; the channels' webhooks all travel the one
inbound pipeline (``bot.web.webhooks``). The app itself holds no state beyond the ``Services`` it was given.
App-wide behaviour lives here once, for every route (pages and webhooks alike): the 404 page, the 503 page
while Redis is unavailable (``bot.web.outage``), and the replay of link requests journaled during an outage.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from bot.app import Services
from bot.store.claims import ClaimStore
from bot.web import discussion, health, metrics, outage, pages, slack_login, stories
from bot.web import signup as email
from bot.web.webhooks import webhook_routes

__all__ = ["create_app"]

RouteFactory = Callable[[Services], list[BaseRoute]]

_ROUTE_MODULES: tuple[RouteFactory, ...] = (
    health.routes,
    email.routes,
    pages.routes,
    stories.routes,
    slack_login.routes,  # before discussion: "/login/slack" is not a magic link's token
    discussion.routes,
    metrics.routes,
)


def create_app(services: Services) -> Starlette:
    """The ASGI app for ``services``. Lifespan is the caller's: the services are already open."""
    routes: list[BaseRoute] = []
    for factory in _ROUTE_MODULES:
        routes.extend(factory(services))
    routes.extend(webhook_routes(services.inbounds, ClaimStore(services.runtime.redis)))
    handlers: dict[int | type[Exception], outage.Handler] = {404: pages.not_found_handler(services)}
    for key, handler in outage.exception_handlers(services).items():
        handlers[key] = handler
    app = Starlette(routes=routes, exception_handlers=handlers,
                    middleware=[Middleware(outage.JournalReplay, services=services)])
    app.state.services = services
    return app
