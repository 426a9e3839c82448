"""The parent's handles on sandbox processes: a lane's zygote and the workers it forks (``summaries.sandbox``
decides what runs where; this module only starts, talks to and stops processes).

Protocol (``summaries.sandbox_worker`` is the other end): the zygote gets a control socket and answers ``R``
once its parser is loaded; each ``F`` byte sent with a socket descriptor (``SCM_RIGHTS``) forks a worker on
that socket, which sends ``("ready", pid)`` and then answers one frame per task.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from summaries.errors import IngestError
from summaries.sandbox_worker import HEADER, LENGTH, encode_frame

__all__ = ["START_TIMEOUT", "SandboxUnavailable", "Worker", "Zygote", "frame", "read_frame"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
START_TIMEOUT = 60.0


class SandboxUnavailable(IngestError):
    """A worker process could not be started (or answered nonsense at start)."""

    kind = "sandbox"


class Worker:
    """One forked worker: its socket, and a pidfd to signal it (it is the zygote's child, not ours, and a
    pidfd cannot hit a recycled pid)."""

    def __init__(self, pid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.pid = pid
        self._pidfd = os.pidfd_open(pid)
        self._reader = reader
        self._writer = writer

    def demote(self) -> None:
        """Lowest CPU priority (nice 19): on a machine with two cores, two hostile documents running out their
        budgets must not slow the ordinary ones."""
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.pid, 19)

    async def call(self, message: list[bytes | memoryview], wall: float) -> tuple[str, Any, bool]:
        """Send one task (a frame's pieces, written one by one: the document is not joined into a copy) and
        wait at most ``wall`` seconds for the answer."""
        for piece in message:
            self._writer.write(piece)
        async with asyncio.timeout(wall):
            await self._writer.drain()
            answer: tuple[str, Any, bool] = await read_frame(self._reader)
        return answer

    def kill(self) -> None:
        if self._pidfd >= 0:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    async def stop(self, *, kill: bool) -> None:
        """Close our end (an idle worker exits at end of stream); ``kill`` stops a busy one at once."""
        if kill:
            self.kill()
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


class Zygote:
    """The lane's zygote process (``summaries.sandbox_worker``): forks workers on request."""

    def __init__(self, process: asyncio.subprocess.Process, control: socket.socket) -> None:
        self.process = process
        self.control = control

    @classmethod
    async def start(cls, lane: str, headroom_mb: int) -> Zygote:
        ours, theirs = socket.socketpair()
        path = os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "summaries.sandbox_worker", lane, str(theirs.fileno()), str(headroom_mb),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), env={**os.environ, "PYTHONPATH": path},
            )  # fmt: skip
        except OSError as exc:
            ours.close()
            raise SandboxUnavailable(f"cannot start the {lane} zygote: {exc}") from exc
        finally:
            theirs.close()
        ours.setblocking(False)
        zygote = cls(process, ours)
        try:
            async with asyncio.timeout(START_TIMEOUT):
                ready = await asyncio.get_running_loop().sock_recv(ours, 1)
        except (TimeoutError, OSError):
            ready = b""
        if ready != b"R":
            await zygote.aclose()
            raise SandboxUnavailable(f"the {lane} zygote did not start (exit status {process.returncode})")
        return zygote

    def fork(self, fd: int) -> None:
        """Ask for a worker serving ``fd`` (one byte and the descriptor: never blocks in practice)."""
        try:
            socket.send_fds(self.control, [b"F"], [fd])
        except OSError as exc:
            raise SandboxUnavailable(f"the zygote is gone: {exc}") from exc

    async def aclose(self) -> None:
        self.control.close()  # the zygote reads end of stream and exits; its idle workers already did
        try:
            async with asyncio.timeout(5):
                await self.process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


def frame(message: object) -> list[bytes | memoryview]:
    """A message's frame (``summaries.sandbox_worker`` describes it); wrap a document in ``pickle.PickleBuffer``
    to send it out of band, uncopied."""
    return encode_frame(message)


async def read_frame(reader: asyncio.StreamReader) -> Any:
    size, count = HEADER.unpack(await reader.readexactly(HEADER.size))
    body = await reader.readexactly(size)
    buffers = [await reader.readexactly(LENGTH.unpack(await reader.readexactly(LENGTH.size))[0]) for _ in range(count)]
    return pickle.loads(body, buffers=buffers)  # noqa: S301 - our own worker, over a private socket pair
