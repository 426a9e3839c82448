"""The composition root: builds every service once, from the settings, for whichever roles run.

Nothing else constructs stores, handlers or channels. A role (web, worker, scheduler, CLI verb) opens a
``Runtime`` (``bot.runtime``) and calls ``build_services``; tests do the same with their own settings.
Channels come from the registry (``channels.registry.CHANNELS``): each entry's factory gets a ``BotEnv``
(the settings, the conversation, the shared pacer and the storage ports), and the channel it returns is the
one object that both sends digests and answers that channel's webhook.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.content.digest import digest_of
from bot.content.editions import EditionSource, RuntimeEditions
from bot.conversation.commands import CommandHandler, NowOutcome, NowRequester
from bot.conversation.intent import IntentReader
from bot.conversation.port import BotConversation
from bot.delivery.pacing import Pacer
from bot.delivery.planner import NowRequests
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings, SettingsError
from bot.store.edition_store import RedisTokenBudget
from bot.store.feedback import FeedbackStore
from bot.store.intents import PendingIntents
from bot.store.link_codes import LinkCodes
from bot.store.models import Subscription
from bot.store.source_edits import SourceList
from bot.store.stories import StoryArchive
from bot.store.subscriptions import Clock, SubscriptionStore, utc_now
from channels.base import Channel, RateLimit
from channels.inbound import Conversation, Inbound
from channels.plugin import ChannelEntry, ChannelSetupError, Job
from channels.plugin import Pacer as SharedPacer
from channels.registry import CHANNELS, address_parts
from summaries.llm import ChatClient, LLMConfig, TokenBudget
from summaries.models import Story

__all__ = ["BotEnv", "Services", "build_services", "intent_reader", "now_requester", "open_services",
           "shared_pacer"]


@dataclass
class Services:
    """Everything the roles share. ``channels`` holds the enabled channels by name; ``inbounds`` their webhooks
    as ``(channel, path, inbound)``; ``jobs`` the channels' periodic jobs."""

    runtime: Runtime
    store: SubscriptionStore
    commands: CommandHandler
    channels: dict[str, Channel] = field(default_factory=dict)
    editions: EditionSource | None = None  # the latest edition per language (bot.content.editions)
    entries: tuple[ChannelEntry, ...] = CHANNELS
    inbounds: list[tuple[str, str, Inbound]] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    env: BotEnv | None = None
    intent_model: ChatClient | None = None  # the LLM that reads missed phrases (closed with the services)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def aclose(self) -> None:
        for _, _, inbound in self.inbounds:
            await inbound.aclose()
        for channel in self.channels.values():
            await channel.aclose()
        if self.intent_model is not None:
            await self.intent_model.aclose()


def shared_pacer(pacer: Pacer) -> SharedPacer:
    """The later parts of a long digest take their tokens from the worker's Redis buckets, so a digest split
    in three still counts three against the bot's 30/s across every worker process."""

    async def acquire(limits: Sequence[RateLimit]) -> None:
        while True:
            wait = await pacer.acquire(limits, time.time())
            if wait <= 0:
                return
            await asyncio.sleep(wait)  # the wait Redis named for the next token; nothing is held meanwhile

    return acquire


class BotEnv:
    """``channels.plugin.ChannelEnv``: what a channel's factories get from the bot."""

    def __init__(self, runtime: Runtime, store: SubscriptionStore, conversation: Conversation) -> None:
        self._runtime = runtime
        self._store = store
        self._conversation = conversation
        self._pacer = shared_pacer(Pacer(runtime.redis))
        self._ports: dict[type[Any], Any] = {}

    @property
    def settings(self) -> Settings:
        return self._runtime.settings

    @property
    def conversation(self) -> Conversation:
        return self._conversation

    @property
    def pacer(self) -> SharedPacer:
        return self._pacer

    def port(self, kind: type[Any]) -> Any:
        """The bot's implementation of a channel's storage port (one instance per kind)."""
        if kind not in self._ports:
            self._ports[kind] = self._make_port(kind)
        return self._ports[kind]

    def _make_port(self, kind: type[Any]) -> Any:
        from bot.store.line_audience import RedisLineAudience
        from bot.store.mail import RedisBounceLedger, SignedMailLinks
        from bot.store.slack import RedisSlackInstallRecords, RedisSlackWorkspaces
        from channels.line.ports import LineAudience
        from channels.mail.ports import BounceLedger, MailLinkSigner
        from channels.slack.ports import SlackInstallRecords, SlackWorkspaces

        redis = self._runtime.redis
        makers: dict[type[Any], Callable[[], Any]] = {
            SlackInstallRecords: lambda: RedisSlackInstallRecords(redis),
            SlackWorkspaces: lambda: RedisSlackWorkspaces(redis, self._store),
            LineAudience: lambda: RedisLineAudience(self._store, redis),
            BounceLedger: lambda: RedisBounceLedger(redis),
            MailLinkSigner: lambda: SignedMailLinks(self.settings, self._store),
        }
        if kind not in makers:
            raise LookupError(f"the bot implements no port {kind.__name__}")
        return makers[kind]()


def build_services(runtime: Runtime, *, clock: Clock = utc_now,
                   entries: tuple[ChannelEntry, ...] = CHANNELS) -> Services:
    """Wire the services for ``runtime`` and the channels of ``entries``. Construction only: no I/O here."""
    store = SubscriptionStore(runtime.redis, clock=clock)
    editions = RuntimeEditions(runtime)
    now_requests = NowRequests(runtime.redis, cooldown_seconds=runtime.settings.now_cooldown_seconds, clock=clock)
    sources = SourceList(runtime.redis, runtime.settings)

    async def source_names() -> list[tuple[str, str]]:  # the effective list: `sources mute` picks from it
        return [(s.id, s.name) for s in await sources.sources()]

    archive = StoryArchive(runtime.redis)

    async def find_story(story_id: str) -> Story | None:  # a 👍/👎 pressed on an older digest
        for language in ("en", "ja"):
            found = next((s for s in await archive.recent(language) if s.id == story_id), None)
            if found is not None:
                return found
        return None

    intents, model = intent_reader(runtime, clock)
    feedback = FeedbackStore(runtime.redis)
    commands = CommandHandler(store, request_now=now_requester(editions, now_requests),
                              link_codes=LinkCodes(runtime.redis), source_names=source_names, intents=intents,
                              feedback=feedback, editions=editions, find_story=find_story)
    conversation = BotConversation(store, commands, editions, address_parts(entries), feedback)
    env = BotEnv(runtime, store, conversation)
    services = Services(runtime=runtime, store=store, commands=commands, editions=editions, entries=entries,
                        env=env, intent_model=model)
    for entry in entries:
        parts = entry.load()
        try:
            channel = parts.build(env)
        except ChannelSetupError as exc:
            raise SettingsError(str(exc)) from None
        if channel is None:
            continue
        services.channels[entry.name] = channel
        inbound = parts.inbound(env, channel) if parts.inbound is not None and entry.webhook_path else None
        if inbound is not None:
            services.inbounds.append((entry.name, entry.webhook_path, inbound))
        if parts.jobs is not None:
            services.jobs.extend(parts.jobs(env, channel))
    return services


def intent_reader(runtime: Runtime, clock: Clock) -> tuple[IntentReader | None, ChatClient | None]:
    """The LLM reading of missed phrases, when ``AITODAY_LLM_*`` is set and ``AITODAY_LLM_INTENTS_PER_HOUR`` > 0.

    One quick try (no retries, at most a 1 s wait on a 429) inside ``AITODAY_LLM_INTENT_TIMEOUT_SECONDS``: a
    reader is waiting, and a missed reading costs only the offline "try …" reply.
    """
    settings = runtime.settings
    if not (settings.llm_base_url and settings.llm_model and settings.llm_intents_per_hour > 0):
        return None, None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    model = ChatClient(LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key,
                                 timeout=settings.llm_intent_timeout_seconds, retries=0, max_retry_wait=1.0))

    def budget() -> TokenBudget:
        return RedisTokenBudget(runtime.redis, settings.llm_daily_token_budget, day=clock().date())

    reader = IntentReader(model, PendingIntents(runtime.redis), per_hour=settings.llm_intents_per_hour,
                          timeout=settings.llm_intent_timeout_seconds, budget=budget)
    return reader, model


def now_requester(editions: EditionSource, requests: NowRequests) -> NowRequester:
    """The ``now`` command: the latest edition, through the delivery stream, once per cooldown."""

    async def request(sub: Subscription) -> NowOutcome:
        edition = await editions.latest(sub.effective_language)
        if edition is None:
            return NowOutcome.NO_EDITION
        if not digest_of(edition, sub).stories:
            return NowOutcome.NOTHING_MATCHED_TOPICS if sub.topics else NowOutcome.NOTHING_MATCHED
        return NowOutcome.QUEUED if await requests.request(sub) else NowOutcome.TOO_SOON

    return request


@asynccontextmanager
async def open_services(settings: Settings, *, clock: Clock = utc_now,
                        entries: tuple[ChannelEntry, ...] = CHANNELS) -> AsyncIterator[Services]:
    """Open the runtime and build the services; close both on exit."""
    async with open_runtime(settings) as runtime:
        services = build_services(runtime, clock=clock, entries=entries)
        try:
            yield services
        finally:
            await services.aclose()
