"""The comment store on a real Redis: the per-minute limit across callers, the edit window, reports, removal."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.client import RedisClient
from bot.store.comments import (
    CommentEmpty,
    CommentLocked,
    CommentNotYours,
    CommentRateLimited,
    CommentStore,
    CommentTooLong,
    NameInvalid,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def comments(redis_client: RedisClient, clock: Clock) -> CommentStore:
    return CommentStore(redis_client, clock=clock)


async def test_five_a_minute_even_when_posted_at_once_then_the_window_slides(
    comments: CommentStore, clock: Clock
) -> None:
    results = await asyncio.gather(*(comments.add("s1", "u1", "Ann", f"c{n}") for n in range(8)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 5
    refused = [r for r in results if isinstance(r, CommentRateLimited)]
    assert len(refused) == 3 and all(1 <= r.retry_after <= 60 for r in refused)
    assert (await comments.add("s1", "u2", "Bob", "someone else may")).author == "u2"
    clock.now += 61
    await comments.add("s1", "u1", "Ann", "a minute later")
    assert len(await comments.for_story("s1")) == 7


@pytest.mark.parametrize(("text", "error"), [("  \n ", CommentEmpty), ("x" * 2001, CommentTooLong)])
async def test_refused_text_stores_nothing_and_costs_no_quota(
    comments: CommentStore, text: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await comments.add("s1", "u1", "Ann", text)
    with pytest.raises(NameInvalid):
        await comments.add("s1", "u1", " ", "fine text")
    assert await comments.for_story("s1") == [] and await comments.recent() == []
    for n in range(5):
        await comments.add("s1", "u1", "Ann", f"ok {n}")


async def test_only_the_author_edits_or_deletes_and_only_for_15_minutes(comments: CommentStore, clock: Clock) -> None:
    posted = await comments.add("s1", "u1", "Ann", "frist")
    with pytest.raises(CommentNotYours):
        await comments.edit(posted.id, "u2", "mine")
    edited = await comments.edit(posted.id, "u1", "first")
    assert edited.text == "first" and edited.edited > 0
    clock.now += 15 * 60 + 1
    with pytest.raises(CommentLocked):
        await comments.edit(posted.id, "u1", "too late")
    with pytest.raises(CommentLocked):
        await comments.delete(posted.id, "u1")
    other = await comments.add("s1", "u1", "Ann", "second")
    await comments.delete(other.id, "u1")
    states = {c.id: (c.state, c.text) for c in await comments.for_story("s1")}
    assert states == {posted.id: ("visible", "first"), other.id: ("deleted", "")}


async def test_three_different_readers_hide_a_comment_and_the_operator_removes_it(comments: CommentStore) -> None:
    posted = await comments.add("s1", "u1", "Ann", "spam")
    with pytest.raises(CommentNotYours):
        await comments.report(posted.id, "u1")
    assert [await comments.report(posted.id, who) for who in ("u2", "u2", "u3")] == [1, 1, 2]
    assert (await comments.get(posted.id)).visible  # type: ignore[union-attr]
    assert await comments.report(posted.id, "u4") == 3
    hidden = await comments.get(posted.id)
    assert hidden is not None and hidden.state == "hidden" and hidden.text == "spam"
    assert await comments.remove(posted.id)
    assert not await comments.remove("nope")
    removed = await comments.get(posted.id)
    assert removed is not None and removed.state == "removed" and removed.text == ""


async def test_display_name_is_kept_per_reader(comments: CommentStore) -> None:
    assert await comments.name_of("u1") == ""
    assert await comments.set_name("u1", "  Ann   Lee ") == "Ann Lee"
    assert await comments.name_of("u1") == "Ann Lee"
    with pytest.raises(NameInvalid):
        await comments.set_name("u1", "x" * 41)
