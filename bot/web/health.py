"""``GET /healthz``: can this process do its job, and is the deployment keeping up.

Answers 503 only when Redis is unreachable (this process cannot serve anything then: a load balancer should
take it out). Everything else is reported, not failed, because it concerns other roles: the scheduler lease
(no holder, or one that stopped renewing, means no digests are planned) and the delivery queue's lag. An
operator or a monitor reads ``status``: ``ok``, or ``degraded`` with the reasons in ``problems``.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.delivery.queue import read_queue_figures
from bot.store import StoreUnavailable
from bot.store.lease import read_lease
from bot.store.vitals import ping

__all__ = ["PENDING_AGE_LIMIT", "SCHEDULER_STALE_AFTER", "routes"]

#: A scheduler that has not renewed its lease for this long is reported as stale.
SCHEDULER_STALE_AFTER = 120.0
#: An unacknowledged delivery older than this means a worker is stuck or gone.
PENDING_AGE_LIMIT = 900.0


async def _scheduler(services: Services, now: float) -> dict[str, Any]:
    lease = await read_lease(services.runtime.redis, now)
    return {"holder": lease.holder, "lease_age_seconds": lease.age_seconds}


def routes(services: Services) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        now = time.time()
        try:
            await ping(services.runtime.redis)
            scheduler = await _scheduler(services, now)
            queue = await read_queue_figures(services.runtime.redis, now)
        except (StoreUnavailable, OSError) as exc:  # reported by class only: no hosts or passwords in the answer
            cause = exc.__cause__ if isinstance(exc, StoreUnavailable) and exc.__cause__ is not None else exc
            return JSONResponse({"status": "unhealthy", "redis": cause.__class__.__name__}, status_code=503)
        problems = []
        if scheduler["holder"] is None:
            problems.append("no scheduler holds the lease")
        elif scheduler["lease_age_seconds"] is not None and scheduler["lease_age_seconds"] > SCHEDULER_STALE_AFTER:
            problems.append("the scheduler lease is stale")
        if queue.pending_age_seconds > PENDING_AGE_LIMIT:
            problems.append("a delivery has been pending for too long")
        return JSONResponse({
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "redis": "ok",
            "scheduler": scheduler,
            "queue": {
                "length": queue.length,
                "pending": queue.pending,
                "pending_age_seconds": queue.pending_age_seconds,
                "retrying": queue.retrying,
                "dead_letters": queue.dead_letters,
            },
        })

    return [Route("/healthz", healthz, methods=["GET"])]
