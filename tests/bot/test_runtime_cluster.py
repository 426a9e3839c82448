"""``open_runtime`` picks the client from the server (``INFO cluster``) unless ``AITODAY_REDIS_CLUSTER`` says."""

from __future__ import annotations

import pytest
from redis.asyncio.cluster import RedisCluster

from bot.cli import main
from bot.runtime import open_runtime
from bot.settings import load_settings
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from tests.redis_cluster import LocalCluster


@pytest.mark.parametrize("redis_url", ["cluster"], indirect=True)
async def test_auto_finds_the_cluster_from_one_node_and_writes_land_on_every_primary(
    redis_url: str, redis_cluster: LocalCluster
) -> None:
    settings = load_settings(env={"AITODAY_REDIS_URL": redis_url})
    async with open_runtime(settings) as runtime:
        assert runtime.cluster and isinstance(runtime.redis, RedisCluster)
        store = SubscriptionStore(runtime.redis)
        for n in range(40):
            await store.update(Identity.parse(f"telegram:{n}"), lambda _: None)  # reads through redirections
        await runtime.redis.set("{a}probe", "1")
        await runtime.redis.set("{b}probe", "1")
        assert await runtime.redis.get("{a}probe") == await runtime.redis.get("{b}probe") == "1"


async def test_auto_on_the_embedded_redis_is_a_plain_client(redis_url: str) -> None:
    async with open_runtime(load_settings(env={"AITODAY_REDIS_URL": redis_url})) as runtime:
        assert not runtime.cluster and not isinstance(runtime.redis, RedisCluster)


def test_insisting_on_a_cluster_that_is_not_one_fails_at_start_with_the_setting_named(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_url)
    monkeypatch.setenv("AITODAY_REDIS_CLUSTER", "true")
    assert main(["subscribers"]) == 1
    err = capsys.readouterr().err.strip()
    assert "AITODAY_REDIS_CLUSTER=true" in err and "not a cluster node" in err and len(err.splitlines()) == 1


def test_an_unknown_cluster_mode_is_bad_usage_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AITODAY_REDIS_CLUSTER", "maybe")
    assert main(["subscribers"]) == 2
    assert "AITODAY_REDIS_CLUSTER" in capsys.readouterr().err
