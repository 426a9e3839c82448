"""``POST /email/inbound``: a reply to the digest runs the command on its first line (the stretch of issue 7).

Our receiving mail server (or an inbound-mail service) posts each message to us raw (``message/rfc822``
body), with the shared secret in ``X-AIToday-Inbound-Secret``. The route is off unless
``AITODAY_MAIL_INBOUND_SECRET`` is set; a wrong secret gets 401 before the body is read.

What happens to a mail (``channels.mail.inbound`` reads it):

* subject ``unsubscribe <token>`` (our List-Unsubscribe mailto): the signed token is the proof; unsubscribe.
* sender authenticated (aligned DKIM, or SPF/DKIM pass from our own server's Authentication-Results) and
  already a subscriber: run the command line through ``bot.conversation.commands`` and mail the reply back, threaded.
* anything else is skipped and the JSON answer says why; nothing is mailed to an unproven sender (that would
  be backscatter), and no one becomes a subscriber this way (sign-up is double opt-in only).

Every answer is 200 with ``{"status": ..., "reason"|"command": ...}`` so the sending server does not retry.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.store.models import Identity, IdentityError
from bot.store.tokens import LinkTokens, Purpose, TokenError
from channels.base import ChannelError
from channels.mail.channel import MailChannel, mask_address
from channels.mail.inbound import DnsLookup, InboundMail, read_inbound

__all__ = ["SECRET_HEADER", "routes"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-AIToday-Inbound-Secret"  # noqa: S105 - a header name, not a secret
_MAX_MESSAGE = 2 * 1024 * 1024


def routes(services: Services, *, dns: DnsLookup | None = None) -> list[BaseRoute]:
    """The inbound route when a secret is configured; ``dns`` replaces DKIM's DNS lookups (tests)."""
    secret = services.settings.mail_inbound_secret
    if secret is None:
        return []
    inbound = _Inbound(services, secret.get_secret_value(), dns)
    return [Route("/email/inbound", inbound.receive, methods=["POST"])]


class _Inbound:
    def __init__(self, services: Services, secret: str, dns: DnsLookup | None) -> None:
        self._services = services
        self._secret = secret.encode("utf-8")
        self._dns = dns
        self._tokens = LinkTokens.from_settings(services.settings)

    async def receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret):
            return JSONResponse({"status": "refused", "reason": "bad or missing inbound secret"}, status_code=401)
        raw = await request.body()
        if len(raw) > _MAX_MESSAGE:
            return JSONResponse({"status": "refused", "reason": "message too large"}, status_code=413)
        mail = await asyncio.to_thread(read_inbound, raw, authserv_id=self._services.settings.mail_authserv_id,
                                       dns=self._dns)
        if mail.unsubscribe_token:
            return await self._unsubscribe(mail)
        if not mail.authenticated:
            return _skipped(mail, mail.reason)
        try:
            identity = Identity.parse("email:" + mail.sender)
        except IdentityError:
            return _skipped(mail, "the sender address is not usable")
        if await self._services.store.get(identity) is None:
            return _skipped(mail, "the sender is not a subscriber; sign up on the web page first")
        if not mail.command:
            return _skipped(mail, "no command line found above the quoted text")
        reply = await self._services.commands.handle(identity, mail.command)
        log.info("mailed command %r from %s (%s)", reply.command or "?", mask_address(mail.sender),
                 mail.authenticated)
        channel = self._services.channels.get("email")
        if isinstance(channel, MailChannel):
            try:
                await channel.send_reply(mail.sender, reply.text, subject=mail.subject,
                                         key=mail.message_id or mail.command, in_reply_to=mail.message_id)
            except ChannelError as exc:
                log.warning("reply to %s not sent: %s", mask_address(mail.sender), exc.__class__.__name__)
        return JSONResponse({"status": "ran", "command": reply.command, "ok": reply.ok})

    async def _unsubscribe(self, mail: InboundMail) -> Response:
        try:
            sid = self._tokens.read(Purpose.UNSUBSCRIBE, mail.unsubscribe_token)["s"]
        except (TokenError, KeyError):
            return _skipped(mail, "the unsubscribe token is not valid")
        sub = await self._services.store.get_by_sid(sid)
        if sub is not None and sub.identity.channel == "email" and sub.active:
            await self._services.commands.handle(sub.identity, "unsubscribe")
            log.info("mailto unsubscribe for %s", mask_address(sub.identity.address))
        return JSONResponse({"status": "unsubscribed"})


def _skipped(mail: InboundMail, reason: str) -> JSONResponse:
    log.info("inbound mail from %s skipped: %s", mask_address(mail.sender) if mail.sender else "?", reason)
    return JSONResponse({"status": "skipped", "reason": reason})
