"""Builds the one Starlette app: the site's route modules, then every channel's webhook from the registry.

Each route module exposes ``routes(services) -> list[BaseRoute]``; the channels' webhooks all travel the one
inbound pipeline (``bot.web.webhooks``). The app itself holds no state beyond the ``Services`` it was given.
App-wide behaviour lives here once, for every route (pages and webhooks alike): the 404 page, the 503 page
while Redis is unavailable (``bot.web.outage``), and the replay of link requests journaled during an outage.

Client addresses: ``X-Forwarded-For`` is believed only from ``AITODAY_TRUSTED_PROXIES`` (none by default), by
uvicorn's own ``ProxyHeadersMiddleware`` placed here, inside the app, so no server setting can widen it; the
server itself never rewrites the client (``server_config``: uvicorn would otherwise trust any loopback peer,
and a forged header would give every request its own sign-up bucket).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.app import Services
from bot.store.claims import ClaimStore
from bot.web import discussion, feedback_links, health, metrics, outage, pages, slack_login, stories
from bot.web import signup as email
from bot.web.webhooks import webhook_routes

__all__ = ["create_app", "server_config"]

RouteFactory = Callable[[Services], list[BaseRoute]]

_ROUTE_MODULES: tuple[RouteFactory, ...] = (
    health.routes,
    email.routes,
    feedback_links.routes,
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
    middleware = [Middleware(outage.JournalReplay, services=services)]
    trusted = _trusted_proxies(services.settings.trusted_proxy_list)
    if trusted:
        middleware.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted))
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)
    app.state.services = services
    return app


def server_config(app: Any, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the web role: it never trusts proxy headers itself (``create_app`` does,
    from ``AITODAY_TRUSTED_PROXIES`` only)."""
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, forwarded_allow_ips="", **options)


def _trusted_proxies(items: tuple[str, ...]) -> list[str]:
    """Normalised for uvicorn: a CIDR with host bits set (``10.1.2.3/16``) as its network."""
    return [str(ipaddress.ip_network(item, strict=False)) if "/" in item else item for item in items]
