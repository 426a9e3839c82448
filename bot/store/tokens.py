"""Signed, purpose-specific tokens for the links in mails: confirm, preferences, unsubscribe, login, feedback.

A token is an itsdangerous URL-safe timed signature over a small JSON payload. Each purpose has its own salt,
so a preferences token can never be replayed as an unsubscribe token (or a confirm token as either), and its
own lifetime. Preferences and unsubscribe tokens carry only the subscription id (a hash), never the address,
because links end up in logs and link scanners; a confirm token carries the address and the preferences asked
for at sign-up, because nothing is stored before the reader confirms (it goes only to that mailbox).

Key rotation: the current key (``AITODAY_SECRET_KEY`` or the generated one) signs; keys listed in
``AITODAY_SECRET_KEY_PREVIOUS`` still verify until an operator removes them. A key removed from both lists no
longer verifies anything signed with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.settings import Settings

__all__ = ["LinkTokens", "Purpose", "TokenError", "TokenExpired", "TokenInvalid"]


class Purpose(Enum):
    CONFIRM = "confirm"
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"
    LOGIN = "login"
    FEEDBACK = "feedback"

    @property
    def max_age(self) -> timedelta:
        """Confirm links are short-lived; digest links must work as long as an old mail may be read."""
        return _MAX_AGE[self]


_MAX_AGE = {
    Purpose.CONFIRM: timedelta(days=3),
    Purpose.PREFERENCES: timedelta(days=90),
    Purpose.UNSUBSCRIBE: timedelta(days=365),
    Purpose.LOGIN: timedelta(minutes=15),  # a magic link signs a browser in: short-lived and single-use
    Purpose.FEEDBACK: timedelta(days=90),  # 👍/👎 under a digest's stories: as long as preferences links
}


class TokenError(Exception):
    """A link token was not accepted. The message is safe to log (no token, no payload)."""


class TokenInvalid(TokenError):
    """Tampered, signed for another purpose, malformed, or signed with a key that was rotated out."""


class TokenExpired(TokenError):
    """Genuine but older than its purpose allows."""


class LinkTokens:
    """Makes and reads tokens. ``keys`` newest first; ``clock`` (epoch seconds) is injectable for tests."""

    def __init__(self, keys: Sequence[str], *, clock: Callable[[], float] = time.time) -> None:
        usable = [k for k in keys if k]
        if not usable:
            raise ValueError("at least one signing key is needed")
        clock_fn = clock

        class _Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock_fn())

        # itsdangerous signs with the *last* key and verifies with all of them.
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                list(reversed(usable)), salt=f"aitoday.link.{purpose.value}", signer=_Signer
            )
            for purpose in Purpose
        }

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Callable[[], float] = time.time) -> LinkTokens:
        previous = settings.secret_key_previous.get_secret_value() if settings.secret_key_previous else ""
        return cls([settings.secret(), *(k.strip() for k in previous.split(",") if k.strip())], clock=clock)

    def make(self, purpose: Purpose, payload: Mapping[str, str]) -> str:
        return str(self._serializers[purpose].dumps(dict(payload)))

    def read(self, purpose: Purpose, token: str) -> dict[str, str]:
        """The payload of a genuine, unexpired token of ``purpose``; raises ``TokenError`` otherwise."""
        return self.read_with_time(purpose, token)[0]

    def read_with_time(self, purpose: Purpose, token: str) -> tuple[dict[str, str], datetime]:
        """``read``, plus when the token was signed (whole seconds: the signature's own timestamp)."""
        if not token or len(token) > 2000:
            raise TokenInvalid("malformed token")
        try:
            data, signed = self._serializers[purpose].loads(token, max_age=int(purpose.max_age.total_seconds()),
                                                            return_timestamp=True)
        except SignatureExpired:
            raise TokenExpired(f"{purpose.value} link expired") from None
        except (BadSignature, ValueError, TypeError):
            raise TokenInvalid(f"{purpose.value} link not valid") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise TokenInvalid(f"{purpose.value} link not valid")
        when = signed if signed.tzinfo is not None else signed.replace(tzinfo=UTC)
        return {str(k): v for k, v in data.items()}, when
