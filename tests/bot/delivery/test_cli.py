"""``aitoday deliveries`` as an operator runs it (a real process on the test Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.delivery.queue import DeliveryQueue
from bot.store.client import RedisClient
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.bot.delivery.engine import running_worker
from tests.stubs.recording_provider import RecordingProvider

REPO = Path(__file__).resolve().parents[3]


def aitoday(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AITODAY_REDIS_URL": redis_url, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


async def test_deliveries_shows_the_log_lists_dead_letters_and_replays_them(
    redis_client: RedisClient, redis_url: str, provider: RecordingProvider
) -> None:
    provider.fail = {"2"}
    async with running_worker(redis_client, provider.url, max_attempts=2) as engine:
        subs = await add_subscribers(engine.store, ["1", "2"])
        await make_due(redis_client, subs, datetime.now(UTC) - timedelta(seconds=5))
        await engine.planner.tick()
        queue = DeliveryQueue(redis_client)
        await wait_until(lambda: _dead(queue), what="a dead letter")
        await wait_until(lambda: _zero(redis_client), what="settled")
    log = aitoday(redis_url, "deliveries", "--for", "telegram:1")
    assert log.returncode == 0, log.stderr
    assert "sent" in log.stdout and "m1" in log.stdout
    dead = aitoday(redis_url, "deliveries", "--dead")
    assert dead.returncode == 0
    assert "telegram:2" in dead.stdout and "transient after 2 attempts: HTTP 500" in dead.stdout
    summary = aitoday(redis_url, "deliveries")
    assert "dead letters: 1" in summary.stdout
    replay = aitoday(redis_url, "deliveries", "--dead", "--replay")
    assert replay.stdout.strip() == "1 dead letter(s) queued again"
    assert await DeliveryQueue(redis_client).dead_letters() == []
    bad = aitoday(redis_url, "deliveries", "--for", "fax:1")
    assert bad.returncode == 2 and "unknown channel" in bad.stderr


async def _dead(queue: DeliveryQueue) -> bool:
    return len(await queue.dead_letters()) == 1


async def _zero(redis: RedisClient) -> bool:
    return await pending_total(redis) == 0
