"""An append-only, fsync'd journal in the data dir: what readers asked for while Redis could not store it.

Why a file: a one-click unsubscribe (RFC 8058) or a preference change through a signed link may arrive while
Redis is unreachable. Answering 503 would lose the unsubscribe when the sender does not retry (mail providers
often do not), so the request is written here, durably, and applied when Redis answers again.

Format: one JSON object per line in ``<data dir>/journal/requests.jsonl``; ``applied`` beside it holds the byte
offset up to which every line has been applied (written atomically: temp file, fsync, rename). Replay reads
from that offset, applies each line in order and advances the offset after each one, so a crash mid-replay
re-applies at most the line in flight: ``apply`` must be idempotent (the web app's appliers are: "unsubscribe"
and "set these preferences" give the same result twice). A line torn by a crash mid-write is skipped with a
warning; once everything is applied, the file is emptied.

Several processes may share a data dir: appends and replays take an exclusive ``flock`` on ``lock``, so a line
is never interleaved and one replay runs at a time. File work runs in a thread: the event loop never waits on
an fsync.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["Journal", "JournalEntry"]

log = logging.getLogger(__name__)

JournalEntry = dict[str, Any]
Apply = Callable[[JournalEntry], Awaitable[None]]

_LOG_FILE = "requests.jsonl"
_OFFSET_FILE = "applied"
_LOCK_FILE = "lock"


class Journal:
    """The journal under ``directory`` (created on first append; construction does no I/O)."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._replaying = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._dir / _LOG_FILE

    async def append(self, entry: Mapping[str, Any]) -> None:
        """Write ``entry`` as one line and fsync it: when this returns, the request survives a crash."""
        line = json.dumps(dict(entry), ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
        await asyncio.to_thread(self._append, line.encode("utf-8"))

    def pending(self) -> bool:
        """True when some line is not applied yet (a stat and a small read: cheap enough for every request)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return False
        return size > self._read_offset()

    async def replay(self, apply: Apply) -> int:
        """Apply every pending line in order; return how many were applied.

        Stops at the first line whose ``apply`` raises and re-raises it: that line and the ones after it stay
        pending for the next replay (order is kept). One replay runs at a time per process, and one per data
        dir across processes (a replay that finds the lock taken returns 0 at once).
        """
        if not self.pending():
            return 0
        async with self._replaying:
            lock = await asyncio.to_thread(self._try_lock)
            if lock is None:
                return 0
            try:
                done = 0
                offset = self._read_offset()
                for end, entry in await asyncio.to_thread(self._read_from, offset):
                    if entry is not None:
                        await apply(entry)
                        done += 1
                    await asyncio.to_thread(self._write_offset, end)
                await asyncio.to_thread(self._compact)
                return done
            finally:
                os.close(lock)

    # ------------------------------------------------------------------------------------------ files

    def _append(self, data: bytes) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and _last_byte(self.path, size) != b"\n":
                    data = b"\n" + data  # a line torn by a crash stays one (skipped) line of its own
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self._dir)

    def _read_from(self, offset: int) -> list[tuple[int, JournalEntry | None]]:
        """``(end offset, entry)`` of each complete line after ``offset``; a torn line's entry is None."""
        rows: list[tuple[int, JournalEntry | None]] = []
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            end = offset
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # still being written (or torn at the very end): not complete yet
                end += len(raw)
                rows.append((end, _decode(raw, end)))
        return rows

    def _read_offset(self) -> int:
        try:
            return int((self._dir / _OFFSET_FILE).read_text(encoding="ascii").strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _write_offset(self, offset: int) -> None:
        target = self._dir / _OFFSET_FILE
        temporary = target.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, str(offset).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
        _fsync_dir(self._dir)

    def _compact(self) -> None:
        """Empty the journal once every line is applied (under the append lock: no line can slip in)."""
        with self._locked():
            if self.path.exists() and self.path.stat().st_size == self._read_offset():
                with open(self.path, "r+b") as fh:
                    fh.truncate(0)
                    os.fsync(fh.fileno())
                self._write_offset(0)

    def _try_lock(self) -> int | None:
        """The replay lock (a second file, so appends go on during a replay), or None if another holds it."""
        self._dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._dir / (_LOCK_FILE + ".replay"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._dir / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _decode(raw: bytes, end: int) -> JournalEntry | None:
    try:
        entry = json.loads(raw)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        log.warning("journal line ending at byte %d is not a JSON object (torn by a crash?); skipped", end)
        return None
    return entry


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)


def _fsync_dir(directory: Path) -> None:
    """Make a new or renamed file's directory entry durable too."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
