"""The one list of channels. Adding a channel is one package under ``channels/`` plus one line here.

Each entry (``channels.plugin.ChannelEntry``) says everything the bot needs: how to build the channel
(``load()``, imported only when used), its webhook path (served by ``bot.web.webhooks``, the one inbound
pipeline), its CLI verbs, its name in ``aitoday preview``, its periodic jobs. The bot iterates this tuple;
it never names a channel.
"""

from __future__ import annotations

from channels import console, line, mail, slack, telegram
from channels.plugin import ChannelEntry

__all__ = ["CHANNELS", "address_parts"]

CHANNELS: tuple[ChannelEntry, ...] = (
    slack.ENTRY,
    line.ENTRY,
    mail.ENTRY,
    telegram.ENTRY,
    console.ENTRY,
)


def address_parts(entries: tuple[ChannelEntry, ...] = CHANNELS) -> dict[str, int]:
    """How many ``:``-separated parts each channel's addresses have."""
    return {entry.name: entry.address_parts for entry in entries}
