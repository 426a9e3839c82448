"""``POST /email/inbound``: a reply to the digest runs the command on its first line, through the one pipeline.

Our receiving mail server (or an inbound-mail service) posts each message raw (``message/rfc822`` body), with
the shared secret in ``X-AIToday-Inbound-Secret`` (absent → 401, wrong → 403). The route exists only while
``AITODAY_MAIL_INBOUND_SECRET`` is set. A message is claimed once by a hash of its bytes (a resend is skipped).

What happens to a mail (``channels.mail.inbound`` reads it):

* subject ``unsubscribe <token>`` (our List-Unsubscribe mailto): the signed token is the proof; unsubscribe.
* sender authenticated (aligned DKIM, or SPF/DKIM pass from our own server's Authentication-Results) and
  already a subscriber: run the command line and mail the reply back, threaded, through the mail channel.
* anything else is skipped and the JSON answer says why; nothing is mailed to an unproven sender (that would
  be backscatter), and no one becomes a subscriber this way (sign-up is double opt-in only).

Every answer to an accepted request is 200 with ``{"status": ..., "reason"|"command": ...}`` so the sending
server does not retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Sequence

from channels.base import ChannelError, InboundMessage
from channels.inbound import BadSignature, Conversation, HttpAnswer, HttpRequest, InboundBase, Unsigned, Update
from channels.mail import mask_address
from channels.mail.channel import MailChannel
from channels.mail.inbound import DnsLookup, InboundMail, read_inbound
from channels.mail.ports import MailLinkSigner

__all__ = ["MAX_MESSAGE", "SECRET_HEADER", "MailInbound"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-AIToday-Inbound-Secret"  # noqa: S105 - a header name, not a secret
MAX_MESSAGE = 2 * 1024 * 1024


class MailInbound(InboundBase):
    """Replies to the digest, read and answered. ``dns`` replaces DKIM's DNS lookups (tests)."""

    max_body = MAX_MESSAGE
    remember_seconds = 7 * 24 * 3600

    def __init__(self, channel: MailChannel, conversation: Conversation, signer: MailLinkSigner, secret: str, *,
                 authserv_id: str = "", dns: DnsLookup | None = None) -> None:
        self._channel = channel
        self._conversation = conversation
        self._signer = signer
        self._secret = secret.encode("utf-8")
        self._authserv_id = authserv_id
        self._dns = dns

    def verify(self, request: HttpRequest) -> None:
        given = request.headers.get(SECRET_HEADER.lower())
        if given is None:
            raise Unsigned("signature", "missing inbound secret")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            raise BadSignature("signature", "wrong inbound secret")

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        return [Update("m-" + hashlib.sha256(request.body).hexdigest()[:40], request.body)]

    def duplicate(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer.json({"status": "skipped", "reason": "this message was already handled"})

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        mail = await asyncio.to_thread(read_inbound, update.payload, authserv_id=self._authserv_id, dns=self._dns)
        if mail.unsubscribe_token:
            return await self._unsubscribe(mail)
        if not mail.authenticated:
            return _skipped(mail, mail.reason)
        sender = mail.sender.lower()
        if "@" not in sender or ":" in sender:
            return _skipped(mail, "the sender address is not usable")
        if await self._conversation.subscriber("email", sender) is None:
            return _skipped(mail, "the sender is not a subscriber; sign up on the web page first")
        if not mail.command:
            return _skipped(mail, "no command line found above the quoted text")
        answer = await self._conversation.handle(InboundMessage("email", sender, mail.command))
        log.info("mailed command %r from %s (%s)", answer.command or "?", mask_address(sender), mail.authenticated)
        try:
            await self._channel.send_reply(mail.sender, answer.text, subject=mail.subject,
                                           key=mail.message_id or mail.command, in_reply_to=mail.message_id)
        except ChannelError as exc:  # the command ran; a lost reply must not repeat it
            log.warning("reply to %s not sent: %s", mask_address(sender), exc.__class__.__name__)
        return HttpAnswer.json({"status": "ran", "command": answer.command, "ok": answer.ok})

    async def _unsubscribe(self, mail: InboundMail) -> HttpAnswer:
        address = await self._signer.unsubscribe_address(mail.unsubscribe_token)
        if address is None:
            return _skipped(mail, "the unsubscribe token is not valid")
        if address:
            await self._conversation.handle(InboundMessage("email", address, "unsubscribe"))
            log.info("mailto unsubscribe for %s", mask_address(address))
        return HttpAnswer.json({"status": "unsubscribed"})


def _skipped(mail: InboundMail, reason: str) -> HttpAnswer:
    log.info("inbound mail from %s skipped: %s", mask_address(mail.sender) if mail.sender else "?", reason)
    return HttpAnswer.json({"status": "skipped", "reason": reason})
