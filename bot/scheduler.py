"""The scheduler role: a thin APScheduler 3 wrapper that runs periodic jobs.

Jobs are plain async callables; what they do (ingest, build editions, plan due deliveries) lives in their own
modules. ``periodic_jobs`` lists them with their intervals, so adding a job is one line there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Services

__all__ = ["PeriodicJob", "Scheduler", "periodic_jobs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


def periodic_jobs(services: Services) -> list[PeriodicJob]:
    """The jobs every scheduler process runs. Each must be idempotent: several schedulers may run."""
    return []


class Scheduler:
    """Starts the periodic jobs on the running event loop; one failing run never stops the next."""

    def __init__(self, jobs: list[PeriodicJob]) -> None:
        self._jobs = jobs
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def start(self) -> None:
        for job in self._jobs:
            self._scheduler.add_job(
                self._guarded(job), "interval", seconds=job.seconds, id=job.name, name=job.name,
                max_instances=1, coalesce=True, misfire_grace_time=None,
            )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @staticmethod
    def _guarded(job: PeriodicJob) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await job.run()
            except Exception:
                log.exception("scheduled job %s failed; it runs again at its next interval", job.name)

        return run
