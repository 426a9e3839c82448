"""SMTP transport: a small pool of reused aiosmtplib connections and the meaning of every reply code.

Vendor errors stop here. ``SmtpPool.transmit`` either returns the per-recipient replies of the recipients the
server refused (partial refusals are normal SMTP) or raises our own errors::

    TransientError     cannot connect, TLS/auth failed, sender refused, timed out before DATA
    └── AmbiguousError connection lost or timed out during DATA: the server may have the message
                       (a retry carries the same Message-ID, so receivers can dedupe it)

A 421 means "closing": aiosmtplib drops the connection. A 421 or a dropped link on a connection taken from
the pool (the server may have timed it out while idle) is retried once, at once, on a fresh connection, for
the recipients not yet settled; after that a 421 is the recipient's ``4xx`` reply like any other.

``classify`` turns one reply into the action the channel takes (table in its docstring).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from enum import Enum

import aiosmtplib

from channels.base import AmbiguousError, TransientError

__all__ = ["ReplyAction", "SmtpConfig", "SmtpPool", "SmtpReply", "classify"]

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True  # required unless explicitly switched off
    timeout: float = 30.0
    pool_size: int = 2
    tls_context: ssl.SSLContext | None = None


@dataclass(frozen=True, slots=True)
class SmtpReply:
    code: int
    message: str

    @property
    def enhanced(self) -> str:
        """The RFC 3463 enhanced status (``5.1.1``), or "" when the server gave none."""
        found = _ENHANCED.match(self.message)
        return ".".join(found.groups()) if found else ""

    def __str__(self) -> str:
        return f"{self.code} {self.message}".strip()[:200]


class ReplyAction(Enum):
    ACCEPTED = "accepted"
    RETRY = "retry"                # TransientError: try this delivery again later
    GONE = "gone"                  # RecipientGone now: the address does not exist / is disabled
    MAILBOX_FULL = "mailbox_full"  # RecipientGone after 3 deliveries in a row, else not retried
    TOO_BIG = "too_big"            # RenderBug: our message exceeds the receiver's limit
    REJECTED = "rejected"          # permanent for this message (policy, spam), the address stays


def classify(reply: SmtpReply) -> ReplyAction:
    """What one reply means for one recipient.

    ====================  ================================================  ==================
    reply                 meaning                                           action
    ====================  ================================================  ==================
    2xx                   accepted                                          ACCEPTED
    421, 450, 451, 452    closing / mailbox busy / local error / storage    RETRY
    any 4xx               transient by definition (RFC 5321 §4.2.1)         RETRY
    5.1.x, 550/551/553    bad mailbox, no such user, bad address syntax     GONE
    5.2.1                 mailbox disabled                                  GONE
    5.2.2, bare 552       mailbox full                                      MAILBOX_FULL
    5.3.4                 message too big                                   TOO_BIG
    554, 5.7.x, other 5xx transaction failed / policy / spam                REJECTED
    ====================  ================================================  ==================
    """
    code, enhanced = reply.code, reply.enhanced
    if 200 <= code < 300:
        return ReplyAction.ACCEPTED
    if code < 500:
        return ReplyAction.RETRY
    if enhanced:
        if enhanced.startswith("5.1.") or enhanced == "5.2.1":
            return ReplyAction.GONE
        if enhanced == "5.2.2":
            return ReplyAction.MAILBOX_FULL
        if enhanced == "5.3.4":
            return ReplyAction.TOO_BIG
        return ReplyAction.REJECTED
    if code in (550, 551, 553):
        return ReplyAction.GONE
    if code == 552:
        return ReplyAction.MAILBOX_FULL
    return ReplyAction.REJECTED


class SmtpPool:
    """At most ``pool_size`` connections, reused between sends; one transaction per connection at a time."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(max(1, config.pool_size))
        self.connections_opened = 0  # read by tests and the bench: reuse shows as a low number

    async def transmit(self, sender: str, recipients: Sequence[str], data: bytes) -> dict[str, SmtpReply]:
        """Send ``data`` to ``recipients``; return the refusals by recipient (empty: all accepted)."""
        pending = list(dict.fromkeys(recipients))
        refused: dict[str, SmtpReply] = {}
        for attempt in range(2):
            async with self._connection() as (conn, reused):
                try:
                    refused.update(await self._transaction(conn, sender, pending, data))
                    return refused
                except _Reconnect as retry:
                    refused.update(retry.settled)
                    pending = [r for r in pending if r not in refused]
                    if not (reused and attempt == 0):
                        refused.update({r: retry.reply for r in pending})
                        return refused
        return refused  # pragma: no cover - the loop always returns

    async def _transaction(
        self, conn: aiosmtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes
    ) -> dict[str, SmtpReply]:
        timeout = self._config.timeout
        refused: dict[str, SmtpReply] = {}
        try:
            await conn.mail(sender, timeout=timeout)
        except aiosmtplib.SMTPResponseException as exc:
            reply = SmtpReply(exc.code, exc.message)
            if exc.code == 421 or not conn.is_connected:
                raise _Reconnect(reply, {}) from None
            await _reset(conn)
            if exc.code >= 500:
                raise TransientError(f"SMTP server refused our sender address: {reply}") from None
            return {r: reply for r in recipients}
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise _Reconnect(SmtpReply(421, f"connection lost: {exc.__class__.__name__}"), {}) from None
        for recipient in recipients:
            try:
                await conn.rcpt(recipient, timeout=timeout)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused[recipient] = SmtpReply(exc.code, exc.message)
                if exc.code == 421:
                    raise _Reconnect(refused[recipient], {k: v for k, v in refused.items() if k != recipient}) \
                        from None
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
                raise _Reconnect(SmtpReply(421, f"connection lost: {exc.__class__.__name__}"), refused) from None
        accepted = [r for r in recipients if r not in refused]
        if not accepted:
            await _reset(conn)
            return refused
        try:
            await conn.data(data, timeout=timeout)
        except aiosmtplib.SMTPResponseException as exc:
            reply = SmtpReply(exc.code, exc.message)
            if exc.code == 421:
                raise _Reconnect(reply, refused) from None
            refused.update({r: reply for r in accepted})
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise AmbiguousError(f"SMTP connection lost during DATA ({exc.__class__.__name__})") from None
        return refused

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[aiosmtplib.SMTP, bool]]:
        async with self._slots:
            conn: aiosmtplib.SMTP | None = None
            reused = False
            while self._idle and conn is None:
                candidate = self._idle.pop()
                if candidate.is_connected:
                    conn, reused = candidate, True
            if conn is None:
                conn = await self._open()
            try:
                yield conn, reused
            finally:
                if conn.is_connected:
                    self._idle.append(conn)

    async def _open(self) -> aiosmtplib.SMTP:
        config = self._config
        conn = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            start_tls=config.starttls,
            timeout=config.timeout,
            tls_context=config.tls_context,
        )
        try:
            await conn.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise TransientError(f"SMTP login failed ({exc.code}): check SMTP_USERNAME and SMTP_PASSWORD") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise TransientError(f"SMTP server refused the connection: {SmtpReply(exc.code, exc.message)}") \
                from None
        except aiosmtplib.SMTPException as exc:
            hint = " (set SMTP_STARTTLS=false only for a trusted local relay)" if "STARTTLS" in str(exc) else ""
            raise TransientError(f"SMTP connection failed: {exc}{hint}") from None
        except OSError as exc:
            raise TransientError(f"SMTP server unreachable: {exc.__class__.__name__}") from None
        self.connections_opened += 1
        return conn

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await conn.quit()
            except (aiosmtplib.SMTPException, OSError):
                conn.close()


class _Reconnect(Exception):
    """The connection closed mid-transaction; ``settled`` recipients already have their final reply."""

    def __init__(self, reply: SmtpReply, settled: dict[str, SmtpReply]) -> None:
        super().__init__(str(reply))
        self.reply = reply
        self.settled = settled


async def _reset(conn: aiosmtplib.SMTP) -> None:
    with suppress(aiosmtplib.SMTPException, OSError):
        await conn.rset()
