"""Wires the email channel from the settings: SMTP or the outbox, DKIM, signed links, the bounce ledger.

Email is always on: with ``SMTP_HOST`` set it sends through SMTP (STARTTLS required unless
``SMTP_STARTTLS=false``); without it every mail is written to ``<data dir>/outbox/`` as an ``.eml`` file.
The channel itself never reads settings or Redis; this module gives it plain config, a ``LinkMaker`` that
signs each recipient's preferences/unsubscribe links, and a ``BounceLedger`` kept in Redis.
"""

from __future__ import annotations

from datetime import timedelta

import redis.asyncio as aioredis

from bot import keys
from bot.runtime import Runtime
from bot.settings import Settings, SettingsError
from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose
from channels.base import Recipient
from channels.mail.channel import MailChannel, MailConfig, SmtpConfig, mailto_unsubscribe
from channels.mail.message import DkimKey, MailIdentity
from channels.mail.render import MailLinks
from summaries.models import Edition

__all__ = ["RedisBounceLedger", "links_for", "mail_channel", "mail_config", "mail_factory"]

_STREAK_TTL = timedelta(days=40)


class RedisBounceLedger:
    """The "mailbox full" streak of each address, as a set of delivery ids next to its subscription."""

    def __init__(self, redis: aioredis.Redis) -> None:
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


def mail_config(settings: Settings) -> MailConfig:
    smtp = None
    if settings.smtp_enabled:
        assert settings.smtp_host is not None
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
    dkim = None
    if settings.dkim_selector and settings.dkim_private_key:
        try:
            private_key = settings.dkim_private_key.read_bytes()
        except OSError as exc:
            raise SettingsError(f"invalid setting AITODAY_DKIM_PRIVATE_KEY: cannot read the key file "
                                f"({exc.strerror or exc.__class__.__name__})") from None
        dkim = DkimKey(
            selector=settings.dkim_selector,
            domain=MailIdentity(settings.mail_from).domain,
            private_key=private_key,
        )
    return MailConfig(
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        outbox_dir=settings.outbox_dir,
        smtp=smtp,
        dkim=dkim,
    )


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
    )


def mail_channel(runtime: Runtime) -> MailChannel:
    settings = runtime.settings
    tokens = LinkTokens.from_settings(settings)

    def make_links(recipient: Recipient, edition: Edition) -> MailLinks:
        return links_for(settings, tokens, recipient.address, edition.date.isoformat())

    return MailChannel(mail_config(settings), links=make_links, bounces=RedisBounceLedger(runtime.redis))


def mail_factory(runtime: Runtime) -> MailChannel | None:
    """The registry's factory: email is always on (SMTP or the outbox)."""
    return mail_channel(runtime)
