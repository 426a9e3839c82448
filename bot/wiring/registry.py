"""The registry of channels: one factory per channel, each returning None when its settings are absent.

Iterate this registry, never an if-chain over channel names. Adding a channel is one line in ``_FACTORIES``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.runtime import Runtime
from bot.wiring.line import line_channel
from bot.wiring.mail import mail_factory
from bot.wiring.slack_install import slack_channel
from bot.wiring.telegram import telegram_channel
from channels.base import Channel
from channels.console import ConsoleChannel

__all__ = ["ChannelFactory", "build_channels", "console_channel"]

ChannelFactory = Callable[[Runtime], Channel | None]


def console_channel(runtime: Runtime) -> Channel:
    """Always on: ``aitoday run`` and ``aitoday demo`` deliver to the terminal without any account."""
    return ConsoleChannel()


_FACTORIES: tuple[ChannelFactory, ...] = (slack_channel, line_channel, mail_factory, telegram_channel,
                                          console_channel)


def build_channels(runtime: Runtime, factories: tuple[ChannelFactory, ...] = _FACTORIES) -> dict[str, Channel]:
    """The enabled channels, by name. Construction only: adapters open connections lazily."""
    channels: dict[str, Channel] = {}
    for factory in factories:
        channel = factory(runtime)
        if channel is not None:
            channels[channel.name] = channel
    return channels
