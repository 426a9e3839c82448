"""Everything the service keeps in Redis, one module per kind of record; nothing else in ``bot`` talks to Redis.

Callers above the store never see a redis-py exception for "Redis is not there": ``UNAVAILABLE`` names the
errors that mean the store cannot answer now (refused, reset, timed out on a frozen server, still loading),
and ``StoreUnavailable`` is the named error a store raises for them (every public store method translates at its
boundary, ``bot.store.errors.guarded``). Code outside the stores holds the connection only as an opaque
``RedisClient`` that it hands to a store's constructor. The web app maps every one of them to a
503 page with ``Retry-After`` (``bot.web.outage``), never a 500.
"""

from __future__ import annotations

from redis.exceptions import ClusterDownError as _ClusterDownError
from redis.exceptions import ConnectionError as _RedisConnectionError
from redis.exceptions import RedisClusterUnreachableError as _ClusterUnreachable
from redis.exceptions import SlotNotCoveredError as _SlotNotCovered
from redis.exceptions import TimeoutError as _RedisTimeoutError
from redis.exceptions import TryAgainError as _TryAgainError

from bot.store.client import RedisClient  # one Redis or a Redis Cluster (bot.store.client)

__all__ = ["UNAVAILABLE", "RedisClient", "StoreUnavailable", "is_unavailable"]


class StoreUnavailable(Exception):
    """Redis is unreachable or did not answer within its timeout; trying again later may succeed."""


#: The exceptions that mean "the store cannot answer now" (``BusyLoadingError`` is a ``ConnectionError``).
#: On a Redis Cluster also: a slot whose primary failed and is not yet replaced (``CLUSTERDOWN``, ``MASTERDOWN``),
#: a slot in migration (``TRYAGAIN``) and the cluster client's own "no node for this slot / no node answers".
UNAVAILABLE: tuple[type[Exception], ...] = (StoreUnavailable, _RedisConnectionError, _RedisTimeoutError,
                                            _ClusterDownError, _TryAgainError, _SlotNotCovered, _ClusterUnreachable)


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what it was raised from) means Redis is unreachable or frozen."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, UNAVAILABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
