"""The link-request journal on a real file system: durable lines, in-order replay, each line applied once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.store.journal import Journal


class Unavailable(Exception):
    """What an applier raises while its store cannot answer."""


async def test_replay_applies_in_order_once_and_empties_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    assert not journal.pending()
    for n in range(3):
        await journal.append({"n": n, "text": "配信停止"})
    assert journal.pending()
    seen: list[Any] = []

    async def apply(entry: dict[str, Any]) -> None:
        seen.append(entry["n"])

    assert await journal.replay(apply) == 3
    assert seen == [0, 1, 2]
    assert not journal.pending()
    assert await journal.replay(apply) == 0
    assert seen == [0, 1, 2]
    assert journal.path.read_bytes() == b""


async def test_a_failing_entry_stops_the_replay_and_stays_pending_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    for n in range(4):
        await journal.append({"n": n})
    seen: list[int] = []
    down = True

    async def apply(entry: dict[str, Any]) -> None:
        if entry["n"] == 2 and down:
            raise Unavailable
        seen.append(entry["n"])

    with pytest.raises(Unavailable):
        await journal.replay(apply)
    assert seen == [0, 1]
    await journal.append({"n": 4})  # arrives while the store is still away: queued behind the others
    down = False
    assert await journal.replay(apply) == 3
    assert seen == [0, 1, 2, 3, 4]


async def test_a_new_journal_object_resumes_after_the_applied_offset(tmp_path: Path) -> None:
    """A process that restarts (a new ``Journal`` on the same dir) never re-applies what was applied."""
    first = Journal(tmp_path / "journal")
    await first.append({"n": 0})
    await first.append({"n": 1})
    seen: list[int] = []

    async def apply_first_only(entry: dict[str, Any]) -> None:
        if entry["n"] == 1:
            raise Unavailable
        seen.append(entry["n"])

    with pytest.raises(Unavailable):
        await first.replay(apply_first_only)

    async def apply(entry: dict[str, Any]) -> None:
        seen.append(entry["n"])

    assert await Journal(tmp_path / "journal").replay(apply) == 1
    assert seen == [0, 1]


async def test_a_line_torn_by_a_crash_is_skipped_and_later_lines_still_apply(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    await journal.append({"n": 0})
    with open(journal.path, "ab") as fh:
        fh.write(b'{"n": 1, "tex')  # the process died mid-write
    await journal.append({"n": 2})
    seen: list[int] = []

    async def apply(entry: dict[str, Any]) -> None:
        seen.append(entry["n"])

    assert await journal.replay(apply) == 2
    assert seen == [0, 2]
