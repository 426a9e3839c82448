"""Real processes for the fault tests: role processes (``tests.bot.delivery.procs``) and a dedicated Redis server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from bot.redis_server import find_redis_binary

REPO = Path(__file__).resolve().parents[3]


@dataclass
class Role:
    args: list[str]
    process: asyncio.subprocess.Process | None = None

    ready_seen: bool = False

    async def start(self, *, wait: bool = True) -> Role:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot.delivery.procs", *self.args, cwd=str(REPO), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        if wait:
            await self.ready()
        return self

    async def ready(self) -> None:
        """Wait until the process has started its role (it prints "ready")."""
        if self.ready_seen:
            return
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        assert line.strip() == b"ready", line
        self.ready_seen = True

    async def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        await self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DedicatedRedis:
    """A redis-server of our own on loopback TCP, with an AOF (everysec) so it can be killed and restarted."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [find_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
             "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            with contextlib.suppress(redis.RedisError), redis.Redis(port=self.port, socket_timeout=0.2) as client:
                if client.ping():
                    return
            if self._process.poll() is not None:
                raise RuntimeError("redis-server exited at start")
            time.sleep(0.01)
        raise RuntimeError("redis-server did not answer")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
