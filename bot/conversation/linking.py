"""One reader on many channels: ``link`` on one chat, the six-digit code on another, one digest for both.

How a group of linked identities is kept, so that no reader ever gets two digests for one day:

* the **primary** holds the one preference set and is the only subscription of the group that can be active;
  its ``extra["linked"]`` lists the other identities (space-separated);
* every **member** is an inactive subscription (reason ``linked``) whose ``extra["linked_to"]`` names the primary.
  Commands from a member run on the primary (``primary_of``), so either chat changes the one set;
* ``deliver on CHANNEL`` makes the member on that channel the primary: the old primary is stopped *first*, then
  the new one takes the preferences (a crash in between costs a digest, never doubles one), and the day's
  ``last_slot_date`` travels with them, so a move after today's digest does not bring a second one today;
* ``unlink`` gives a member its own copy of the preferences again (same active state and last slot date);
* the reader's 👍/👎 (``bot.store.feedback``) are kept under the primary: a joining chat's votes are merged in,
  and the set is copied with the preferences by ``deliver on`` and ``unlink``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.conversation.i18n import t
from bot.store.feedback import FeedbackStore
from bot.store.link_codes import LinkCodes
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore

__all__ = ["GROUP_COMMANDS", "LinkOutcome", "Linking"]

#: Commands that act on the group itself, never redirected to the primary.
GROUP_COMMANDS = frozenset({"link", "unlink", "deliver"})
_LINKED = "linked"
_LINKED_TO = "linked_to"
_REASON = "linked"


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """A reply text and whether a subscription changed."""

    text: str
    changed: bool = False


def _members(sub: Subscription | None) -> list[Identity]:
    if sub is None:
        return []
    return [Identity.parse(text) for text in sub.extra.get(_LINKED, "").split() if text]


def _with_extra(sub: Subscription, **values: str) -> Subscription:
    extra = dict(sub.extra)
    for key, value in values.items():
        if value:
            extra[key] = value
        else:
            extra.pop(key, None)
    return sub.with_changes(extra=extra)


def _preferences_of(source: Subscription, target: Subscription) -> Subscription:
    """``target`` with ``source``'s preferences and schedule state (identity and links stay ``target``'s)."""
    return target.with_changes(
        active=source.active, paused_until=source.paused_until, delivery_time=source.delivery_time,
        timezone=source.timezone, language=source.language, topics=source.topics,
        muted_sources=source.muted_sources, items=source.items, weekdays=source.weekdays,
        deactivated_reason=source.deactivated_reason, last_slot_date=source.last_slot_date,
    )


class Linking:
    """The group operations behind ``link``, the code, ``unlink`` and ``deliver on``."""

    def __init__(self, store: SubscriptionStore, codes: LinkCodes, feedback: FeedbackStore | None = None) -> None:
        self._store = store
        self._codes = codes
        self._feedback = feedback  # the reader's 👍/👎 follow the preferences to a new primary or an unlinked chat

    async def _copy_feedback(self, source: Identity, target: Identity) -> None:
        if self._feedback is not None:
            await self._feedback.copy_to(source.sid, target.sid)

    async def primary_of(self, identity: Identity, current: Subscription | None = None) -> Identity:
        """The identity whose preferences a command from ``identity`` changes."""
        sub = current if current is not None else await self._store.get(identity)
        linked_to = sub.extra.get(_LINKED_TO, "") if sub is not None else ""
        return Identity.parse(linked_to) if linked_to else identity

    async def group(self, identity: Identity) -> tuple[Identity, list[Identity]]:
        """``(primary, members)`` of the group ``identity`` belongs to (members empty: not linked)."""
        primary = await self.primary_of(identity)
        return primary, _members(await self._store.get(primary))

    async def issue(self, identity: Identity, language: str) -> LinkOutcome:
        code = await self._codes.issue(identity)
        return LinkOutcome(t(language, "link_code", code=code))

    async def redeem(self, identity: Identity, code: str, language: str) -> LinkOutcome:
        other = await self._codes.redeem(code)
        if other is None:
            return LinkOutcome(t(language, "link_unknown"))
        primary, members = await self.group(other)
        mine = await self._store.get(identity)
        if identity == primary or identity in members:
            return LinkOutcome(t(language, "link_same"))
        if _members(mine) or (mine is not None and mine.extra.get(_LINKED_TO)):
            return LinkOutcome(t(language, "link_already"))
        primary_sub = await self._store.get(primary)
        if (primary_sub is None or not primary_sub.active) and mine is not None and mine.active and not members:
            primary, identity, mine, primary_sub = identity, primary, primary_sub, mine  # the subscribed one leads
        last = max((s.last_slot_date for s in (mine, primary_sub) if s is not None and s.last_slot_date),
                   default=None)
        joined = identity

        def to_member(current: Subscription | None) -> Subscription:
            base = current or Subscription(identity=joined)
            stopped = base.with_changes(active=False, deactivated_reason=_REASON)
            return _with_extra(stopped, **{_LINKED_TO: str(primary), _LINKED: ""})

        def to_primary(current: Subscription | None) -> Subscription:
            base = current or Subscription(identity=primary)
            latest = max((d for d in (base.last_slot_date, last) if d is not None), default=None)
            listed = " ".join(str(i) for i in (*_members(base), joined))
            return _with_extra(base.with_changes(last_slot_date=latest), **{_LINKED: listed})

        await self._store.update(joined, to_member)  # stop it first: never two digests
        await self._store.update(primary, to_primary)
        if self._feedback is not None:  # the joining chat's 👍/👎 join the reader's one set
            await self._feedback.merge_into(joined.sid, primary.sid)
        return LinkOutcome(t(language, "linked", other=str(other if other != joined else identity),
                             channel=primary.channel), changed=True)

    async def unlink(self, identity: Identity, language: str) -> LinkOutcome:
        primary, members = await self.group(identity)
        if not members:
            return LinkOutcome(t(language, "not_linked"))
        leaving = members if identity == primary else [identity]
        primary_sub = await self._store.get(primary)
        assert primary_sub is not None

        def keep_rest(current: Subscription | None) -> Subscription | None:
            if current is None:
                return None
            rest = [m for m in _members(current) if m not in leaving]
            return _with_extra(current, **{_LINKED: " ".join(str(m) for m in rest)})

        def own_copy(member: Identity) -> Callable[[Subscription | None], Subscription]:
            def change(current: Subscription | None) -> Subscription:
                copy = _preferences_of(primary_sub, current or Subscription(identity=member))
                return _with_extra(copy, **{_LINKED_TO: ""})
            return change

        await self._store.update(primary, keep_rest)
        for member in leaving:
            await self._store.update(member, own_copy(member))
            await self._copy_feedback(primary, member)
        return LinkOutcome(t(language, "unlinked"), changed=True)

    async def deliver_on(self, identity: Identity, channel: str, language: str) -> LinkOutcome:
        primary, members = await self.group(identity)
        if primary.channel == channel:
            return LinkOutcome(t(language, "deliver_already", channel=channel))
        target = next((m for m in members if m.channel == channel), None)
        if target is None:
            return LinkOutcome(t(language, "deliver_no_link", channel=channel))
        old = await self._store.get(primary)
        assert old is not None
        rest = [m for m in members if m != target] + [primary]

        def stop_old(current: Subscription | None) -> Subscription:
            base = current or old
            stopped = base.with_changes(active=False, deactivated_reason=_REASON)
            return _with_extra(stopped, **{_LINKED: "", _LINKED_TO: str(target)})

        def start_new(current: Subscription | None) -> Subscription:
            base = _preferences_of(old, current or Subscription(identity=target))
            return _with_extra(base, **{_LINKED_TO: "", _LINKED: " ".join(str(m) for m in rest)})

        await self._store.update(primary, stop_old)  # first: at worst no digest, never two
        await self._store.update(target, start_new)
        await self._copy_feedback(primary, target)
        def follow_new(current: Subscription | None) -> Subscription | None:
            return None if current is None else _with_extra(current, **{_LINKED_TO: str(target)})

        for member in rest:
            if member != primary:
                await self._store.update(member, follow_new)
        return LinkOutcome(t(language, "deliver_set", channel=channel), changed=True)
