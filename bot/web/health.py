"""``GET /healthz``: is Redis reachable. 200 with details, 503 when a dependency is down."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.app import Services

__all__ = ["routes"]


def routes(services: Services) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        try:
            await services.runtime.redis.ping()
        except Exception as exc:  # any Redis failure is "unhealthy", reported by class only
            return JSONResponse({"status": "unhealthy", "redis": exc.__class__.__name__}, status_code=503)
        return JSONResponse({"status": "ok", "redis": "ok"})

    return [Route("/healthz", healthz, methods=["GET"])]
