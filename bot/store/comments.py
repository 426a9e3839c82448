"""Comments under a story, in Redis: a per-story list, limits that hold across processes, and reports.

Contract (issue 17): at most ``MAX_LENGTH`` characters, at most ``PER_MINUTE`` comments a minute per person,
the author may edit or delete a comment for ``EDIT_WINDOW`` after posting, and a comment reported by
``HIDE_AFTER_REPORTS`` different people is hidden until an operator looks (``aitoday comments list|remove``).

Why a Lua script for posting: the rate check and the write must be one step, or two browsers of one person
could both pass the check; every comment key shares the ``{cm}`` slot, so the script runs on Redis Cluster
too. A refused comment (empty, too long, too frequent) stores nothing.

Errors::

    CommentError                 a comment action was refused; ``str()`` is safe to show
    ├── CommentEmpty             nothing but white space
    ├── CommentTooLong           over MAX_LENGTH characters
    ├── NameInvalid              display name empty, too long, or one line it is not
    ├── CommentRateLimited       PER_MINUTE reached (``retry_after`` seconds)
    ├── CommentNotFound          no such comment (or removed)
    ├── CommentNotYours          edit/delete of another's comment, report of one's own
    └── CommentLocked            the edit window has passed
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot import keys
from bot.store.client import RedisClient

__all__ = [
    "EDIT_WINDOW",
    "HIDE_AFTER_REPORTS",
    "MAX_LENGTH",
    "MAX_NAME_LENGTH",
    "PER_MINUTE",
    "Comment",
    "CommentEmpty",
    "CommentError",
    "CommentLocked",
    "CommentNotFound",
    "CommentNotYours",
    "CommentRateLimited",
    "CommentStore",
    "CommentTooLong",
    "NameInvalid",
    "clean_name",
    "clean_text",
    "valid_id",
]

MAX_LENGTH = 2000
MAX_NAME_LENGTH = 40
PER_MINUTE = 5
EDIT_WINDOW = 15 * 60
HIDE_AFTER_REPORTS = 3

State = Literal["visible", "hidden", "deleted", "removed"]

_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


class CommentError(Exception):
    """A comment action was refused. The message names the rule, never the text."""


class CommentEmpty(CommentError):
    pass


class CommentTooLong(CommentError):
    def __init__(self, length: int) -> None:
        super().__init__(f"the comment has {length} characters; the limit is {MAX_LENGTH}")
        self.length = length


class NameInvalid(CommentError):
    pass


class CommentRateLimited(CommentError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many comments; try again in {retry_after} s")
        self.retry_after = retry_after


class CommentNotFound(CommentError):
    pass


class CommentNotYours(CommentError):
    pass


class CommentLocked(CommentError):
    pass


def valid_id(value: str) -> bool:
    """Whether ``value`` may be part of a key (story, comment and user ids are ``[A-Za-z0-9_-]``)."""
    return bool(_ID.fullmatch(value))


def clean_text(text: str) -> str:
    """The comment as stored: newlines unified, outer white space trimmed; raises when empty or too long."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CommentEmpty("the comment is empty")
    if len(text) > MAX_LENGTH:
        raise CommentTooLong(len(text))
    return text


def clean_name(name: str) -> str:
    """A display name: one line, 1–40 characters after trimming."""
    name = " ".join(name.split())
    if not name:
        raise NameInvalid("the display name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise NameInvalid(f"the display name has {len(name)} characters; the limit is {MAX_NAME_LENGTH}")
    return name


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    story_id: str
    author: str
    name: str
    text: str
    created: float
    edited: float
    reports: int
    state: State

    @property
    def visible(self) -> bool:
        return self.state == "visible"

    def editable_by(self, user_id: str, now: float) -> bool:
        """The author, within the edit window, of a comment still shown."""
        return self.visible and user_id == self.author and now - self.created <= EDIT_WINDOW

    @classmethod
    def from_hash(cls, comment_id: str, data: dict[str, str]) -> Comment:
        state = data.get("state", "visible")
        return cls(
            id=comment_id,
            story_id=data.get("story", ""),
            author=data.get("author", ""),
            name=data.get("name", ""),
            text=data.get("text", ""),
            created=float(data.get("created", 0)),
            edited=float(data.get("edited", 0)),
            reports=int(data.get("reports", 0)),
            state=state if state in ("visible", "hidden", "deleted", "removed") else "hidden",  # type: ignore[arg-type]
        )


# KEYS: 1 rate zset, 2 comment hash, 3 story list, 4 all-comments index
# ARGV: 1 now ms, 2 window ms, 3 limit, 4 comment id, 5.. field/value pairs of the comment hash
# Drops rate entries older than the window; refuses ({0, ms until a slot frees}) at the limit, else writes the
# comment, its place in the story's list and the index, and counts it ({1, 0}).
_POST = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], math.floor(now / 1000), ARGV[4])
return {1, 0}
"""

# KEYS: 1 comment hash, 2 reporters set; ARGV: 1 reporter, 2 hide threshold
# One report per person; the comment is hidden when the distinct reporters reach the threshold.
_REPORT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  local n = redis.call('HINCRBY', KEYS[1], 'reports', 1)
  if n >= tonumber(ARGV[2]) and redis.call('HGET', KEYS[1], 'state') == 'visible' then
    redis.call('HSET', KEYS[1], 'state', 'hidden')
  end
end
return tonumber(redis.call('HGET', KEYS[1], 'reports'))
"""


class CommentStore:
    """Comments and commenters' display names. ``clock`` (epoch seconds) is injectable for tests."""

    def __init__(self, redis: RedisClient, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock

    async def add(self, story_id: str, user_id: str, name: str, text: str) -> Comment:
        """Post a comment; raises ``CommentEmpty``/``CommentTooLong``/``NameInvalid``/``CommentRateLimited``."""
        if not (valid_id(story_id) and valid_id(user_id)):
            raise CommentNotFound("no such story")
        body = clean_text(text)
        shown_name = clean_name(name)
        comment_id = secrets.token_hex(8)
        now = self._clock()
        fields = {"story": story_id, "author": user_id, "name": shown_name, "text": body,
                  "created": f"{now:.3f}", "edited": "0", "reports": "0", "state": "visible"}
        flat = [item for pair in fields.items() for item in pair]
        allowed, wait_ms = await self._redis.eval(  # type: ignore[misc]
            _POST, 4, keys.comment_rate(user_id), keys.comment(comment_id), keys.story_comments(story_id),
            keys.comments_all(), int(now * 1000), 60_000, PER_MINUTE, comment_id, *flat,
        )
        if not int(allowed):
            raise CommentRateLimited(max(1, -(-int(wait_ms) // 1000)))
        return Comment.from_hash(comment_id, fields)

    async def for_story(self, story_id: str) -> list[Comment]:
        """Every comment of a story, oldest first, whatever its state (the page shows the visible ones)."""
        if not valid_id(story_id):
            return []
        ids = [str(i) for i in await self._redis.lrange(keys.story_comments(story_id), 0, -1)]
        return await self._load(ids)

    async def get(self, comment_id: str) -> Comment | None:
        if not valid_id(comment_id):
            return None
        data = await self._redis.hgetall(keys.comment(comment_id))  # type: ignore[misc]
        return Comment.from_hash(comment_id, _str_dict(data)) if data else None

    async def edit(self, comment_id: str, user_id: str, text: str) -> Comment:
        """The author's new text, within the edit window."""
        body = clean_text(text)
        found = await self._own(comment_id, user_id)
        now = self._clock()
        await self._redis.hset(keys.comment(comment_id), mapping={"text": body, "edited": f"{now:.3f}"})  # type: ignore[misc]
        return Comment.from_hash(comment_id, {**_fields(found), "text": body, "edited": f"{now:.3f}"})

    async def delete(self, comment_id: str, user_id: str) -> None:
        """The author takes a comment back, within the edit window; its text is erased."""
        await self._own(comment_id, user_id)
        await self._redis.hset(keys.comment(comment_id), mapping={"state": "deleted", "text": ""})  # type: ignore[misc]

    async def report(self, comment_id: str, user_id: str) -> int:
        """Count one report per person; returns the distinct reports so far (hidden at the threshold)."""
        found = await self.get(comment_id)
        if found is None or found.state in ("deleted", "removed"):
            raise CommentNotFound("no such comment")
        if found.author == user_id:
            raise CommentNotYours("you cannot report your own comment")
        count = await self._redis.eval(  # type: ignore[misc]
            _REPORT, 2, keys.comment(comment_id), keys.comment_reports(comment_id), user_id, HIDE_AFTER_REPORTS,
        )
        return int(count)

    async def remove(self, comment_id: str) -> bool:
        """The operator removes a comment (its text is erased). False when there is no such comment."""
        if await self.get(comment_id) is None:
            return False
        await self._redis.hset(keys.comment(comment_id), mapping={"state": "removed", "text": ""})  # type: ignore[misc]
        return True

    async def recent(self, limit: int = 50) -> list[Comment]:
        """The newest comments of every story, newest first (for the operator)."""
        ids = [str(i) for i in await self._redis.zrevrange(keys.comments_all(), 0, max(0, limit - 1))]
        return await self._load(ids)

    async def name_of(self, user_id: str) -> str:
        """The display name a reader chose at their first comment ("" before that)."""
        if not valid_id(user_id):
            return ""
        value = await self._redis.hget(keys.commenter(user_id), "name")  # type: ignore[misc]
        return str(value or "")

    async def set_name(self, user_id: str, name: str) -> str:
        shown = clean_name(name)
        await self._redis.hset(keys.commenter(user_id), "name", shown)  # type: ignore[misc]
        return shown

    async def _own(self, comment_id: str, user_id: str) -> Comment:
        found = await self.get(comment_id)
        if found is None or not found.visible:
            raise CommentNotFound("no such comment")
        if found.author != user_id:
            raise CommentNotYours("only the author may change a comment")
        if not found.editable_by(user_id, self._clock()):
            raise CommentLocked("comments can be changed for 15 minutes only")
        return found

    async def _load(self, ids: list[str]) -> list[Comment]:
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for comment_id in ids:
                pipe.hgetall(keys.comment(comment_id))
            rows = await pipe.execute()
        return [Comment.from_hash(i, _str_dict(row)) for i, row in zip(ids, rows, strict=True) if row]


def _str_dict(data: Mapping[Any, Any]) -> dict[str, str]:
    return {_s(k): _s(v) for k, v in data.items()}


def _s(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(comment: Comment) -> dict[str, str]:
    return {"story": comment.story_id, "author": comment.author, "name": comment.name, "text": comment.text,
            "created": f"{comment.created:.3f}", "edited": f"{comment.edited:.3f}",
            "reports": str(comment.reports), "state": comment.state}
