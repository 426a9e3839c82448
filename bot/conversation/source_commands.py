"""``sources``, ``sources mute NAME``, ``sources unmute NAME``: the part of the command handler that picks
names from the effective source list (``bot.conversation.source_match``), suggests the nearest on a miss, and
keeps a reader's mutes at ``MAX_MUTED``. A mixin of ``CommandHandler``, which provides what it declares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.conversation.i18n import t
from bot.conversation.parser import Command
from bot.conversation.source_match import match_source
from bot.store.models import MAX_MUTED, Identity, Subscription
from bot.store.subscriptions import SubscriptionStore

if TYPE_CHECKING:
    from bot.conversation.commands import Reply

__all__ = ["SourceCommands"]


class SourceCommands:
    """The ``sources`` command. ``CommandHandler`` provides the attributes and helpers declared here."""

    _store: SubscriptionStore
    _source_names: Callable[[], Awaitable[Sequence[tuple[str, str]]]]

    def _reply(
        self, text: str, language: str, *, changed: bool = False, command: str = "", ok: bool = True
    ) -> Reply:
        raise NotImplementedError

    async def _change(
        self, identity: Identity, change: Callable[[Subscription], Subscription], *, language_hint: str
    ) -> Subscription:
        raise NotImplementedError

    def _hint(self, sub: Subscription, language: str) -> str:
        raise NotImplementedError

    async def _cmd_sources(self, identity: Identity, command: Command, language: str) -> Reply:
        if command.action == "list":
            current = await self._store.get(identity)
            shown = _join(current.muted_sources if current else (), t(language, "sources_none"))
            return self._reply(t(language, "sources_list", muted=shown), language, command="sources")
        wanted = command.values[0]
        current = await self._store.get(identity)
        muted: tuple[str, ...] = current.muted_sources if current else ()
        if command.action == "unmute":
            return await self._unmute(identity, wanted, muted, language)
        found = match_source(wanted, await self._source_names())
        if not found.name:
            return self._unknown_source(wanted, found.suggestions, "mute", language)
        name = found.name
        if name.casefold() in {m.casefold() for m in muted}:
            return self._reply(t(language, "source_already_muted", source=name), language, command="sources")
        if len(muted) >= MAX_MUTED:
            reason = t(language, "sources_full", most=MAX_MUTED)
            return self._reply(t(language, "error_line", reason=reason, example=f"sources unmute {muted[0]}"),
                               language, ok=False)
        sub = await self._change(
            identity,
            lambda s: s.with_changes(muted_sources=tuple(dict.fromkeys((*s.muted_sources, name)))[:MAX_MUTED]),
            language_hint=language,
        )
        return self._reply(t(language, "source_muted", source=name) + self._hint(sub, language), language,
                           changed=True, command="sources")

    async def _unmute(self, identity: Identity, wanted: str, muted: Sequence[str], language: str) -> Reply:
        """Unmute by the muted name itself first (names stored before a source left the list stay removable),
        else by the source list."""
        found = match_source(wanted, [(m, m) for m in muted])
        name = found.name
        if not name:
            listed = match_source(wanted, await self._source_names())
            if not listed.name:
                return self._unknown_source(wanted, listed.suggestions or found.suggestions, "unmute", language)
            name = listed.name
        folded = name.casefold()
        if folded not in {m.casefold() for m in muted}:
            return self._reply(t(language, "source_not_muted", source=name), language, command="sources")
        await self._change(
            identity,
            lambda s: s.with_changes(muted_sources=tuple(m for m in s.muted_sources if m.casefold() != folded)),
            language_hint=language,
        )
        return self._reply(t(language, "source_unmuted", source=name), language, changed=True, command="sources")

    def _unknown_source(self, wanted: str, suggestions: Sequence[str], action: str, language: str) -> Reply:
        shown = wanted if len(wanted) <= 40 else wanted[:39] + "…"
        reason = t(language, "source_unknown", value=shown)
        if suggestions:
            reason += " " + t(language, "source_suggest", names=" · ".join(suggestions))
        example = f"sources {action} {suggestions[0] if suggestions else 'OpenAI News'}"
        return self._reply(t(language, "error_line", reason=reason, example=example), language, ok=False)


def _join(values: Sequence[str], empty: str) -> str:
    return ", ".join(values) if values else empty
