"""The long-running roles: web, scheduler, worker, and ``run`` (all of them in one process).

Stopping: the CLI turns SIGINT and SIGTERM into a cancel of its main task (``bot.cli._signals``), which lands
here. The web server then drains (uvicorn's own shutdown: stop accepting, finish requests), the scheduler's
running job is cancelled and awaited, the worker's tasks are cancelled until they end, and only then does
the caller close Redis. uvicorn does not install signal handlers of its own (``_Server``): one owner, so a
signal is handled once, the same way for every role.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from bot.app import Services
from bot.delivery.scheduler import Scheduler, lease_for, periodic_jobs
from bot.web.app import create_app, server_config
from bot.web.outage import replay_forever

__all__ = ["serve_roles"]

log = logging.getLogger("aitoday")


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the CLI owns SIGINT/SIGTERM and cancels ``serve_roles``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve_web(server: uvicorn.Server) -> None:
    """Serve until cancelled, then let uvicorn drain (its shutdown logs "Finished server process")."""
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await serving
        raise


async def serve_roles(services: Services, *, web: bool, scheduler: bool, worker: bool,
                      host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the chosen roles until interrupted."""
    settings = services.settings
    where = services.runtime.redis_url if services.runtime.embedded is None else (
        f"embedded Redis at {services.runtime.redis_url}"
    )
    log.info("data dir: %s", settings.data_dir.resolve())
    log.info("redis: %s", where)
    sched: Scheduler | None = None
    if scheduler:
        lease, ttl = lease_for(services)
        sched = Scheduler(periodic_jobs(services), lease, ttl)
        sched.start()
        log.info("scheduler started")
    tasks: list[asyncio.Task[None]] = []
    if worker:
        from bot.delivery import worker as worker_module

        tasks.append(asyncio.create_task(worker_module.run_worker(services)))
        log.info("worker started")
    try:
        if web:
            log.info("listening on http://%s:%d/ (public URL %s)", host, port, settings.public_url)
            config = server_config(create_app(services), host=host, port=port, log_level="info",
                                   lifespan="off", access_log=False, log_config=None)  # bot.logging_setup
            tasks.append(asyncio.create_task(replay_forever(services)))  # link requests kept during an outage
            await _serve_web(_Server(config))
        else:
            await asyncio.Event().wait()
    finally:
        if sched is not None:
            await sched.stop()
        await _stop(tasks)


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the background roles and wait until they end (SIGTERM, Ctrl+C).

    A cancel can be lost inside redis-py's asyncio client when it lands mid-command (a known race there), and
    a task that swallowed it would keep the process alive; so the cancel is repeated until every task ends.
    """
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("a role stopped with an error", exc_info=task.exception())
