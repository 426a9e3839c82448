"""Mailing a signed link from a web page: the sign-up's confirmation (``bot.web.signup``) and the discussion's
sign-in link (``bot.web.discussion``).

Both pages count requests per address and per client under a keyed hash (never the address itself), and
both turn what the email channel answers into the page the reader sees, the same way::

    sent                                  → SENT         "check your inbox"
    TransientError (SMTP down, no channel) → UNAVAILABLE  503: nothing was sent, the reader may try again
    ChannelError (the address refused)    → REFUSED      400: the address cannot receive mail
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.app import Services
from channels.base import ChannelError, TransientError
from channels.mail import mask_address

if TYPE_CHECKING:
    from channels.mail.channel import MailChannel

__all__ = ["LinkMail", "attempt_key", "send_link_mail"]

log = logging.getLogger(__name__)


class LinkMail(enum.Enum):
    SENT = "sent"
    UNAVAILABLE = "unavailable"
    REFUSED = "refused"


def attempt_key(hash_key: bytes, value: str) -> str:
    """What an address or a client IP is counted under: a keyed hash, so Redis never holds the value."""
    return hmac.new(hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


async def send_link_mail(services: Services, what: str, address: str,
                         send: Callable[[MailChannel, str], Awaitable[object]]) -> LinkMail:
    """Send one link mail through the email channel (``send(channel, idempotency key)``), logging ``what`` with
    the address masked; the answer decides the page. Raises nothing the channel's error tree covers."""
    try:
        await send(_email_channel(services), secrets.token_hex(16))
    except TransientError as exc:
        log.warning("%s to %s not sent: %s", what, mask_address(address), exc.__class__.__name__)
        return LinkMail.UNAVAILABLE
    except ChannelError:
        log.info("%s to %s refused by the receiver", what, mask_address(address))
        return LinkMail.REFUSED
    log.info("%s sent to %s", what, mask_address(address))
    return LinkMail.SENT


def _email_channel(services: Services) -> MailChannel:
    from channels.mail.channel import MailChannel  # the SMTP client only once a mail is sent

    channel = services.channels.get("email")
    if not isinstance(channel, MailChannel):
        raise TransientError("the email channel is not configured")
    return channel
