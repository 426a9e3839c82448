"""The email channel's parts for the registry: always on (SMTP, or ``.eml`` files in the outbox), DKIM, signed links.

With ``SMTP_HOST`` set it sends through SMTP (STARTTLS required unless ``SMTP_STARTTLS=false``); without it
every mail is written to ``<data dir>/outbox/``. The bot gives the channel its bounce ledger and its link
signer (``channels.mail.ports``); the channel itself never reads settings or Redis.
"""

from __future__ import annotations

from typing import Any

from channels.base import Channel, Recipient
from channels.mail.channel import MailChannel, MailConfig, SmtpConfig
from channels.mail.message import DkimKey, MailIdentity
from channels.mail.ports import BounceLedger, MailLinkSigner
from channels.mail.render import MailLinks
from channels.mail.webhook import MailInbound
from channels.plugin import ChannelEnv, ChannelParts, ChannelSetupError
from summaries.models import Edition

__all__ = ["PARTS", "mail_config"]


def mail_config(settings: Any) -> MailConfig:
    """The channel's configuration from the bot's settings (SMTP, DKIM, sender, outbox)."""
    smtp = None
    if settings.smtp_enabled:
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
            raise ChannelSetupError(f"invalid setting AITODAY_DKIM_PRIVATE_KEY: cannot read the key file "
                                    f"({exc.strerror or exc.__class__.__name__})") from None
        dkim = DkimKey(selector=settings.dkim_selector, domain=MailIdentity(settings.mail_from).domain,
                       private_key=private_key)
    return MailConfig(mail_from=settings.mail_from, public_url=settings.public_url, outbox_dir=settings.outbox_dir,
                      smtp=smtp, dkim=dkim)


def _build(env: ChannelEnv) -> MailChannel:
    signer: MailLinkSigner = env.port(MailLinkSigner)

    def make_links(recipient: Recipient, edition: Edition) -> MailLinks:
        return signer.links(recipient.address, edition.date.isoformat())

    bounces: BounceLedger = env.port(BounceLedger)
    return MailChannel(mail_config(env.settings), links=make_links, bounces=bounces)


def _inbound(env: ChannelEnv, channel: Channel) -> MailInbound | None:
    """Replies to the digest as commands: only while ``AITODAY_MAIL_INBOUND_SECRET`` is set."""
    secret = env.settings.mail_inbound_secret
    if secret is None or not isinstance(channel, MailChannel):
        return None
    return MailInbound(channel, env.conversation, env.port(MailLinkSigner), secret.get_secret_value(),
                       authserv_id=env.settings.mail_authserv_id)


PARTS = ChannelParts(build=_build, inbound=_inbound, preview=_build)
