"""The composition root's resources: settings, the Redis connection (embedded or given) and their lifetimes.

Nothing here runs at import time. ``open_runtime`` is the one place that decides which Redis to use: the
configured ``AITODAY_REDIS_URL`` (version, eviction policy and persistence checked on every primary) or the
embedded server under the data dir. A given URL may name one node of a Redis Cluster: ``AITODAY_REDIS_CLUSTER``
(``auto`` asks ``INFO cluster``) decides whether the client is a ``RedisCluster`` that follows the cluster's
redirections. Every role (web, worker, scheduler, CLI) opens one ``Runtime`` and passes it down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.redis_server import EmbeddedRedis, check_server
from bot.settings import Settings
from bot.store.client import ClusterRequested, RedisClient, open_client, ready, server_is_cluster

__all__ = ["Runtime", "client_options", "open_runtime"]


@dataclass
class Runtime:
    """What every role shares. ``redis`` decodes responses to ``str``; ``cluster`` says which client it is."""

    settings: Settings
    redis: RedisClient
    redis_url: str
    embedded: EmbeddedRedis | None = None
    cluster: bool = False


def client_options(settings: Settings) -> dict[str, Any]:
    """Bounded waits, so that a frozen Redis (SIGSTOP, a stalled host) is an error in seconds, not a hang.

    redis-py's default retries a timed-out command ten times with backoff (a page would wait half a minute for
    its 503); here a timed-out command fails at once, and only a refused or dropped connection is retried, a
    few times within a second (a Redis restart: the pool's old connections are dead, the server is coming back).
    """
    timeout = settings.redis_timeout_seconds
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.4), 4, supported_errors=(RedisConnectionError,)),
    }


def _check(url: str, mode: str, ephemeral: bool = False) -> bool:
    """Check the server (every primary of a cluster); return whether to speak cluster to it."""
    detected = server_is_cluster(url)
    if mode == "true" and not detected:
        raise ClusterRequested(f"AITODAY_REDIS_CLUSTER=true but {_where(url)} is not a cluster node "
                               "(INFO cluster says cluster_enabled:0)")
    cluster = detected if mode == "auto" else mode == "true"
    with redis.Redis.from_url(url, socket_timeout=5) as client:
        check_server(client, ephemeral=ephemeral)
        primaries = _other_primaries(client, url) if cluster else []
    for other in primaries:  # the same credentials and TLS as the URL, another node's address
        with redis.Redis.from_url(other, socket_timeout=5) as client:
            check_server(client, ephemeral=ephemeral)
    return cluster


def _other_primaries(client: redis.Redis, url: str) -> list[str]:
    """URLs of the cluster's other serving primaries (``CLUSTER NODES`` as seen from the given node)."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    here = f"{parts.hostname}:{parts.port or 6379}"
    rows: dict[str, dict[str, Any]] = client.cluster("NODES")
    urls = []
    for address, row in rows.items():
        flags = str(row.get("flags", ""))
        node = address.split("@", 1)[0]
        if "master" in flags and "fail" not in flags and row.get("slots") and node != here:
            urls.append(urlunsplit((parts.scheme, userinfo + node, "", "", "")))
    return urls


def _where(url: str) -> str:
    return url.rsplit("@", 1)[-1]  # never echo a password


async def _start(embedded: EmbeddedRedis) -> str:
    """Start the embedded server in a thread. A stop (cancel) while it starts lets the start finish and then
    stops the server: a cancelled await alone would leave the thread to start a redis-server nobody stops."""
    starting = asyncio.ensure_future(asyncio.to_thread(embedded.start))
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await starting
        await asyncio.to_thread(embedded.stop)
        raise


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Open Redis (starting the embedded server when no URL is set) and close it on exit."""
    embedded: EmbeddedRedis | None = None
    cluster = False
    if settings.redis_url:
        url = settings.redis_url
        cluster = await asyncio.to_thread(_check, url, settings.redis_cluster, settings.redis_ephemeral)
    else:
        embedded = EmbeddedRedis(settings.data_dir)
        url = await _start(embedded)
    client = open_client(url, cluster=cluster, **client_options(settings))
    try:
        await ready(client)
        yield Runtime(settings=settings, redis=client, redis_url=url, embedded=embedded, cluster=cluster)
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
