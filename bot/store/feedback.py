"""A reader's 👍/👎 on stories, aggregated into bounded source and topic affinities, and their last digest's picks.

Why keep the votes and not only the sums: a reader who changes 👍 to 👎 on one story, or presses 👍 twice, must
move the affinity once — the script subtracts the story's previous vote before adding the new one, so pressing
the same button again changes nothing (every channel's button is idempotent). The votes are capped at
``MAX_VOTES``: the oldest are dropped *and* un-counted, so the aggregate is always the sum of the kept votes.

Why bounded when read: the stored sums are exact (reversible), ``Affinity`` clamps each to [-1, 1] after
``SATURATION`` votes, so ten 👍 on one source weigh no more than three; the ranking (``bot.content.steer``) bounds
what an affinity can do to a digest.

Keys (``bot.keys``): ``fb``, ``fb-at``, ``aff`` and ``picks`` of one ``sid`` share the subscription's ``{sNN}``
slot. The ``sid`` is the reader's: for linked chats, the primary's (``bot.conversation.linking``), so a linked
reader has one feedback set; ``copy_to`` gives the set to a new primary or a member that unlinks.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from bot import keys
from bot.store.client import RedisClient
from bot.store.deadline import unavailable_on_failure
from bot.store.models import FEEDBACK_FIELD

__all__ = [
    "MAX_VOTES",
    "NO_AFFINITY",
    "SATURATION",
    "Affinity",
    "FeedbackStore",
    "Pick",
    "Picks",
    "StoryIdInvalid",
    "StoryRef",
    "Vote",
    "valid_story_id",
]

#: Votes kept per reader; the oldest beyond it are dropped and un-counted.
MAX_VOTES = 500
#: Net votes at which a source's or topic's affinity is full (±1).
SATURATION = 3
_TTL = 180 * 86400
_PICKS_TTL = 2 * 86400
_STORY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_NAME = re.compile(r"[^\s,]{1,120}")

# KEYS: votes hash, order zset, affinity hash, subscription hash. ARGV: story, vote (1 / -1 / 0 = withdraw), source
# id, topics (comma-separated), now (epoch s), max votes, ttl, the subscription's feedback field. Returns the story's
# previous vote (0: none). The subscription (when there is one) is told whether affinities remain, in the same
# script: a worker reads them only when it says so (``Subscription.has_feedback``).
# Each vote is "<v> <source> <topics>"; ``apply`` adds (sign 1) or removes (sign -1) its weight from the sums,
# and a sum back at 0 is deleted, so the hash holds only what the reader has a net opinion on.
_VOTE = """
local function apply(entry, sign)
  local v, src, topics = string.match(entry, '^(%S+) (%S*) ?(%S*)$')
  v = tonumber(v) * sign
  local function add(field)
    if redis.call('HINCRBY', KEYS[3], field, v) == 0 then redis.call('HDEL', KEYS[3], field) end
  end
  if src ~= '' and src ~= '-' then add('s:' .. src) end
  for topic in string.gmatch(topics, '[^,]+') do add('t:' .. topic) end
end
local old = redis.call('HGET', KEYS[1], ARGV[1])
local previous = 0
if old then
  previous = tonumber(string.match(old, '^(%S+)'))
  apply(old, -1)
end
if ARGV[2] == '0' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  local entry = ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[4]
  redis.call('HSET', KEYS[1], ARGV[1], entry)
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
  apply(entry, 1)
  local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
  if over > 0 then
    for _, gone in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
      local e = redis.call('HGET', KEYS[1], gone)
      if e then apply(e, -1) end
      redis.call('HDEL', KEYS[1], gone)
      redis.call('ZREM', KEYS[2], gone)
    end
  end
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[7]) end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[4], ARGV[8], redis.call('EXISTS', KEYS[3]))
end
return previous
"""

# KEYS: subscription hash, affinity hash. ARGV: the subscription's feedback field. Says in an existing subscription
# whether its reader has affinities (``copy_to`` replaced them); a missing subscription is not created.
_FLAG = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], redis.call('EXISTS', KEYS[2]))
end
return 0
"""


class StoryIdInvalid(ValueError):
    """A story id that editions never make (a forged button or link); nothing is stored."""


class Vote(IntEnum):
    """What a button or ``like``/``dislike`` says about one story."""

    DOWN = -1
    UP = 1


def valid_story_id(text: str) -> bool:
    """A story id as editions make them (letters, digits, ``_``, ``-``); anything else never reaches a key."""
    return _STORY_ID.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class StoryRef:
    """What a vote is about: the story and what it is counted towards (its lead source and its topics)."""

    story_id: str
    source_id: str
    topics: tuple[str, ...] = ()

    def encoded(self) -> tuple[str, str]:
        source = self.source_id if _NAME.fullmatch(self.source_id) else "-"
        topics = ",".join(t for t in self.topics if _NAME.fullmatch(t))
        return source, topics


@dataclass(frozen=True, slots=True)
class Affinity:
    """A reader's bounded leanings: source id / topic -> [-1, 1] (absent: 0). Empty: no feedback yet."""

    sources: Mapping[str, float] = field(default_factory=dict)
    topics: Mapping[str, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sources or self.topics)

    def source(self, source_id: str) -> float:
        return self.sources.get(source_id, 0.0)

    def topic(self, topics: Sequence[str]) -> float:
        """The mean affinity of a story's topics (0 for a story without topics)."""
        return sum(self.topics.get(t, 0.0) for t in topics) / len(topics) if topics else 0.0

    @classmethod
    def from_sums(cls, sums: Mapping[str, int]) -> Affinity:
        def bounded(value: int) -> float:
            return max(-1.0, min(1.0, value / SATURATION))

        sources = {k[2:]: bounded(v) for k, v in sums.items() if k.startswith("s:") and v}
        topics = {k[2:]: bounded(v) for k, v in sums.items() if k.startswith("t:") and v}
        return cls(sources=sources, topics=topics)


NO_AFFINITY = Affinity()


@dataclass(frozen=True, slots=True)
class Pick:
    """One story of a digest as sent: enough to vote on it and say why it was chosen.

    ``reasons`` are codes the conversation words in the reader's language: ``topic:<name>``, ``liked_source``,
    ``liked_topic``, ``outlets:<n>``, ``top``, ``ranked:<n>``. ``title`` and ``source_name`` are not stored (a
    reader's picks stay a few hundred bytes): the conversation takes them from the edition when it shows them.
    """

    story_id: str
    source_id: str
    topics: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    title: str = ""
    source_name: str = ""

    def ref(self) -> StoryRef:
        return StoryRef(self.story_id, self.source_id, self.topics)


@dataclass(frozen=True, slots=True)
class Picks:
    """The stories of one reader's last digest, in the order sent; ``day`` is the edition's."""

    day: str
    stories: tuple[Pick, ...] = ()

    def to_json(self) -> str:
        """Compact: ``[id, source id, topics, reasons]`` a story (no titles, see ``Pick``)."""
        rows = [[p.story_id, p.source_id, list(p.topics), list(p.reasons)] for p in self.stories]
        return json.dumps({"day": self.day, "stories": rows}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Picks:
        data: dict[str, Any] = json.loads(text)
        return cls(day=str(data["day"]), stories=tuple(
            Pick(story_id=str(row[0]), source_id=str(row[1]), topics=tuple(map(str, row[2])),
                 reasons=tuple(map(str, row[3]))) for row in data.get("stories", ())))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class FeedbackStore:
    """Votes, affinities and picks of readers (by ``sid``). Every method raises ``StoreUnavailable`` when Redis
    cannot answer."""

    def __init__(self, redis: RedisClient, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock
        self._vote = redis.register_script(_VOTE)
        self._flag = redis.register_script(_FLAG)

    async def vote(self, sid: str, ref: StoryRef, vote: Vote | None) -> int:
        """Record ``vote`` on ``ref`` (None withdraws it); returns the previous vote on that story (0: none).

        Idempotent: the same vote twice counts once. Raises ``StoryIdInvalid`` for a malformed story id.
        """
        if not valid_story_id(ref.story_id):
            raise StoryIdInvalid(ref.story_id[:40])
        source, topics = ref.encoded()
        value = "0" if vote is None else str(int(vote))
        async with unavailable_on_failure():
            previous = await self._vote(
                keys=[keys.feedback_votes(sid), keys.feedback_order(sid), keys.feedback_affinity(sid),
                      keys.subscription(sid)],
                args=[ref.story_id, value, source, topics, int(self._clock()), MAX_VOTES, _TTL, FEEDBACK_FIELD])
        return int(previous)

    async def votes(self, sid: str) -> dict[str, Vote]:
        """Story id -> the reader's vote on it."""
        async with unavailable_on_failure():
            raw: Mapping[Any, Any] = await self._redis.hgetall(keys.feedback_votes(sid))  # type: ignore[misc]
        return {_text(k): Vote(int(_text(v).split(" ", 1)[0])) for k, v in raw.items()}

    async def affinity(self, sid: str) -> Affinity:
        """The reader's bounded source and topic affinities (``NO_AFFINITY`` without feedback)."""
        async with unavailable_on_failure():
            raw: Mapping[Any, Any] = await self._redis.hgetall(keys.feedback_affinity(sid))  # type: ignore[misc]
        return Affinity.from_sums({_text(k): int(_text(v)) for k, v in raw.items()}) if raw else NO_AFFINITY

    async def copy_to(self, from_sid: str, to_sid: str) -> None:
        """Give ``to_sid`` the feedback set of ``from_sid`` (replacing its own): a new primary or an unlinked
        member keeps the reader's feedback. Key by key (DUMP/RESTORE): the two sids may live in two slots."""
        pairs = [(keys.feedback_votes(from_sid), keys.feedback_votes(to_sid)),
                 (keys.feedback_order(from_sid), keys.feedback_order(to_sid)),
                 (keys.feedback_affinity(from_sid), keys.feedback_affinity(to_sid)),
                 (keys.picks(from_sid), keys.picks(to_sid))]
        async with unavailable_on_failure():
            for source, target in pairs:
                dumped = await self._redis.dump(source)
                if dumped is None:
                    await self._redis.delete(target)
                    continue
                ttl = await self._redis.pttl(source)
                await self._redis.restore(target, max(0, int(ttl)), dumped, replace=True)
            await self._flag(keys=[keys.subscription(to_sid), keys.feedback_affinity(to_sid)], args=[FEEDBACK_FIELD])

    async def merge_into(self, from_sid: str, to_sid: str) -> int:
        """Add the votes of ``from_sid`` to ``to_sid`` (a chat joining a linked reader brings its 👍/👎); a story
        both voted on keeps ``to_sid``'s vote. Returns how many votes were added."""
        async with unavailable_on_failure():
            raw: Mapping[Any, Any] = await self._redis.hgetall(keys.feedback_votes(from_sid))  # type: ignore[misc]
            mine = set(await self.votes(to_sid))
        added = 0
        for story, entry in raw.items():
            story_id = _text(story)
            vote, _, rest = _text(entry).partition(" ")
            source, _, topics = rest.partition(" ")
            if story_id in mine or not valid_story_id(story_id):
                continue
            ref = StoryRef(story_id, "" if source == "-" else source, tuple(t for t in topics.split(",") if t))
            await self.vote(to_sid, ref, Vote(int(vote)))
            added += 1
        return added

    async def record_picks(self, sid: str, picks: Picks) -> None:
        """Keep what the reader's digest held (``why`` and ``like N`` read it), two days."""
        async with unavailable_on_failure():
            await self._redis.set(keys.picks(sid), picks.to_json(), ex=_PICKS_TTL)

    @staticmethod
    def stage_picks(pipe: Any, sid: str, picks: Picks) -> None:
        """Add ``record_picks`` to ``pipe``: the worker writes a digest's picks in its settlement transaction
        (no round trip of their own; the key is in the subscription's slot, as the settlement's are)."""
        pipe.set(keys.picks(sid), picks.to_json(), ex=_PICKS_TTL)

    async def picks(self, sid: str) -> Picks | None:
        """The reader's last digest's picks; None when none was sent in the last two days."""
        async with unavailable_on_failure():
            raw = await self._redis.get(keys.picks(sid))
        return Picks.from_json(_text(raw)) if raw else None
