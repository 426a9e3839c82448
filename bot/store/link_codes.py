"""One-time codes that join a reader's identities on two channels (``link`` on one, the code on the other).

A code is six digits, lives ten minutes and can be redeemed once: ``GETDEL`` takes it, so two channels racing
with the same code cannot both join. The code is the only secret: it travels through the reader's own chats,
and guessing one in ten minutes means a million tries, which the webhooks' signatures make impossible from
outside the platforms.
"""

from __future__ import annotations

import secrets

from bot import keys
from bot.store.client import RedisClient
from bot.store.deadline import unavailable_on_failure
from bot.store.models import Identity

__all__ = ["CODE_SECONDS", "LinkCodes"]

CODE_SECONDS = 600
_TRIES = 5


class LinkCodes:
    """Issue and redeem link codes on Redis."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def issue(self, identity: Identity) -> str:
        """A fresh code for ``identity`` (a new one on every ``link``; older ones expire by themselves)."""
        async with unavailable_on_failure():
            for _ in range(_TRIES):
                code = f"{secrets.randbelow(1_000_000):06d}"
                if await self._redis.set(keys.link_code(code), str(identity), nx=True, ex=CODE_SECONDS):
                    return code
        raise RuntimeError("no free link code")  # a million codes in ten minutes: never in practice

    async def redeem(self, code: str) -> Identity | None:
        """The identity that asked for ``code``, once; None when it is unknown, used or expired."""
        async with unavailable_on_failure():
            value = await self._redis.getdel(keys.link_code(code))
        if isinstance(value, bytes):
            value = value.decode()
        return Identity.parse(value) if value else None
