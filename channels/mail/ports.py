"""What the mail channel needs from the bot: a bounce ledger and signed links (both implemented in ``bot.store``).

Kept apart from ``channel`` so that the bot can name the ports without importing the SMTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from channels.mail.render import MailLinks

__all__ = ["BounceLedger", "MailLinkSigner"]


class BounceLedger(Protocol):
    """Counts "mailbox full" refusals per address across deliveries (and processes)."""

    async def mailbox_full(self, address: str, delivery_id: str) -> int:
        """Record a 5.2.2 for ``delivery_id``; return how many distinct deliveries in a row were refused."""
        ...

    async def delivered(self, address: str) -> None:
        """The address accepted a message: the streak is over."""
        ...


class MailLinkSigner(Protocol):
    """The signed links (web view, preferences, one-click unsubscribe) of one subscriber's digest of ``day``."""

    def links(self, address: str, day: str) -> MailLinks: ...

    async def unsubscribe_address(self, token: str) -> str | None:
        """The address of the active email subscription a List-Unsubscribe ``token`` names: None when the token
        is not valid, "" when it is but names no active email subscription."""
        ...
