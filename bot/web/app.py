"""Builds the one Starlette app from the route modules. Add a module to ``_ROUTE_MODULES`` to add routes.

Each route module exposes ``routes(services) -> list[BaseRoute]``; the app itself holds no state beyond the
``Services`` it was given.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.app import Services
from bot.web import health, line, metrics, pages, slack, telegram
from bot.web import signup as email

__all__ = ["create_app"]

RouteFactory = Callable[[Services], list[BaseRoute]]

_ROUTE_MODULES: tuple[RouteFactory, ...] = (
    health.routes,
    email.routes,
    pages.routes,
    metrics.routes,
    slack.routes,
    line.routes,
    telegram.routes,
)


def create_app(services: Services) -> Starlette:
    """The ASGI app for ``services``. Lifespan is the caller's: the services are already open."""
    routes: list[BaseRoute] = []
    for factory in _ROUTE_MODULES:
        routes.extend(factory(services))
    app = Starlette(routes=routes, exception_handlers={404: pages.not_found_handler(services)})
    app.state.services = services
    return app
