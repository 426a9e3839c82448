"""The Slack channel: its adapter, renderer, installs (OAuth), inbound (events, commands, buttons)."""

from __future__ import annotations

from channels.plugin import ChannelEntry, ChannelParts

__all__ = ["ENTRY"]


def _load() -> ChannelParts:
    from channels.slack.plugin import PARTS

    return PARTS


ENTRY = ChannelEntry("slack", _load, webhook_path="/slack/events", preview_as="slack", address_parts=2)
