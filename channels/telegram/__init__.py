"""The Telegram channel: its adapter, renderer, inbound (webhook), setup (``aitoday telegram setup``)."""

from __future__ import annotations

from channels.plugin import ChannelEntry, ChannelParts
from channels.telegram.setup import register

__all__ = ["ENTRY"]


def _load() -> ChannelParts:
    from channels.telegram.plugin import PARTS

    return PARTS


ENTRY = ChannelEntry("telegram", _load, webhook_path="/telegram/webhook", cli=register, preview_as="telegram")
