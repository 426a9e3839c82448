"""The email channel: digests by SMTP (or the outbox), DKIM, one-click unsubscribe, replies as commands."""

from __future__ import annotations

from channels.plugin import ChannelEntry, ChannelParts

__all__ = ["ENTRY", "mask_address"]


def mask_address(address: str) -> str:
    """``j***@example.com``: enough to tell addresses apart in a log, not enough to harvest them."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _load() -> ChannelParts:
    from channels.mail.plugin import PARTS

    return PARTS


ENTRY = ChannelEntry("email", _load, webhook_path="/email/inbound", preview_as="email")
