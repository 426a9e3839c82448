"""What a channel package offers the bot, and what the bot offers it back: one ``ChannelEntry`` per channel.

``channels.registry.CHANNELS`` lists the entries; ``bot`` iterates them to build the channels, mount their
webhooks, register their CLI verbs, list them in ``aitoday preview`` and start their periodic jobs. An entry is
light (no platform SDK is imported when it is read): ``load()`` imports the channel's heavy parts on demand, so
``import bot.cli`` stays fast and a process that never uses a channel never imports its SDK.

The bot hands every factory a ``ChannelEnv``: its settings, the ``Conversation`` (``channels.inbound``), and
the storage ports a channel may need (each defined beside the channel that uses it, implemented in
``bot.store``). A channel never reads the environment, never opens Redis and never imports ``bot``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from channels.base import Channel, RateLimit
from channels.inbound import Conversation, Inbound

__all__ = ["ChannelEntry", "ChannelEnv", "ChannelParts", "ChannelSetupError", "CliRegistrar", "Job", "Pacer"]


class ChannelSetupError(ValueError):
    """A channel's settings cannot work (an unreadable key file); the message names the setting."""

#: Waits until every bucket has a token (the delivery engine's shared buckets).
Pacer = Callable[[Sequence[RateLimit]], Awaitable[None]]
#: Adds a channel's verbs (``aitoday line setup``) to the CLI; handlers take ``(args, settings) -> int``.
#: Its argument is argparse's (private) ``_SubParsersAction``.
CliRegistrar = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job a channel contributes (run by the scheduler under its lease; must be idempotent)."""

    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]


class ChannelEnv(Protocol):
    """What the composition root gives a channel's factories.

    ``settings`` is the bot's settings object; each channel declares the fields it reads as a small Protocol
    of its own, so nothing here lists another channel's settings. ``port(kind)`` returns the bot's
    implementation of a storage port a channel defines (``channels.slack.installs.SlackWorkspaces``, ...);
    it raises ``LookupError`` for a port the bot does not implement.
    """

    @property
    def settings(self) -> Any: ...

    @property
    def conversation(self) -> Conversation: ...

    @property
    def pacer(self) -> Pacer: ...

    def port(self, kind: type[Any]) -> Any: ...


@dataclass(frozen=True, slots=True)
class ChannelParts:
    """A channel's heavy parts, imported by ``ChannelEntry.load``.

    ``build`` returns None when the channel is not configured. ``inbound`` (when the channel has a webhook)
    gets the very channel object ``build`` returned, so replies and digests share one SDK client.
    ``preview`` builds a render-only instance for ``aitoday preview`` when the channel is not configured.
    ``jobs`` are periodic jobs the channel needs (LINE's quota check).
    """

    build: Callable[[ChannelEnv], Channel | None]
    inbound: Callable[[ChannelEnv, Channel], Inbound | None] | None = None
    preview: Callable[[ChannelEnv], Channel] | None = None
    jobs: Callable[[ChannelEnv, Channel], Sequence[Job]] | None = None


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """One line of the registry: the channel's name, how to load it, its webhook path and CLI verbs.

    ``address_parts``: how many ``:``-separated parts an address has (Slack's ``team:channel`` is 2).
    ``preview_as``: the name ``aitoday preview --channel`` shows it under ("" = not previewed).
    """

    name: str
    load: Callable[[], ChannelParts]
    webhook_path: str = ""
    cli: CliRegistrar | None = None
    preview_as: str = ""
    address_parts: int = 1
