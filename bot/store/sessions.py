"""Signed-in browsers and magic login links, in Redis.

A session is a random cookie value; Redis keeps only its SHA-256 (``keys.session``), so a copy of the
database signs nobody in. A magic link is a signed token (``bot.store.tokens``, purpose ``login``, 15 minutes)
carrying a nonce; using it marks the nonce (``SET NX``) so the link works once, whichever process serves it.
Requests for links are counted per address and per client (keyed hashes), like sign-ups.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bot import keys
from bot.store.client import RedisClient

__all__ = ["SESSION_TTL", "SessionStore"]

SESSION_TTL = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    """Sessions, single-use login nonces and the login-request counters."""

    def __init__(self, redis: RedisClient, *, ttl: timedelta = SESSION_TTL) -> None:
        self._redis = redis
        self._ttl = ttl

    async def create(self, user_id: str) -> str:
        """A new session for ``user_id``; returns the cookie value (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        await self._redis.set(keys.session(_digest(token)), user_id, ex=self._ttl)
        return token

    async def user_for(self, token: str) -> str | None:
        """The user of a session cookie, or None (absent, expired, signed out, malformed)."""
        if not token or len(token) > 100:
            return None
        value = await self._redis.get(keys.session(_digest(token)))
        return str(value) if value else None

    async def end(self, token: str) -> None:
        if token and len(token) <= 100:
            await self._redis.delete(keys.session(_digest(token)))

    async def use_nonce(self, nonce: str, ttl: timedelta) -> bool:
        """True the first time a login link's nonce is used, False every later time."""
        if not nonce or len(nonce) > 64:
            return False
        return bool(await self._redis.set(keys.login_used(nonce), "1", nx=True, ex=ttl))

    async def put_state(self, state: str, next_path: str, ttl: timedelta = timedelta(minutes=10)) -> None:
        """Remember one "Sign in with Slack" round trip and where it returns to."""
        await self._redis.set(keys.oidc_state(state), next_path, ex=ttl)

    async def take_state(self, state: str) -> str | None:
        """The return path of ``state``, once; None when unknown, expired or already taken."""
        if not state or len(state) > 100:
            return None
        value = await self._redis.getdel(keys.oidc_state(state))
        return str(value) if value is not None else None

    async def allow_request(self, kind: str, digest: str, limit: int, window_seconds: int) -> bool:
        """Count one login-link request for ``kind``/``digest``; False once ``limit`` is passed in the window."""
        key = keys.login_attempts(kind, digest)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count) <= limit
