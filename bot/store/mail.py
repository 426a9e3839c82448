"""The mail channel's ports (``channels.mail.ports``) in the bot: the bounce ledger on Redis, signed links.

The "mailbox full" streak of each address is a set of delivery ids next to its subscription
(``keys.mail_full_streak``), 40 days; the links are signed with ``LinkTokens`` (``bot.store.tokens``).
"""

from __future__ import annotations

from datetime import timedelta

from bot import keys
from bot.settings import Settings
from bot.store.client import RedisClient
from bot.store.models import Identity
from bot.store.subscriptions import SubscriptionStore
from bot.store.tokens import LinkTokens, Purpose, TokenError
from channels.mail.render import MailLinks

__all__ = ["RedisBounceLedger", "SignedMailLinks", "links_for", "mailto_unsubscribe"]

_STREAK_TTL = timedelta(days=40)


class RedisBounceLedger:
    """``BounceLedger`` on Redis: shared by every worker process."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def mailbox_full(self, address: str, delivery_id: str) -> int:
        key = keys.mail_full_streak(Identity.parse(f"email:{address}").sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, delivery_id)
            pipe.expire(key, int(_STREAK_TTL.total_seconds()))
            pipe.scard(key)
            results = await pipe.execute()
        return int(results[-1])

    async def delivered(self, address: str) -> None:
        await self._redis.delete(keys.mail_full_streak(Identity.parse(f"email:{address}").sid))


def mailto_unsubscribe(mail_from: str, token: str) -> str:
    """The ``mailto:`` List-Unsubscribe of a token (the same form ``channels.mail.inbound`` reads back)."""
    from channels.mail.channel import mailto_unsubscribe as _mailto  # the SMTP client only when mail is built

    return _mailto(mail_from, token)


def links_for(settings: Settings, tokens: LinkTokens, address: str, day: str) -> MailLinks:
    """The signed links of one subscriber's digest of ``day``."""
    base = settings.public_url.rstrip("/")
    sid = Identity.parse(f"email:{address}").sid
    unsubscribe = tokens.make(Purpose.UNSUBSCRIBE, {"s": sid})
    return MailLinks(
        view_url=f"{base}/editions/{day}",
        preferences_url=f"{base}/preferences/{tokens.make(Purpose.PREFERENCES, {'s': sid})}",
        unsubscribe_url=f"{base}/unsubscribe/{unsubscribe}",
        unsubscribe_mailto=mailto_unsubscribe(settings.mail_from, unsubscribe),
        feedback_url=f"{base}/feedback/{tokens.make(Purpose.FEEDBACK, {'s': sid})}",
    )


class SignedMailLinks:
    """``MailLinkSigner``: each recipient's links, signed with the settings' key, and read back."""

    def __init__(self, settings: Settings, store: SubscriptionStore) -> None:
        self._settings = settings
        self._store = store
        self._tokens = LinkTokens.from_settings(settings)

    def links(self, address: str, day: str) -> MailLinks:
        return links_for(self._settings, self._tokens, address, day)

    async def unsubscribe_address(self, token: str) -> str | None:
        try:
            sid = self._tokens.read(Purpose.UNSUBSCRIBE, token)["s"]
        except (TokenError, KeyError):
            return None
        sub = await self._store.get_by_sid(str(sid))
        if sub is None or sub.identity.channel != "email" or not sub.active:
            return ""
        return sub.identity.address
