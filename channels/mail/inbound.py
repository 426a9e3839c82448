"""Replies to the digest, read as commands: who sent it (authenticated), and which command it carries.

A reply runs a command only when the sender is proven: a DKIM signature that verifies *and* whose ``d=``
domain aligns with the From address, or an ``Authentication-Results`` header (RFC 8601) added by our own
receiving server (named by its authserv-id; any other such header is ignored, since a sender can forge it)
that reports ``dkim=pass`` or ``spf=pass`` for an aligned domain. Anything else is skipped with a reason.

The command is the first line of the plain-text body that is not empty, not quoted (``>``) and comes before
the quoted digest (``On … wrote:``) or a signature (``-- ``). A subject ``unsubscribe <token>`` is the
List-Unsubscribe mailto: the signed token is its own proof, so no sender authentication is needed for it.
"""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

import dkim

__all__ = ["DnsLookup", "InboundMail", "read_inbound"]

#: dkimpy's DNS hook: TXT record of a name, or None. Tests pass their own; production uses dkimpy's default.
DnsLookup = Callable[..., bytes | None]

_MAX_COMMAND = 200
_QUOTE_INTRO = re.compile(r"^(on .+ wrote:|.+ wrote:|-----original message-----|________________)", re.IGNORECASE)
_RESINFO = re.compile(r"\b(dkim|spf)\s*=\s*(\w+)(.*)", re.IGNORECASE | re.DOTALL)
_PROP = re.compile(r"\b(header\.d|header\.i|smtp\.mailfrom)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class InboundMail:
    """What a received mail asks for. ``authenticated`` says how the sender was proven ("" = not)."""

    sender: str
    command: str
    unsubscribe_token: str = ""
    authenticated: str = ""
    reason: str = ""
    message_id: str = ""
    subject: str = ""


def read_inbound(raw: bytes, *, authserv_id: str = "", dns: DnsLookup | None = None) -> InboundMail:
    """Parse one received message. Never raises on bad input: the reason says what was wrong."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # the stdlib parser is lenient; anything it still rejects is simply not a command
        return InboundMail(sender="", command="", reason="not a mail message")
    assert isinstance(message, EmailMessage)
    senders = [addr for _, addr in getaddresses([str(v) for v in message.get_all("From", [])]) if "@" in addr]
    if len(senders) != 1:
        return InboundMail(sender="", command="", reason="the mail must have exactly one From address")
    sender = senders[0].strip().lower()
    subject = " ".join(str(message.get("Subject", "")).split())
    mid = str(message.get("Message-ID", "")).strip()
    token = ""
    words = subject.split()
    if len(words) == 2 and words[0].lower() == "unsubscribe":
        token = words[1]
    authenticated = _dkim_aligned(raw, sender, dns) or _results_aligned(message, sender, authserv_id)
    return InboundMail(
        sender=sender,
        command=_command_line(message),
        unsubscribe_token=token,
        authenticated=authenticated,
        reason="" if authenticated else "the sender is not authenticated (no aligned DKIM or SPF pass)",
        message_id=mid,
        subject=subject,
    )


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower().strip(".")


def _aligned(domain: str, sender: str) -> bool:
    """Relaxed alignment: the authenticated domain is the From domain or a parent of it."""
    want = _domain(sender)
    domain = domain.lower().strip(".")
    return bool(domain) and (want == domain or want.endswith("." + domain))


def _dkim_aligned(raw: bytes, sender: str, dns: DnsLookup | None) -> str:
    if b"dkim-signature:" not in raw[:65536].lower():
        return ""
    verifier = dkim.DKIM(raw)
    try:
        ok = verifier.verify(dnsfunc=dns) if dns is not None else verifier.verify()
    except Exception:  # dkimpy raises on malformed signatures and DNS failures alike: not verified
        return ""
    signer = (verifier.domain or b"").decode("ascii", "replace") if ok else ""
    return f"dkim:{signer}" if ok and _aligned(signer, sender) else ""


def _results_aligned(message: EmailMessage, sender: str, authserv_id: str) -> str:
    if not authserv_id:
        return ""
    for header in message.get_all("Authentication-Results", []):
        value = " ".join(str(header).split())
        server, _, rest = value.partition(";")
        if server.strip().split()[0:1] != [authserv_id]:
            continue  # not added by our own receiving server: anyone could have written it
        for resinfo in rest.split(";"):
            found = _RESINFO.search(resinfo)
            if found is None or found.group(2).lower() != "pass":
                continue
            for _, value_ in _PROP.findall(found.group(3)):
                if _aligned(_domain(value_) if "@" in value_ else value_, sender):
                    return f"{found.group(1).lower()}:{authserv_id}"
    return ""


def _command_line(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    if body is None:
        return ""
    try:
        text = str(body.get_content())  # type: ignore[attr-defined]
    except (LookupError, ValueError):
        return ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "--" or _QUOTE_INTRO.match(stripped):
            break
        if not stripped or stripped.startswith(">"):
            continue
        return stripped[:_MAX_COMMAND]
    return ""
