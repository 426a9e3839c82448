"""Where a store's Redis errors become ``StoreUnavailable`` (defined in ``bot.store``): at the store's boundary.

Why one named type: a caller outside ``bot/store`` (a route, the worker, a CLI verb) must decide "our
dependency failed" without knowing which client library the stores use. The web layer answers it with a 503
and ``Retry-After``, the worker leaves its entry pending for a later reclaim, a CLI verb exits 1 with one line.

``guard`` (for a coroutine function), ``guard_iter`` (an async generator function) and ``guarded`` (every public
async method of a store class) translate any ``RedisError`` and the socket's ``ConnectionError`` and
``TimeoutError`` into ``StoreUnavailable`` chained to the cause, so a store's internal retry loops
(``WatchError``) still see the library's own errors and a caller never sees them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, cast

from redis.exceptions import RedisError

from bot.store import StoreUnavailable

__all__ = ["guard", "guard_iter", "guarded"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)

_FAILURES = (RedisError, ConnectionError, TimeoutError)



def guard(function: Callable[_P, Coroutine[Any, Any, _R]]) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """``function`` raising ``StoreUnavailable`` (chained to the cause) instead of a Redis or socket error."""

    @functools.wraps(function)
    async def guarded_call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return await function(*args, **kwargs)
        except StoreUnavailable:
            raise
        except _FAILURES as exc:
            raise StoreUnavailable(f"{exc.__class__.__name__}: Redis did not answer") from exc

    return guarded_call


def guard_iter(function: Callable[_P, AsyncIterator[_T]]) -> Callable[_P, AsyncIterator[_T]]:
    """``guard`` for an async generator function."""

    @functools.wraps(function)
    async def guarded_iter(*args: _P.args, **kwargs: _P.kwargs) -> AsyncIterator[_T]:
        try:
            async for item in function(*args, **kwargs):
                yield item
        except StoreUnavailable:
            raise
        except _FAILURES as exc:
            raise StoreUnavailable(f"{exc.__class__.__name__}: Redis did not answer") from exc

    return guarded_iter


def guarded(cls: _C) -> _C:
    """Apply ``guard`` to every public coroutine method (and ``guard_iter`` to async generators) of ``cls``."""
    for name, attr in list(vars(cls).items()):
        if name.startswith("_"):
            continue
        if inspect.iscoroutinefunction(attr):
            setattr(cls, name, guard(cast(Callable[..., Coroutine[Any, Any, Any]], attr)))
        elif inspect.isasyncgenfunction(attr):
            setattr(cls, name, guard_iter(cast(Callable[..., AsyncIterator[Any]], attr)))
    return cls
