"""Which periodic jobs a scheduler runs: the core three always, LINE's quota fit only with LINE on."""

from __future__ import annotations

from bot.app import open_services
from bot.delivery.scheduler import periodic_jobs
from bot.settings import load_settings


async def test_core_jobs_without_line(redis_url: str) -> None:
    async with open_services(load_settings(env={"AITODAY_REDIS_URL": redis_url})) as services:
        assert [job.name for job in periodic_jobs(services)] == ["due-tick", "ingest", "editions"]


async def test_line_quota_job_runs_when_line_is_configured(redis_url: str) -> None:
    settings = load_settings(env={"AITODAY_REDIS_URL": redis_url, "LINE_CHANNEL_SECRET": "s" * 32,
                                  "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40})
    async with open_services(settings) as services:
        names = [job.name for job in periodic_jobs(services)]
    assert "line-quota" in names
