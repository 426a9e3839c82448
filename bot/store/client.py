"""The Redis client every store is given: one Redis or a Redis Cluster, chosen once by the runtime.

Why a union and not one class: ``redis.asyncio.Redis`` cannot follow a cluster's ``MOVED``/``ASK`` redirections
and ``redis.asyncio.cluster.RedisCluster`` refuses a unix socket (the embedded server's). Both speak the same
commands, pipelines (``transaction=True`` with ``WATCH`` in one slot on a cluster, redis-py >= 8.2) and scripts
(``register_script``); the few places that differ (running a script on every shard, checking the servers)
are the helpers below and the runtime's start-up check, so no store has to ask which one it holds.

The key grammar (``bot.keys``) keeps every multi-key operation in one hash slot, which is what makes a cluster
work unchanged: a transaction or Lua script touches one slot, streams are per shard, and a pipelined read over
all shards is split by redis-py into one round trip per node that owns some of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError

__all__ = [
    "REDIS_TROUBLE",
    "ClusterRequested",
    "RedisClient",
    "connect",
    "each_concurrently",
    "is_cluster",
    "open_client",
    "ready",
    "server_is_cluster",
]

#: What a loop that must outlive Redis trouble catches: redis-py's errors, the cluster client's own
#: (``RedisClusterException`` is no ``RedisError``: e.g. no node serves a slot in the middle of a failover) and
#: socket errors.
REDIS_TROUBLE: tuple[type[Exception], ...] = (RedisError, RedisClusterException, OSError)

#: What every store, queue and role holds. Decodes responses to ``str``.
RedisClient: TypeAlias = aioredis.Redis | RedisCluster

_T = TypeVar("_T")


class ClusterRequested(Exception):
    """``AITODAY_REDIS_CLUSTER=true`` but the server is not a cluster node (or the URL is a unix socket)."""


def server_is_cluster(url: str) -> bool:
    """``INFO cluster`` says ``cluster_enabled:1`` (a unix socket is never a cluster node we can follow)."""
    if urlsplit(url).scheme == "unix":
        return False
    with redis.Redis.from_url(url, socket_timeout=5) as client:
        return bool(int(client.info("cluster").get("cluster_enabled", 0)))


def is_cluster(client: RedisClient) -> bool:
    return isinstance(client, RedisCluster)


def connect(url: str, *, socket_timeout: float | None = None) -> RedisClient:
    """A client for ``url`` after asking the server what it is (blocking, once: for tools, benches and tests)."""
    return open_client(url, cluster=server_is_cluster(url), socket_timeout=socket_timeout)


async def ready(client: RedisClient) -> RedisClient:
    """Discover a cluster's topology now (slots, nodes, command table), not inside the first request's deadline."""
    if isinstance(client, RedisCluster):
        await client.initialize()
    return client


def open_client(url: str, *, cluster: bool, socket_timeout: float | None = None, **options: Any) -> RedisClient:
    """A client for ``url``: a ``RedisCluster`` discovering every node from this one, or a plain ``Redis``.

    ``options`` (the runtime's bounded waits and retry) go to either client alike, so a frozen node is a
    timeout in seconds on a cluster too.
    """
    options.setdefault("socket_timeout", socket_timeout)
    if cluster:
        if urlsplit(url).scheme == "unix":
            raise ClusterRequested("a Redis Cluster is reached over TCP: use redis://host:port, not a unix socket")
        return RedisCluster.from_url(url, decode_responses=True, **options)
    return aioredis.Redis.from_url(url, decode_responses=True, **options)


async def each_concurrently(calls: Sequence[Callable[[], Awaitable[_T]]]) -> list[_T]:
    """Run independent one-slot calls (scripts on several shards) at once.

    A script queued on a cluster pipeline is sent as ``EVALSHA`` only and fails with ``NOSCRIPT`` on a node that
    has not seen it; called directly, redis-py loads it where needed. Concurrent direct calls keep the
    round trips parallel on one Redis and on a cluster alike.
    """
    return list(await asyncio.gather(*(call() for call in calls)))

