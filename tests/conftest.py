"""Shared fixtures: a real Redis server for the session, a clean environment and no internet in any test."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from bot.redis_server import EmbeddedRedis
from bot.store.client import RedisClient, open_client, ready, server_is_cluster
from tests.redis_cluster import LocalCluster

#: Fixtures written for the project (small feeds, provider payloads): every test can run on a fresh clone.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FEEDS = FIXTURES / "feeds"
PAYLOADS = FIXTURES / "payloads"

#: ``../shared`` (the evaluation corpus: real feed snapshots, providers' own payloads) when it lies beside the
#: clone. Tests that read it are marked ``needs_shared`` and skip, saying so, where it is absent.
SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI lays shared/ beside the clone
    SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FEEDS = SHARED / "feeds"
SHARED_PAYLOADS = SHARED / "payloads"
HAS_SHARED = FEEDS.is_dir() and SHARED_PAYLOADS.is_dir()
needs_shared = pytest.mark.skipif(
    not HAS_SHARED, reason=f"reads the shared evaluation corpus, absent here ({SHARED}); "
    "the same behaviour is covered by tests/fixtures"
)


# ---------------------------------------------------------------------------------------------- no internet

_LOOPBACK_PREFIXES = ("127.", "::1", "localhost", "0:0:0:0:0:0:0:1")
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guard(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if not host.startswith(_LOOPBACK_PREFIXES) and host not in ("::1",):
            raise RuntimeError(f"test tried to reach {host}: tests must stay on loopback")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard(address)
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard(address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------- environment


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's settings; each gets its own data dir."""
    for name in list(os.environ):
        if name.startswith(("AITODAY_", "SLACK_", "LINE_", "TELEGRAM_", "SMTP_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AITODAY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    """A CLI run in-process configures logging on pytest's captured stream; undo it so later log records
    (from server threads such as aiosmtpd's) never write to a closed file."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


# ---------------------------------------------------------------------------------------------- redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real redis-server for the whole session (the embedded one: the same binary `make run` uses)."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop(force=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--redis", choices=["single", "cluster"], default="single",
                     help="the Redis that tests not marked both_redis run on (cluster: every test on a cluster)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``both_redis`` runs twice: on the embedded single Redis and on the session's cluster."""
    if metafunc.definition.get_closest_marker("both_redis") and "redis_url" in metafunc.fixturenames:
        metafunc.parametrize("redis_url", ["single", "cluster"], indirect=True)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A real Redis Cluster (3 primaries, 3 replicas) for the session, started when a test first asks."""
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    """The session server's URL (or, parametrized ``cluster``, one node of the session's cluster), emptied."""
    if getattr(request, "param", request.config.getoption("--redis")) == "cluster":
        cluster: LocalCluster = request.getfixturevalue("redis_cluster")
        with redis.RedisCluster.from_url(cluster.url) as nodes:
            nodes.flushall()  # every primary; replicas follow
        return cluster.url
    server: EmbeddedRedis = request.getfixturevalue("redis_server")
    with redis.Redis.from_url(server.url) as client:
        client.flushall()
    return server.url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[RedisClient]:
    """The client the runtime would open for this URL: a ``RedisCluster`` on a cluster node."""
    client = await ready(open_client(redis_url, cluster=server_is_cluster(redis_url)))
    yield client
    await client.aclose()
