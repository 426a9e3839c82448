"""The scheduler role: a thin APScheduler 3 wrapper that runs the periodic jobs, once, across any number of processes.

Any number of ``aitoday scheduler`` (or ``aitoday run``) processes may run. One holds the lease
(``bot.store.lease``); the others keep trying and take over when a holder dies and its lease runs out. Jobs run
only in the holder.

The lease is a convenience, not the safety net: every job is idempotent and safe to run concurrently (a stale
holder that has not yet noticed it lost the lease may run one more tick). The due-tick in particular plans
each slot exactly once whatever runs it (``bot.delivery.planner``). Jobs are plain async callables; what they do
lives in their own modules. ``periodic_jobs`` lists them with their intervals.

The ingest job runs at once when the scheduler starts (fresh stories without waiting an interval) and then every
``AITODAY_INGEST_INTERVAL_MINUTES``; it first checks that the sources are reachable at all, so a machine
without a network logs one line instead of marking every source failed. ``Scheduler.stop`` cancels a job
that is running and waits for it to end, before the caller closes Redis: the ingest stops between atomic
writes, and nothing logs a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.content.editions import build_edition
from bot.content.ingest_run import run_ingest, sources_reachable
from bot.delivery.planner import Planner
from bot.delivery.queue import DeliveryQueue
from bot.store import StoreUnavailable
from bot.store.lease import Lease

__all__ = ["EDITION_LANGUAGES", "PeriodicJob", "Scheduler", "due_tick", "lease_for", "periodic_jobs"]

if TYPE_CHECKING:  # the composition root imports every channel SDK; a worker needs none of that
    from bot.app import Services

log = logging.getLogger(__name__)

EDITION_LANGUAGES = ("en", "ja")

@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


def due_tick(services: Services) -> Callable[[], Awaitable[object]]:
    """Plan every due slot, then trim acknowledged stream entries."""
    settings = services.settings
    planner = Planner(services.runtime.redis, catch_up=timedelta(hours=settings.catch_up_hours),
                      clock=services.store.clock)
    queue = DeliveryQueue(services.runtime.redis)

    async def run() -> None:
        await planner.tick()
        await queue.trim()

    return run


def _build_editions(services: Services) -> Callable[[], Awaitable[object]]:
    async def run() -> None:
        day = datetime.now(UTC).date()
        for language in EDITION_LANGUAGES:
            await build_edition(services.runtime, day, language)

    return run


def _ingest(services: Services) -> Callable[[], Awaitable[object]]:
    async def run() -> None:
        if not await sources_reachable(services.runtime):
            log.warning("the network looks unreachable: ingest skipped; it tries again in %d minutes",
                        services.settings.ingest_interval_minutes)
            return
        report = (await run_ingest(services.runtime)).report  # ends by rebuilding today's editions
        log.info("ingest: %d new article(s) from %d source(s); %d failed", report.new, len(report.outcomes),
                 report.count("failed"))

    return run


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    """The jobs every scheduler process runs (in the lease holder). Each must be idempotent."""
    settings = services.settings
    ingest_every = settings.ingest_interval_minutes * 60.0
    jobs = [
        PeriodicJob("due-tick", settings.due_tick_seconds, due_tick(services)),
        PeriodicJob("ingest", ingest_every, _ingest(services)),
        PeriodicJob("editions", ingest_every, _build_editions(services)),
    ]
    # Each channel's own periodic jobs (LINE fits the next fan-out into its monthly quota), from the registry.
    jobs.extend(PeriodicJob(job.name, job.every_seconds, job.run) for job in services.jobs)
    return jobs


#: Jobs whose first run is at start rather than one interval later.
_AT_START = frozenset({"due-tick", "ingest"})


def default_holder() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Scheduler:
    """Starts the periodic jobs on the running event loop; one failing run never stops the next.

    ``lease``: when given, a job runs only while this process holds it (checked, and renewed, before each
    run and every ``lease_ttl / 3`` seconds).
    """

    def __init__(self, jobs: list[PeriodicJob], lease: Lease | None = None, lease_ttl: float = 0.0) -> None:
        self._jobs = jobs
        self._lease = lease
        self._lease_ttl = lease_ttl
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False

    def start(self) -> None:
        for job in self._jobs:
            self._scheduler.add_job(
                self._guarded(job), "interval", seconds=job.seconds, id=job.name, name=job.name,
                max_instances=1, coalesce=True, misfire_grace_time=None,
                **({"next_run_time": datetime.now(UTC)} if job.name in _AT_START else {}),
            )
        if self._lease is not None and self._lease_ttl > 0:
            self._scheduler.add_job(self._renew, "interval", seconds=self._lease_ttl / 3, id="lease", name="lease",
                                    max_instances=1, coalesce=True, misfire_grace_time=None)
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop scheduling new runs (a run in progress goes on; ``stop`` also ends those)."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self) -> None:
        """Stop scheduling, cancel the runs in progress and wait until they have ended.

        Called before Redis closes: a run left behind would meet a closed connection and log a traceback.
        """
        self.shutdown()
        while self._running:
            running = set(self._running)
            for task in running:
                task.cancel()
            await asyncio.wait(running, timeout=0.5)  # repeated: redis-py can swallow a cancel mid-command

    async def _renew(self) -> None:
        if self._lease is None:
            return
        try:
            await self._lease.hold()
        except (StoreUnavailable, OSError) as exc:
            log.warning("scheduler lease renewal failed (%s)", exc.__class__.__name__)

    def _guarded(self, job: PeriodicJob) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                if self._lease is not None and not await self._lease.hold():
                    return
                await job.run()
            except asyncio.CancelledError:  # shutdown (SIGTERM, Ctrl+C): every job is idempotent, so it reruns
                log.info("scheduled job %s stopped by shutdown; it runs again at the next start", job.name)
            except Exception:
                if self._stopping:  # its Redis closed under it by the shutdown: the job simply reruns next time
                    log.info("scheduled job %s stopped by shutdown; it runs again at the next start", job.name)
                    return
                log.exception("scheduled job %s failed; it runs again at its next interval", job.name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run


def lease_for(services: Services, holder: str | None = None) -> tuple[Lease, float]:
    """The scheduler lease of ``services`` and its TTL (three due-ticks, at least 3 s, at most 5 min)."""
    ttl = min(300.0, max(3.0, 3 * services.settings.due_tick_seconds))
    return Lease(services.runtime.redis, holder or default_holder(), ttl), ttl
