"""The LINE channel: its adapter, renderer, rich menu, inbound (webhook), quota, setup (``aitoday line setup``)."""

from __future__ import annotations

from channels.line.setup import register
from channels.plugin import ChannelEntry, ChannelParts

__all__ = ["ENTRY"]


def _load() -> ChannelParts:
    from channels.line.plugin import PARTS

    return PARTS


ENTRY = ChannelEntry("line", _load, webhook_path="/line/webhook", cli=register, preview_as="line")
