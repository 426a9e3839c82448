"""The ``Conversation`` port (``channels.inbound``) on the command handler and the subscription store.

A channel's inbound turns a platform event into an ``InboundMessage`` and asks this object; it never sees an
``Identity``, a ``Subscription`` or Redis. Store failures leave as ``StoreUnavailable`` (the webhook pipeline
answers 503); the command handler itself never raises (it apologises in the reader's language).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.digest import digest_of
from bot.content.editions import EditionSource
from bot.conversation.commands import CommandHandler
from bot.conversation.i18n import t
from bot.conversation.parser import CommandError, parse_command
from bot.store.deadline import unavailable_on_failure
from bot.store.feedback import NO_AFFINITY, FeedbackStore
from bot.store.models import Identity, IdentityError, Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.base import InboundMessage
from channels.inbound import Answer, CommandShape, SubscriberView
from summaries.models import Edition

__all__ = ["BotConversation", "identity_of"]

_READ_ONLY = {"help", "settings", "why"}
_LIST_ACTIONS = {"topics", "sources"}


def identity_of(channel: str, address: str, address_parts: Mapping[str, int]) -> Identity:
    """The identity of a channel's ``address`` (``T1:C9`` is two parts for Slack, one everywhere else).

    The known channels' addresses are normalised as ``Identity.parse`` does (an email address in lower case).
    """
    try:
        return Identity.parse(f"{channel}:{address}")
    except IdentityError:
        parts = address_parts.get(channel, 1)
        return Identity(channel, tuple(address.split(":", parts - 1)))


class BotConversation:
    """What every channel's inbound talks to. ``address_parts``: parts per channel, from the registry."""

    def __init__(self, store: SubscriptionStore, commands: CommandHandler, editions: EditionSource | None,
                 address_parts: Mapping[str, int], feedback: FeedbackStore | None = None) -> None:
        self._store = store
        self._feedback = feedback
        self._commands = commands
        self._editions = editions
        self._parts = dict(address_parts)

    def _identity(self, channel: str, address: str) -> Identity:
        return identity_of(channel, address, self._parts)

    async def handle(self, message: InboundMessage) -> Answer:
        identity = self._identity(message.channel, message.address)
        reply = await self._commands.handle(identity, message.text, language_hint=message.language_hint)
        return Answer(text=reply.text, language=reply.language, changed=reply.changed, command=reply.command,
                      ok=reply.ok)

    async def subscriber(self, channel: str, address: str) -> SubscriberView | None:
        async with unavailable_on_failure():
            sub = await self._store.get(self._identity(channel, address))
        if sub is None:
            return None
        return SubscriberView(active=sub.active, language=sub.effective_language, topics=sub.topics,
                              muted_sources=sub.muted_sources, items=sub.items)

    async def deactivate(self, channel: str, address: str, reason: str) -> bool:
        async with unavailable_on_failure():
            return await self._store.deactivate(self._identity(channel, address), reason)

    async def start_with(self, channel: str, address: str, *, language: str, timezone: str) -> None:
        identity = self._identity(channel, address)

        def create(current: Subscription | None) -> Subscription | None:
            return None if current is not None else Subscription(identity=identity, language=language,
                                                                 timezone=timezone)

        async with unavailable_on_failure():
            await self._store.update(identity, create)

    async def digest(self, channel: str, address: str) -> tuple[Edition, str] | None:
        if self._editions is None:
            return None
        identity = self._identity(channel, address)
        async with unavailable_on_failure():
            sub = await self._store.get(identity) or Subscription(identity=identity)
            edition = await self._editions.latest(sub.effective_language)
            affinity = await self._feedback.affinity(sub.sid) if self._feedback is not None else NO_AFFINITY
        if edition is None:
            return None
        return digest_of(edition, sub, affinity), sub.effective_language

    def shape(self, text: str) -> CommandShape:
        try:
            command = parse_command(text)
        except CommandError as error:
            # a refused text may still change settings: as a phrase (phrases.py), through the LLM's reading, or
            # as the "yes" to its question (intent.py); so only those who may change settings have it run
            return CommandShape(known=error.message != "unknown", changes=error.message != "empty")
        if command.name in _READ_ONLY:
            return CommandShape(known=True, changes=False, name=command.name)
        listing = command.name in _LIST_ACTIONS and command.action == "list"
        return CommandShape(known=True, changes=not listing, name=command.name)

    def text(self, language: str, message_id: str, /, **params: object) -> str:
        return t(language, message_id, **params)
