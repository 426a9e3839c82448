"""The digest and confirmation mails as RFC 5322 bytes: MIME structure, bulk-mail headers and DKIM.

Shape of a digest::

    multipart/alternative              (plain text first, HTML last: clients show the last part they can)
    ├── text/plain; charset=utf-8      quoted-printable
    └── text/html;  charset=utf-8      quoted-printable

Headers a receiver relies on: ``List-Unsubscribe`` (https URL + mailto) and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058; Gmail and Yahoo require both from bulk senders), a ``Message-ID``
derived from the delivery id (a retried send is the same message, receivers dedupe it), ``Date``,
``Precedence: bulk`` and ``Auto-Submitted: auto-generated`` (no auto-replies). When a DKIM key is configured
the signature covers both List-Unsubscribe headers, as RFC 8058 §4 requires for one-click to be honoured.

Bodies are encoded at 76 columns; headers are serialised unfolded (up to 998 octets) so that a long
unsubscribe URL stays one ASCII token instead of an encoded-word that no receiver would recognise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import dkim

from channels.mail.render import MailLinks, RenderedMail

__all__ = [
    "DkimKey",
    "MailIdentity",
    "build_confirmation",
    "build_digest",
    "build_reply",
    "message_id",
]

_SERIALISE = policy.SMTP.clone(max_line_length=998)

#: Headers the DKIM signature covers (lower case, as dkimpy expects). Both List-Unsubscribe headers are in.
SIGNED_HEADERS: tuple[bytes, ...] = (
    b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post", b"list-id",
)


@dataclass(frozen=True, slots=True)
class DkimKey:
    """A DKIM signing key: ``selector._domainkey.domain`` publishes its public half."""

    selector: str
    domain: str
    private_key: bytes


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """Who the mail is from. ``from_header`` is the display form, ``address`` the envelope sender."""

    from_header: str

    @property
    def address(self) -> str:
        return parseaddr(self.from_header)[1]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"


def message_id(key: str, domain: str) -> str:
    """A Message-ID that depends only on ``key`` (a delivery id): the same delivery, the same message."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    return f"<{digest}.aitoday@{domain}>"


def build_digest(
    mail: RenderedMail,
    *,
    sender: MailIdentity,
    to: str,
    delivery_id: str,
    links: MailLinks,
    when: datetime,
    plain_only: bool = False,
    dkim_key: DkimKey | None = None,
) -> bytes:
    """The digest for ``to`` as bytes ready for SMTP DATA (CRLF line ends), DKIM-signed if a key is given."""
    msg = _base(mail, sender=sender, to=to, mid=message_id(delivery_id, sender.domain), when=when)
    unsubscribe = [f"<{links.unsubscribe_url}>"] if links.unsubscribe_url else []
    if links.unsubscribe_mailto:
        unsubscribe.append(f"<{links.unsubscribe_mailto}>")
    if unsubscribe:
        msg["List-Unsubscribe"] = ", ".join(unsubscribe)
    if links.unsubscribe_url:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = f"AIToday digest <digest.{sender.domain}>"
    msg["Precedence"] = "bulk"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text, cte="quoted-printable")
    if not plain_only:
        msg.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return _sign(msg.as_bytes(policy=_SERIALISE), dkim_key)


def build_confirmation(
    mail: RenderedMail, *, sender: MailIdentity, to: str, key: str, when: datetime, dkim_key: DkimKey | None = None
) -> bytes:
    """The double opt-in mail: transactional (no List-Unsubscribe: there is nothing to leave yet)."""
    msg = _base(mail, sender=sender, to=to, mid=message_id("confirm:" + key, sender.domain), when=when)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text, cte="quoted-printable")
    msg.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return _sign(msg.as_bytes(policy=_SERIALISE), dkim_key)


def build_reply(
    text: str,
    *,
    subject: str,
    sender: MailIdentity,
    to: str,
    key: str,
    when: datetime,
    in_reply_to: str = "",
    dkim_key: DkimKey | None = None,
) -> bytes:
    """A plain-text answer to a subscriber's mailed command, threaded under their message."""
    topic = subject if subject.lower().startswith("re:") else f"Re: {subject}" if subject else "AIToday"
    msg = _base(RenderedMail(subject=topic, text=text, html=""), sender=sender, to=to,
                mid=message_id("reply:" + key, sender.domain), when=when)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(text, cte="quoted-printable")
    return _sign(msg.as_bytes(policy=_SERIALISE), dkim_key)


def _base(mail: RenderedMail, *, sender: MailIdentity, to: str, mid: str, when: datetime) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender.from_header
    msg["To"] = to
    msg["Subject"] = " ".join(mail.subject.split())  # no CR/LF can reach a header
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = mid
    return msg


def _sign(raw: bytes, key: DkimKey | None) -> bytes:
    if key is None:
        return raw
    signature = dkim.sign(
        raw,
        key.selector.encode("ascii"),
        key.domain.encode("ascii"),
        key.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(SIGNED_HEADERS),
    )
    return bytes(signature) + raw
