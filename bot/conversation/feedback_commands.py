"""``like`` / ``dislike`` (👍/👎, いいね / よくない) and ``why`` (なぜ): feedback that steers, and its explanation.

Every channel's button sends ``like <story id>`` or ``dislike <story id>`` through its own inbound, so a press is
the same command a reader could type; a typed ``like 3`` names the third story of the reader's last digest as
it was sent (``bot.store.feedback.Picks``, recorded by the worker), so the numbers never shift under the reader
when their feedback reorders tomorrow's digest. ``why`` explains those picks, one line a story; without a digest
sent in the last two days it explains the digest the reader would get now.

The identity here is already the reader's (a linked chat's primary, ``bot.conversation.linking``): one feedback
set per reader. A mixin of ``CommandHandler``, which provides what it declares.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.content.digest import digest_of
from bot.content.editions import EditionSource
from bot.content.steer import explain
from bot.conversation.i18n import t
from bot.conversation.parser import Command
from bot.store.feedback import FeedbackStore, Pick, Picks, Vote
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from summaries.models import Edition, Story

if TYPE_CHECKING:
    from bot.conversation.commands import Reply

__all__ = ["FeedbackCommands", "StoryFinder"]

#: Finds a story of a recent edition by id (a button pressed on an older digest), or None.
StoryFinder = Callable[[str], Awaitable[Story | None]]
#: Longest title a reply shows (``why`` lists up to 20: every platform's reply limit holds).
_TITLE = 90


def _pick_of(story: Story) -> Pick:
    return Pick(story.id, story.source_id, tuple(story.topics), title=story.title, source_name=story.source_name)


def _title(pick: Pick) -> str:
    title = pick.title or pick.source_name or pick.source_id
    return title if len(title) <= _TITLE else title[: _TITLE - 1] + "…"


class FeedbackCommands:
    """The ``like``, ``dislike`` and ``why`` commands. ``CommandHandler`` provides what is declared here."""

    _store: SubscriptionStore
    _feedback: FeedbackStore | None
    _editions: EditionSource | None
    _find_story: StoryFinder | None

    def _reply(
        self, text: str, language: str, *, changed: bool = False, command: str = "", ok: bool = True
    ) -> Reply:
        raise NotImplementedError

    async def _current_picks(self, identity: Identity, feedback: FeedbackStore) -> Picks | None:
        """The reader's last digest as sent; else the digest they would get now; None without an edition."""
        picks = await feedback.picks(identity.sid)
        sub = await self._store.get(identity) or Subscription(identity=identity)
        edition = await self._editions.latest(sub.effective_language) if self._editions is not None else None
        if picks is not None:
            return await self._named(picks, edition)
        if edition is None:
            return None
        affinity = await feedback.affinity(identity.sid)
        return explain(digest_of(edition, sub, affinity), edition, affinity, sub.topics)

    async def _named(self, picks: Picks, edition: Edition | None) -> Picks:
        """``picks`` with their titles and source names (not stored): from the edition, else any recent one."""
        known = {story.id: story for story in edition.stories} if edition is not None else {}
        named: list[Pick] = []
        for pick in picks.stories:
            story = known.get(pick.story_id)
            if story is None and self._find_story is not None:
                story = await self._find_story(pick.story_id)
            named.append(replace(pick, title=story.title, source_name=story.source_name) if story else pick)
        return replace(picks, stories=tuple(named))

    async def _story(self, identity: Identity, command: Command, feedback: FeedbackStore,
                     language: str) -> Pick | str:
        """The story ``command`` names, or the reply text saying why it cannot be found."""
        picks = await self._current_picks(identity, feedback)
        stories = picks.stories if picks is not None else ()
        if command.number is not None:
            if not stories:
                return t(language, "why_nothing")
            if command.number > len(stories):
                return t(language, "story_number_range", number=command.number, count=len(stories))
            return stories[command.number - 1]
        wanted = command.values[0]
        found = next((p for p in stories if p.story_id == wanted), None)
        if found is None and self._find_story is not None:
            story = await self._find_story(wanted)
            found = _pick_of(story) if story is not None else None
        return found if found is not None else t(language, "story_gone")

    async def _cmd_like(self, identity: Identity, command: Command, language: str) -> Reply:
        name = command.name
        if self._feedback is None:
            return self._reply(t(language, "feedback_unavailable"), language, command=name, ok=False)
        pick = await self._story(identity, command, self._feedback, language)
        if isinstance(pick, str):
            return self._reply(pick, language, command=name, ok=False)
        vote = Vote.UP if name == "like" else Vote.DOWN
        previous = await self._feedback.vote(identity.sid, pick.ref(), vote)
        topic = pick.topics[0] if pick.topics else pick.source_name or pick.source_id
        key = f"{name}d_again" if previous == vote else f"{name}d"
        text = t(language, key, title=_title(pick), source=pick.source_name or pick.source_id, topic=topic)
        return self._reply(text, language, changed=previous != vote, command=name)

    async def _cmd_why(self, identity: Identity, command: Command, language: str) -> Reply:
        if self._feedback is None:
            return self._reply(t(language, "feedback_unavailable"), language, command="why", ok=False)
        picks = await self._current_picks(identity, self._feedback)
        if picks is None or not picks.stories:
            return self._reply(t(language, "why_nothing"), language, command="why")
        lines = [t(language, "why_header", day=picks.day)]
        for n, pick in enumerate(picks.stories, start=1):
            reasons = " · ".join(_reason(language, code) for code in pick.reasons)
            lines.append(f"{n}. {_title(pick)} — {reasons}" if reasons else f"{n}. {_title(pick)}")
        lines.append(t(language, "why_footer"))
        return self._reply("\n".join(lines), language, command="why")


def _reason(language: str, code: str) -> str:
    """A reason code of ``bot.content.steer.explain`` in the reader's words."""
    kind, _, value = code.partition(":")
    if kind == "topic":
        return value
    if kind == "outlets":
        return t(language, "why_outlets", count=value)
    if kind == "ranked":
        return t(language, "why_ranked", rank=value)
    return t(language, f"why_{kind}")
