"""The composition root: builds every service once, from the settings, for whichever roles run.

Nothing else constructs stores, handlers or channels. A role (web, worker, scheduler, CLI verb) opens a
``Runtime`` (``bot.runtime``) and calls ``build_services``; tests do the same with their own settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.content.edition_source import EditionSource, RuntimeEditions
from bot.conversation.commands import CommandHandler, NowOutcome, NowRequester
from bot.delivery.planner import NowRequests
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.store.models import Subscription
from bot.store.subscriptions import Clock, SubscriptionStore, utc_now
from bot.wiring.registry import build_channels
from channels.base import Channel

__all__ = ["Services", "build_services", "now_requester", "open_services"]


@dataclass
class Services:
    """Everything the roles share. ``channels`` is the registry of enabled channels, by name."""

    runtime: Runtime
    store: SubscriptionStore
    commands: CommandHandler
    channels: dict[str, Channel] = field(default_factory=dict)
    editions: EditionSource | None = None  # the latest edition per language (bot.content.edition_source)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()


def build_services(runtime: Runtime, *, clock: Clock = utc_now) -> Services:
    """Wire the services for ``runtime``. Pure construction: no I/O happens here."""
    store = SubscriptionStore(runtime.redis, clock=clock)
    editions = RuntimeEditions(runtime)
    now_requests = NowRequests(runtime.redis, cooldown_seconds=runtime.settings.now_cooldown_seconds, clock=clock)
    commands = CommandHandler(store, request_now=now_requester(editions, now_requests))
    return Services(runtime=runtime, store=store, commands=commands, channels=build_channels(runtime),
                    editions=editions)


def now_requester(editions: EditionSource, requests: NowRequests) -> NowRequester:
    """The ``now`` command: the latest edition, through the delivery stream, once per cooldown."""

    async def request(sub: Subscription) -> NowOutcome:
        if await editions.latest(sub.effective_language) is None:
            return NowOutcome.NO_EDITION
        return NowOutcome.QUEUED if await requests.request(sub) else NowOutcome.TOO_SOON

    return request


@asynccontextmanager
async def open_services(settings: Settings, *, clock: Clock = utc_now) -> AsyncIterator[Services]:
    """Open the runtime and build the services; close both on exit."""
    async with open_runtime(settings) as runtime:
        services = build_services(runtime, clock=clock)
        try:
            yield services
        finally:
            await services.aclose()
