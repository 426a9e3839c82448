"""The command language's one handler, shared by every channel (DESIGN.md §5).

Channels translate a platform event into ``(identity, text)`` and a ``Reply`` back into a platform message;
this module decides. Guarantees a user can rely on:

* every input gets exactly one reply, at most ``MAX_REPLY`` characters, in the reader's language;
* a malformed or unknown command gets one line saying what was wrong and a correct example;
* no exception escapes but ``bot.store.UNAVAILABLE`` (the caller answers 503); any other failure apologizes;
* a command only ever changes the subscription of the identity it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, ClassVar

from bot.content.editions import EditionSource
from bot.conversation.feedback_commands import FeedbackCommands, StoryFinder
from bot.conversation.i18n import days_text, t
from bot.conversation.linking import GROUP_COMMANDS, Linking
from bot.conversation.parser import Command, CommandError, looks_japanese, parse_command
from bot.conversation.phrases import Understanding, understand
from bot.conversation.source_commands import SourceCommands
from bot.conversation.source_match import bundled_source_names
from bot.store import UNAVAILABLE
from bot.store.feedback import FeedbackStore
from bot.store.link_codes import LinkCodes
from bot.store.models import DEFAULT_MINUTES, Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from summaries.topics import TOPICS

if TYPE_CHECKING:
    from bot.conversation.intent import IntentReader

__all__ = ["MAX_REPLY", "CommandHandler", "NowOutcome", "NowRequester", "Reply", "SourceNames"]

log = logging.getLogger(__name__)

MAX_REPLY = 4000
_OPEN_ENDED_PAUSE = timedelta(days=3000)


class NowOutcome(Enum):
    QUEUED = "now_queued"
    TOO_SOON = "now_too_soon"
    NO_EDITION = "now_no_edition"
    #: Nothing in the edition matches the reader's settings: nothing is sent (never an empty digest).
    NOTHING_MATCHED = "now_nothing"
    NOTHING_MATCHED_TOPICS = "now_nothing_topics"


NowRequester = Callable[[Subscription], Awaitable[NowOutcome]]
#: Returns ``(id, display name)`` of every known source, for ``sources mute``.
SourceNames = Callable[[], Awaitable[Sequence[tuple[str, str]]]]


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    language: str
    changed: bool = False
    command: str = ""
    ok: bool = True


class CommandHandler(SourceCommands, FeedbackCommands):
    """Runs one command for one identity against the store (``feedback``, ``editions``, ``find_story``: 👍/👎, why)."""

    def __init__(self, store: SubscriptionStore, *, request_now: NowRequester | None = None,
                 link_codes: LinkCodes | None = None, source_names: SourceNames | None = None,
                 intents: IntentReader | None = None, feedback: FeedbackStore | None = None,
                 editions: EditionSource | None = None, find_story: StoryFinder | None = None) -> None:
        self._store = store
        self._intents = intents  # an LLM reads what the grammar misses (bot.conversation.intent)
        self._request_now = request_now
        self._linking = Linking(store, link_codes, feedback) if link_codes is not None else None
        self._source_names = source_names or bundled_source_names
        self._feedback, self._editions, self._find_story = feedback, editions, find_story

    async def handle(self, identity: Identity, text: str, *, language_hint: str = "") -> Reply:
        """Parse and run ``text`` for ``identity``. Never raises; always one reply."""
        language = language_hint if language_hint in ("en", "ja") else ""
        try:
            current = await self._store.get(identity)
            if current is not None and current.language:
                language = current.language
            elif looks_japanese(text):
                language = "ja"
            language = language or "en"
            if self._intents is not None and (confirmed := await self._intents.answer_pending(
                    identity, text, language, self._run)) is not None:
                return confirmed
            try:
                command = parse_command(text)
            except CommandError as error:
                understood = understand(text, minutes=current.minutes if current else DEFAULT_MINUTES)
                if understood is not None:
                    return await self._run_understood(identity, understood, language)
                if self._intents is not None and (guessed := await self._intents.guess(
                        identity, text, language, self._run, error=error.message)) is not None:
                    return guessed
                if error.message == "unknown" and (len(text.split()) > 2 or looks_japanese(text)):
                    shown = " ".join(text.split())
                    shown = shown if len(shown) <= 60 else shown[:59] + "…"
                    return self._reply(t(language, "not_understood", text=shown), language, ok=False)
                reason = t(language, error.message, **error.params)
                return self._reply(t(language, "error_line", reason=reason, example=error.example), language,
                                   ok=False)
            return await self._run(identity, command, language)
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("command failed for %s", identity.channel)
            language = language or "en"
            return self._reply(t(language, "internal"), language, ok=False)

    # ------------------------------------------------------------------------------------------ running

    async def _run(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._linking is not None and command.name not in GROUP_COMMANDS:
            identity = await self._linking.primary_of(identity)  # a linked chat changes the one preference set
        return await self._COMMANDS[command.name](self, identity, command, language)

    async def _run_understood(self, identity: Identity, understood: Understanding, language: str) -> Reply:
        """A plain-language phrase: run each strict command it stands for, then echo what was understood, read
        back from the store (what is now set, not what the grammar guessed); a command the rules refuse is named
        with its reason. A vote ("I liked 2") answers with the vote's own reply, which names the story."""
        if not understood.echo:
            return await self._run(identity, parse_command(understood.commands[0]), language)
        failed: list[str] = []
        changed = False
        for text in understood.commands:
            reply = await self._run(identity, parse_command(text), language)
            changed = changed or reply.changed
            if not reply.ok:
                failed.append(reply.text)
        sub = await self._store.get(identity) or Subscription(identity=identity)
        summary = t(language, "understood_summary", days=days_text(language, sub.weekdays), time=_hhmm(sub),
                    tz=sub.timezone, topics=_join(sub.topics, t(language, "topics_none")))
        text = t(language, "understood", summary=summary)
        if failed:
            text += "\n" + t(language, "understood_failed", errors=" ".join(failed))
        return self._reply(text + self._hint(sub, language), language, changed=changed, command="understood",
                           ok=not failed)

    def _reply(self, text: str, language: str, *, changed: bool = False, command: str = "", ok: bool = True) -> Reply:
        if len(text) > MAX_REPLY:
            text = text[: MAX_REPLY - 1] + "…"
        return Reply(text=text, language=language, changed=changed, command=command, ok=ok)

    async def _change(
        self, identity: Identity, change: Callable[[Subscription], Subscription], *, language_hint: str
    ) -> Subscription:
        """Apply ``change`` to this identity's subscription, creating an inactive one if there is none."""

        def apply(current: Subscription | None) -> Subscription:
            base = current or _new_subscription(identity, language_hint)
            return change(base)

        updated = await self._store.update(identity, apply)
        assert updated is not None
        return updated

    def _next_text(self, sub: Subscription, next_at: datetime | None, language: str) -> str:
        if next_at is None or (
            sub.paused_until is not None and sub.paused_until - self._store.clock() > _OPEN_ENDED_PAUSE
        ):
            return t(language, "next_none")
        local = next_at.astimezone(sub.zone)
        return local.strftime("%Y-%m-%d %H:%M") + f" ({sub.timezone})"

    async def _with_next(self, sub: Subscription, language: str) -> str:
        return self._next_text(sub, await self._store.next_send_of(sub.identity), language)

    def _hint(self, sub: Subscription, language: str) -> str:
        return "" if sub.active else " " + t(language, "hint_subscribe")

    # ------------------------------------------------------------------------------------------ commands

    async def _cmd_subscribe(self, identity: Identity, command: Command, language: str) -> Reply:
        current = await self._store.get(identity)
        if current is not None and current.active and not current.deactivated_reason:
            return self._reply(
                t(language, "already_subscribed", time=_hhmm(current), tz=current.timezone), language,
                command="subscribe",
            )
        sub = await self._change(
            identity,
            lambda s: s.with_changes(active=True, deactivated_reason="", paused_until=None),
            language_hint=language,
        )
        return self._reply(t(language, "subscribed", time=_hhmm(sub), tz=sub.timezone), language, changed=True,
                           command="subscribe")

    async def _cmd_unsubscribe(self, identity: Identity, command: Command, language: str) -> Reply:
        current = await self._store.get(identity)
        if current is None or not current.active:
            return self._reply(t(language, "not_subscribed"), language, command="unsubscribe")
        await self._change(identity, lambda s: s.with_changes(active=False, deactivated_reason="unsubscribed"),
                           language_hint=language)
        return self._reply(t(language, "unsubscribed"), language, changed=True, command="unsubscribe")

    async def _cmd_time(self, identity: Identity, command: Command, language: str) -> Reply:
        assert command.at is not None
        at = command.at
        sub = await self._change(identity, lambda s: s.with_changes(delivery_time=at), language_hint=language)
        text = t(language, "time_set", time=_hhmm(sub), tz=sub.timezone, next=await self._with_next(sub, language))
        return self._reply(text + self._hint(sub, language), language, changed=True, command="time")

    async def _cmd_timezone(self, identity: Identity, command: Command, language: str) -> Reply:
        zone = command.values[0]
        sub = await self._change(identity, lambda s: s.with_changes(timezone=zone), language_hint=language)
        text = t(language, "tz_set", tz=zone, time=_hhmm(sub), next=await self._with_next(sub, language))
        return self._reply(text + self._hint(sub, language), language, changed=True, command="timezone")

    async def _cmd_topics(self, identity: Identity, command: Command, language: str) -> Reply:
        known = ", ".join(TOPICS)
        if command.action == "list":
            current = await self._store.get(identity)
            topics = _join(current.topics if current else (), t(language, "topics_none"))
            return self._reply(t(language, "topics_list", topics=topics, known=known), language, command="topics")
        values = command.values
        if command.action == "add":
            sub = await self._change(
                identity,
                lambda s: s.with_changes(topics=tuple(dict.fromkeys((*s.topics, *values)))),
                language_hint=language,
            )
            text = t(language, "topics_added", added=", ".join(values), topics=_join(sub.topics, ""))
        elif command.action == "remove":
            current = await self._store.get(identity)
            absent = [value for value in values if current is None or value not in current.topics]
            if len(absent) == len(values):
                topics = _join(current.topics if current else (), t(language, "topics_none"))
                return self._reply(t(language, "topics_not_there", removed=", ".join(absent), topics=topics),
                                   language, command="topics")
            sub = await self._change(
                identity,
                lambda s: s.with_changes(topics=tuple(x for x in s.topics if x not in values)),
                language_hint=language,
            )
            removed = [value for value in values if value not in absent]
            text = t(language, "topics_removed", removed=", ".join(removed),
                     topics=_join(sub.topics, t(language, "topics_none")))
        else:
            sub = await self._change(identity, lambda s: s.with_changes(topics=()), language_hint=language)
            text = t(language, "topics_clear")
        return self._reply(text + self._hint(sub, language), language, changed=True, command="topics")

    async def _cmd_days(self, identity: Identity, command: Command, language: str) -> Reply:
        days = frozenset(int(value) for value in command.values)
        sub = await self._change(identity, lambda s: s.with_changes(weekdays=days), language_hint=language)
        next_at = await self._with_next(sub, language)
        text = t(language, "days_set", days=days_text(language, sub.weekdays), next=next_at)
        return self._reply(text + self._hint(sub, language), language, changed=True, command="days")

    async def _cmd_link(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._linking is None:
            return self._reply(t(language, "link_unavailable"), language, command="link", ok=False)
        if command.action == "redeem":
            outcome = await self._linking.redeem(identity, command.values[0], language)
        else:
            outcome = await self._linking.issue(identity, language)
        return self._reply(outcome.text, language, changed=outcome.changed, command="link")

    async def _cmd_unlink(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._linking is None:
            return self._reply(t(language, "link_unavailable"), language, command="unlink", ok=False)
        outcome = await self._linking.unlink(identity, language)
        return self._reply(outcome.text, language, changed=outcome.changed, command="unlink")

    async def _cmd_deliver(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._linking is None:
            return self._reply(t(language, "link_unavailable"), language, command="deliver", ok=False)
        outcome = await self._linking.deliver_on(identity, command.values[0], language)
        return self._reply(outcome.text, language, changed=outcome.changed, command="deliver")

    async def _cmd_language(self, identity: Identity, command: Command, language: str) -> Reply:
        chosen = command.values[0]
        sub = await self._change(identity, lambda s: s.with_changes(language=chosen), language_hint=chosen)
        return self._reply(t(chosen, "language_set") + self._hint(sub, chosen), chosen, changed=True,
                           command="language")

    async def _cmd_items(self, identity: Identity, command: Command, language: str) -> Reply:
        assert command.number is not None
        name, number = command.name, command.number
        sub = await self._change(identity, lambda s: s.with_changes(**{name: number}), language_hint=language)
        return self._reply(t(language, f"{name}_set", **{name: number}) + self._hint(sub, language), language,
                           changed=True, command=name)

    async def _cmd_pause(self, identity: Identity, command: Command, language: str) -> Reply:
        current = await self._store.get(identity)
        if current is None or not current.active:
            return self._reply(t(language, "not_subscribed"), language, command="pause")
        now = self._store.clock()
        if command.number is None:
            until = now + timedelta(days=3650)  # open-ended: "resume" ends it
            await self._change(identity, lambda s: s.with_changes(paused_until=until), language_hint=language)
            return self._reply(t(language, "paused"), language, changed=True, command="pause")
        until = now + timedelta(days=command.number)
        sub = await self._change(identity, lambda s: s.with_changes(paused_until=until), language_hint=language)
        shown = until.astimezone(sub.zone).strftime("%Y-%m-%d")
        return self._reply(t(language, "paused_days", until=shown), language, changed=True, command="pause")

    async def _cmd_resume(self, identity: Identity, command: Command, language: str) -> Reply:
        current = await self._store.get(identity)
        if current is None or not current.active:
            return self._reply(t(language, "not_subscribed"), language, command="resume")
        if not current.is_paused(self._store.clock()):
            return self._reply(t(language, "not_paused", next=await self._with_next(current, language)), language,
                               command="resume")
        sub = await self._change(identity, lambda s: s.with_changes(paused_until=None), language_hint=language)
        return self._reply(t(language, "resumed", next=await self._with_next(sub, language)), language,
                           changed=True, command="resume")

    async def _cmd_now(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._request_now is None:
            return self._reply(t(language, "now_unavailable"), language, command="now")
        current = await self._store.get(identity)
        if current is None:
            current = await self._change(identity, lambda s: s, language_hint=language)
        outcome = await self._request_now(current)
        return self._reply(t(language, outcome.value), language, command="now")

    async def _cmd_settings(self, identity: Identity, command: Command, language: str) -> Reply:
        sub = await self._store.get(identity) or Subscription(identity=identity)
        now = self._store.clock()
        if sub.deactivated_reason and sub.deactivated_reason != "unsubscribed" and not sub.active:
            status = t(language, "status_gone", reason=sub.deactivated_reason)
        elif not sub.active:
            status = t(language, "status_inactive")
        elif sub.is_paused(now):
            assert sub.paused_until is not None
            if sub.paused_until - now > _OPEN_ENDED_PAUSE:
                status = t(language, "status_paused_open")
            else:
                status = t(language, "status_paused", until=sub.paused_until.astimezone(sub.zone).strftime("%Y-%m-%d"))
        else:
            status = t(language, "status_active")
        text = t(
            language,
            "settings",
            status=status,
            time=_hhmm(sub),
            tz=sub.timezone,
            days=days_text(language, sub.weekdays),
            language={"en": "English", "ja": "日本語"}.get(sub.effective_language, sub.effective_language),
            topics=_join(sub.topics, t(language, "topics_none")),
            muted=_join(sub.muted_sources, t(language, "sources_none")),
            items=sub.items,
            minutes=sub.minutes,
            next=await self._with_next(sub, language),
        )
        return self._reply(text, language, command="settings")

    async def _cmd_help(self, identity: Identity, command: Command, language: str) -> Reply:
        return self._reply(t(language, "help"), language, command="help")

    #: Every command the parser knows (``parser.COMMANDS``), and the method that runs it.
    _COMMANDS: ClassVar[Mapping[str, Callable[[CommandHandler, Identity, Command, str], Awaitable[Reply]]]] = {
        "subscribe": _cmd_subscribe,
        "unsubscribe": _cmd_unsubscribe,
        "time": _cmd_time,
        "timezone": _cmd_timezone,
        "topics": _cmd_topics,
        "days": _cmd_days,
        "link": _cmd_link,
        "unlink": _cmd_unlink,
        "deliver": _cmd_deliver,
        "sources": SourceCommands._cmd_sources,
        "language": _cmd_language,
        "items": _cmd_items,
        "minutes": _cmd_items,
        "pause": _cmd_pause,
        "resume": _cmd_resume,
        "now": _cmd_now,
        "settings": _cmd_settings,
        "help": _cmd_help,
        "like": FeedbackCommands._cmd_like, "dislike": FeedbackCommands._cmd_like,
        "why": FeedbackCommands._cmd_why,
    }


def _new_subscription(identity: Identity, language: str) -> Subscription:
    """A first subscription: a Japanese-speaking reader starts on Tokyo time (the platform told us nothing more)."""
    if language == "ja":
        return Subscription(identity=identity, language="ja", timezone="Asia/Tokyo")
    return Subscription(identity=identity)


def _hhmm(sub: Subscription) -> str:
    return sub.delivery_time.strftime("%H:%M")


def _join(values: Sequence[str], empty: str) -> str:
    return ", ".join(values) if values else empty
