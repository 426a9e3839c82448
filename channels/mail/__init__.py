"""The email channel: digests by SMTP (or the outbox), DKIM, one-click unsubscribe, replies as commands."""

from __future__ import annotations

from channels.plugin import ChannelEntry, ChannelParts

__all__ = ["ENTRY"]


def _load() -> ChannelParts:
    from channels.mail.plugin import PARTS

    return PARTS


ENTRY = ChannelEntry("email", _load, preview_as="email")
