"""The email channel: renders the digest, builds the MIME message and hands it to SMTP or the outbox.

Where mail goes is decided once, at construction: with an ``SmtpConfig`` every message goes through the
pooled SMTP transport (``channels.mail.smtp``); without one, each message is written as one ``.eml`` file under
the outbox directory (the embedded default, so ``make run`` shows real mails). An outbox file is named after
the Message-ID, so a retried delivery overwrites its own file rather than adding a second one.

Errors a send raises (everything else stays inside ``mail_smtp``)::

    TransientError       4xx for the recipient, SMTP unreachable, TLS/auth failed     retry later
    └── AmbiguousError   link lost during DATA                                         retry: same Message-ID
    RecipientGone        5.1.x / 550 / 551 / 553 / 5.2.1 at once; 5.2.2 (mailbox      deactivate
                         full) on the 3rd delivery in a row
    RenderBug            5.3.4 message too big                                         plain-text fallback,
    └── MailRejected     other 5xx (policy, spam, 554); 5.2.2 before the 3rd time      then dead letter;
                                                                                       subscription kept

``MailRejected`` is a ``RenderBug`` so that the worker's one rule for "the receiver refused this message"
applies: one plain-text attempt (some filters refuse HTML), then a dead letter, never hours of retries of a 5xx.

The 5.2.2 streak is counted per address over distinct delivery ids by a ``BounceLedger`` (the bot keeps it in
Redis so it holds across workers); a delivery the server accepts resets it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from channels.base import (
    Delivery,
    RateLimit,
    Receipt,
    Recipient,
    RecipientGone,
    RenderBug,
    TransientError,
)
from channels.mail import mask_address
from channels.mail.message import (
    DkimKey,
    MailIdentity,
    build_confirmation,
    build_digest,
    build_reply,
    message_id,
)
from channels.mail.ports import BounceLedger
from channels.mail.render import MailLinks, RenderedMail, render_confirmation, render_digest, render_login
from channels.mail.smtp import ReplyAction, SmtpConfig, SmtpPool, SmtpReply, classify
from summaries.models import Edition

__all__ = [
    "MAILBOX_FULL_LIMIT",
    "BounceLedger",
    "LinkMaker",
    "MailChannel",
    "MailConfig",
    "MailRejected",
    "MemoryBounceLedger",
    "SmtpConfig",
    "mailto_unsubscribe",
    "mask_address",
]

#: Consecutive deliveries refused with 5.2.2 (mailbox full) after which the address counts as gone.
MAILBOX_FULL_LIMIT = 3


class MailRejected(RenderBug):
    """A 5xx that is permanent for this message but says nothing about the address (policy, spam, 554).

    Not retried beyond the worker's one plain-text fallback; the subscription stays. ``reply`` is the server's
    answer, safe to record.
    """

    def __init__(self, reply: str) -> None:
        super().__init__(f"rejected: {reply}")
        self.reply = reply


@dataclass
class MemoryBounceLedger:
    """A per-channel-instance ledger for tests and one-process use; the bot passes a Redis one."""

    streaks: dict[str, set[str]] = field(default_factory=dict)

    async def mailbox_full(self, address: str, delivery_id: str) -> int:
        streak = self.streaks.setdefault(address.lower(), set())
        streak.add(delivery_id)
        return len(streak)

    async def delivered(self, address: str) -> None:
        self.streaks.pop(address.lower(), None)


#: Builds a recipient's links (the bot signs them); the default reads them from ``Recipient.extra``.
LinkMaker = Callable[[Recipient, Edition], MailLinks]


@dataclass(frozen=True, slots=True)
class MailConfig:
    """Everything the channel needs; built from the settings by the bot (channels never read settings)."""

    mail_from: str
    public_url: str
    outbox_dir: Path
    smtp: SmtpConfig | None = None
    dkim: DkimKey | None = None
    #: messages per second the relay accepts from us, and per receiving domain
    rate_per_second: float = 10.0
    domain_rate_per_second: float = 2.0


class MailChannel:
    """Digests and confirmation mails, through SMTP or into the outbox."""

    name = "email"

    def __init__(
        self,
        config: MailConfig,
        *,
        links: LinkMaker | None = None,
        bounces: BounceLedger | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._links = links or self._links_from_extra
        self._bounces: BounceLedger = bounces or MemoryBounceLedger()
        self._clock = clock
        self._sender = MailIdentity(config.mail_from)
        self._pool = SmtpPool(config.smtp) if config.smtp is not None else None

    @property
    def uses_outbox(self) -> bool:
        return self._pool is None

    @property
    def pool(self) -> SmtpPool | None:
        return self._pool

    # ------------------------------------------------------------------------------------ Channel protocol

    def render(self, edition: Edition, language: str) -> dict[str, str]:
        """Subject, text and HTML of ``edition`` with placeholder personal links (``aitoday preview``)."""
        base = self._config.public_url.rstrip("/")
        links = MailLinks(
            view_url=f"{base}/editions/{edition.date.isoformat()}",
            preferences_url=f"{base}/preferences/preview",
            unsubscribe_url=f"{base}/unsubscribe/preview",
        )
        return render_digest(edition, language, links).to_dict()

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        """The relay's overall rate and a politer one per receiving domain; the outbox needs none."""
        if self._pool is None:
            return ()
        domain = recipient.address.rpartition("@")[2].lower() or "unknown"
        return (
            RateLimit("email:global", self._config.rate_per_second),
            RateLimit(f"email:domain:{domain}", self._config.domain_rate_per_second),
        )

    async def send(self, delivery: Delivery) -> Receipt:
        recipient = delivery.recipient
        links = self._links(recipient, delivery.edition)
        now = self._clock()
        # Rendering, inlining and RSA signing take milliseconds of CPU: keep them off the worker's event loop.
        data = await asyncio.to_thread(self._build_digest, delivery, links, now)
        mid = message_id(delivery.delivery_id, self._sender.domain)
        if self._pool is None:
            await self._write_outbox(f"{delivery.edition.date.isoformat()}-{_file_key(mid)}.eml", data)
            return Receipt(provider_message_id=mid, accepted_at=now)
        refused = await self._pool.transmit(self._sender.address, [recipient.address], data)
        reply = refused.get(recipient.address)
        if reply is not None:
            await self._raise_for(reply, recipient.address, delivery.delivery_id)
        await self._bounces.delivered(recipient.address)
        return Receipt(provider_message_id=mid, accepted_at=now)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    # ------------------------------------------------------------------------------------ confirmation

    async def send_confirmation(self, address: str, confirm_url: str, language: str, *, key: str) -> str:
        """The one mail an unconfirmed address may get. ``key`` makes the Message-ID; returns it.

        Raises ``TransientError`` (try again later) or ``RecipientGone``/``MailRejected`` (the server refused
        the address); the caller shows the visitor a page either way, never the error.
        """
        now = self._clock()
        mail: RenderedMail = render_confirmation(confirm_url, language)
        data = build_confirmation(mail, sender=self._sender, to=address, key=key, when=now,
                                  dkim_key=self._config.dkim)
        return await self._transactional(address, data, message_id("confirm:" + key, self._sender.domain), "confirm")

    async def send_login_link(self, address: str, login_url: str, language: str, *, key: str) -> str:
        """The site's magic sign-in link (transactional, like the confirmation); raises like it."""
        mail: RenderedMail = render_login(login_url, language)
        data = build_confirmation(mail, sender=self._sender, to=address, key="login:" + key, when=self._clock(),
                                  dkim_key=self._config.dkim)
        return await self._transactional(address, data, message_id("confirm:login:" + key, self._sender.domain),
                                         "login")

    async def send_reply(self, address: str, text: str, *, subject: str, key: str, in_reply_to: str = "") -> str:
        """The answer to a command a subscriber mailed us (plain text, threaded). Returns its Message-ID.

        Raises ``TransientError`` or a refusal like ``send_confirmation``; callers log and move on.
        """
        now = self._clock()
        data = build_reply(text, subject=subject, sender=self._sender, to=address, key=key, when=now,
                           in_reply_to=in_reply_to, dkim_key=self._config.dkim)
        return await self._transactional(address, data, message_id("reply:" + key, self._sender.domain), "reply")

    # ------------------------------------------------------------------------------------ helpers

    def _build_digest(self, delivery: Delivery, links: MailLinks, now: datetime) -> bytes:
        mail = render_digest(delivery.edition, delivery.recipient.language, links)
        return build_digest(
            mail,
            sender=self._sender,
            to=delivery.recipient.address,
            delivery_id=delivery.delivery_id,
            links=links,
            when=now,
            plain_only=delivery.plain,
            dkim_key=self._config.dkim,
        )

    async def _transactional(self, address: str, data: bytes, mid: str, kind: str) -> str:
        """One mail that is not a digest: outbox file or SMTP; a refusal raises, mailbox-full is not counted."""
        if self._pool is None:
            await self._write_outbox(f"{kind}-{_file_key(mid)}.eml", data)
            return mid
        refused = await self._pool.transmit(self._sender.address, [address], data)
        reply = refused.get(address)
        if reply is not None:
            await self._raise_for(reply, address, f"{kind}:{mid}", count_full=False)
        return mid

    async def _raise_for(self, reply: SmtpReply, address: str, delivery_id: str, *, count_full: bool = True) -> None:
        action = classify(reply)
        masked = mask_address(address)
        if action is ReplyAction.RETRY:
            raise TransientError(f"{masked}: {reply}")
        if action is ReplyAction.GONE:
            raise RecipientGone(f"{masked}: {reply}")
        if action is ReplyAction.TOO_BIG:
            raise RenderBug(f"{masked}: {reply}")
        if action is ReplyAction.MAILBOX_FULL and count_full:
            streak = await self._bounces.mailbox_full(address, delivery_id)
            if streak >= MAILBOX_FULL_LIMIT:
                raise RecipientGone(f"{masked}: mailbox full on {streak} deliveries in a row: {reply}")
        raise MailRejected(f"{masked}: {reply}")

    def _links_from_extra(self, recipient: Recipient, edition: Edition) -> MailLinks:
        base = self._config.public_url.rstrip("/")
        extra = recipient.extra
        return MailLinks(
            view_url=f"{base}/editions/{edition.date.isoformat()}",
            preferences_url=extra.get("preferences_url", ""),
            unsubscribe_url=extra.get("unsubscribe_url", ""),
            unsubscribe_mailto=extra.get("unsubscribe_mailto", ""),
        )

    async def _write_outbox(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(_write_atomically, self._config.outbox_dir / name, data)


def mailto_unsubscribe(mail_from: str, token: str) -> str:
    """The List-Unsubscribe mailto: a mail to our sender address whose subject carries the token."""
    address = MailIdentity(mail_from).address
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def _file_key(mid: str) -> str:
    return hashlib.blake2b(mid.encode("utf-8"), digest_size=10).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)
