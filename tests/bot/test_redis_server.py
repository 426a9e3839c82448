"""The embedded Redis: real, durable across restarts, and checks that refuse an unsafe server."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from bot.redis_server import EmbeddedRedis, RedisUnsuitable, check_server
from bot.runtime import open_runtime
from bot.settings import load_settings


def test_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    server.start()
    with redis.Redis.from_url(server.url) as client:
        client.set("aitoday:v1:probe", "kept")
    server.stop()
    assert (tmp_path / "redis" / "appendonly.aof").exists() or (tmp_path / "redis" / "appendonlydir").exists()

    again = EmbeddedRedis(tmp_path)
    again.start()
    try:
        with redis.Redis.from_url(again.url) as client:
            assert client.get("aitoday:v1:probe") == b"kept"
            assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
            assert client.config_get("appendonly")["appendonly"] == "yes"
            assert client.config_get("port")["port"] == "0"
    finally:
        again.stop()


def test_eviction_policy_that_drops_keys_is_refused(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        check_server(client)
        client.config_set("maxmemory-policy", "allkeys-lru")
        try:
            with pytest.raises(RedisUnsuitable, match="noeviction"):
                check_server(client)
        finally:
            client.config_set("maxmemory-policy", "noeviction")


def test_the_last_process_to_leave_stops_the_shared_server(tmp_path: Path) -> None:
    """A short command that started the server leaves it to a longer one still using it; that one stops it."""
    first, second = EmbeddedRedis(tmp_path), EmbeddedRedis(tmp_path)
    first.start()
    pid = first.pid
    second.start()  # joins the running server
    assert second.pid is None
    with redis.Redis.from_url(second.url) as still_using:
        assert still_using.ping()
        first.stop()  # the starter leaves while the other is connected: the server stays
        assert still_using.ping()
    second.stop()  # the last one out shuts it down
    assert pid is not None
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(first.url, socket_timeout=1).ping()


async def test_a_redis_that_keeps_nothing_on_disk_is_refused_unless_declared_ephemeral(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "volatile")
    url = server.start()
    try:
        with redis.Redis.from_url(url) as client:
            client.config_set("appendonly", "no")
            client.config_set("save", "")
        env = {"AITODAY_REDIS_URL": url, "AITODAY_DATA_DIR": str(tmp_path / "data")}
        with pytest.raises(RedisUnsuitable, match="AITODAY_REDIS_EPHEMERAL"):
            async with open_runtime(load_settings(env=env)):
                pass
        async with open_runtime(load_settings(env={**env, "AITODAY_REDIS_EPHEMERAL": "true"})) as runtime:
            assert await runtime.redis.ping()
        with redis.Redis.from_url(url) as client:
            client.config_set("save", "3600 1")  # RDB snapshots alone are persistence enough
            check_server(client)
    finally:
        server.stop()
