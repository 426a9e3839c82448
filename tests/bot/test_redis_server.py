"""The embedded Redis: real, durable across restarts, and checks that refuse an unsafe server."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_a_process_that_joined_keeps_the_server_before_it_connects(tmp_path: Path) -> None:
    """Joined but not yet connected (between start and the first command) still counts as using the server."""
    first, second = EmbeddedRedis(tmp_path), EmbeddedRedis(tmp_path)
    first.start()
    second.start()  # joined; no connection of its own open yet
    first.stop()
    with redis.Redis.from_url(second.url, socket_timeout=5) as client:
        assert client.ping()
    second.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(first.url, socket_timeout=1).ping()


def test_commands_started_together_on_one_data_dir_all_answer_and_leave_no_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    running = [subprocess.Popen([sys.executable, "-m", "bot.cli", "--data-dir", str(tmp_path), "chat", "--as",
                                 f"telegram:{n}", "subscribe"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(6)]
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Subscribed" in out or "subscribed" in out, out
    with pytest.raises(redis.ConnectionError):  # the last one out stopped it
        redis.Redis.from_url(EmbeddedRedis(tmp_path).url, socket_timeout=1).ping()


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
