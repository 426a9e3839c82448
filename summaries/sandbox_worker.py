"""The worker side of ``summaries.sandbox``: one process that parses untrusted bytes, task after task.

Run as ``python -m summaries.sandbox_worker LANE FD HEADROOM_MB`` by the sandbox, never by hand: a *zygote*
that loads the lane's parser once and forks a worker for every socket the parent passes it over ``FD``
(``SCM_RIGHTS``). A frame on a worker's socket is a pickle (protocol 5) whose ``PickleBuffer``s travel out of
band: two 4-byte big-endian numbers (the pickle's length, the number of buffers), the pickle, then each buffer
as a 4-byte length and its raw bytes. So a 10 MB document crosses as itself: the parent never copies it into
a pickle, and the worker reads it into the one ``bytes`` object it parses. The parent
sends ``(task, cpu_seconds, args)``; the worker answers ``("ok", result, retiring)`` or ``("error", exception,
retiring)``; ``retiring`` says it exits after this answer (its heap grew too much to keep).

The limits are the kernel's, so they hold even when the parser is stuck in C code that never returns to
Python: ``RLIMIT_AS`` (the worker's size once its libraries are loaded, plus ``HEADROOM_MB``) makes an
allocation past it fail, and ``RLIMIT_CPU``, moved up by ``cpu_seconds`` before each task, ends a task that
spins (SIGXCPU). The parent adds the wall budget and kills the process when it runs out.

Why a separate module: the worker imports only the parser it needs (``feeds``: lxml and feedparser;
``pages``: trafilatura), not the service, so it starts in a fraction of a second and stays small.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import signal
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

__all__ = ["HEADER", "LENGTH", "encode_frame", "read_frame", "write_frame"]

HEADER = struct.Struct("!II")
LENGTH = struct.Struct("!I")
_PAGE = os.sysconf("SC_PAGE_SIZE")
#: A worker whose address space grew by more than this share of its headroom retires after answering: the
#: heap that a big document fragmented is not handed back to the system, and ``RLIMIT_AS`` is counted from the
#: worker's start, so every task must find at least the rest of the headroom still free.
_RETIRE_SHARE = 4


def encode_frame(message: object) -> list[bytes | memoryview]:
    """The pieces of one frame, to be written in order (the buffers are views of the caller's bytes)."""
    buffers: list[pickle.PickleBuffer] = []
    body = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    pieces: list[bytes | memoryview] = [HEADER.pack(len(body), len(buffers)) + body]
    for buffer in buffers:
        raw = buffer.raw()
        pieces += [LENGTH.pack(raw.nbytes), raw]
    return pieces


def read_frame(stream: BinaryIO) -> Any | None:
    """The next message, or None at end of stream (the parent closed the socket: time to exit)."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    size, count = HEADER.unpack(head)
    body = stream.read(size)
    buffers: list[bytes] = []
    for _ in range(count):
        length = stream.read(LENGTH.size)
        (wanted,) = LENGTH.unpack(length) if len(length) == LENGTH.size else (-1,)
        buffer = stream.read(max(0, wanted))
        if len(buffer) != wanted:
            return None
        buffers.append(buffer)
    if len(body) < size:
        return None
    return pickle.loads(body, buffers=buffers)  # noqa: S301 - our own parent, over a private socket pair


def write_frame(stream: BinaryIO, message: object) -> None:
    for piece in encode_frame(message):
        stream.write(piece)
    stream.flush()


def _statm() -> tuple[int, int]:
    """(virtual size, resident size) in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        size, resident = fh.read().split()[:2]
    return int(size) * _PAGE, int(resident) * _PAGE


def _cap_address_space(headroom: int) -> int:
    """Cap the address space at its size now plus ``headroom``; return the size now."""
    virtual, _resident = _statm()
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = virtual + headroom
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return virtual


def _cap_cpu(seconds: int) -> None:
    """Allow ``seconds`` more CPU time from now (RLIMIT_CPU counts the process's whole life)."""
    used = sum(os.times()[:2])
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used) + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _feed(body: bytes, url: str, charset: str | None) -> object:
    from summaries.parse import parse_feed

    return parse_feed(body, url=url, charset=charset)


def _page(page: bytes, url: str) -> object:
    from summaries.extract import extract_main_text

    return extract_main_text(page, url)


def _warm(lane: str) -> None:
    """Import the lane's parser before the budgets start (trafilatura takes a second to import)."""
    if lane == "pages":
        _page(b"<html><body><article><p>warm</p></article></body></html>", "http://localhost/")
    else:
        _feed(b'<rss version="2.0"><channel><title>warm</title></channel></rss>', "", None)


_TASKS: dict[str, Callable[..., object]] = {"feed": _feed, "page": _page}


def _answer(task: str, args: tuple[Any, ...]) -> tuple[str, object]:
    from summaries.errors import HostileFeed, IngestError, MalformedFeed

    try:
        return "ok", _TASKS[task](*args)
    except IngestError as exc:
        return "error", exc
    except MemoryError:
        return "error", HostileFeed("the document needs more memory than a parser may have")
    except Exception as exc:  # the boundary: whatever else happened, the parent gets a named failure
        return "error", MalformedFeed(f"unreadable document ({type(exc).__name__})")


def serve(fd: int, headroom: int) -> None:
    """Answer tasks on ``fd`` until the parent closes it (a forked worker's life)."""
    start = _cap_address_space(headroom)
    with socket.socket(fileno=fd) as sock, sock.makefile("rwb") as rw:
        stream: BinaryIO = rw  # type: ignore[assignment]  # socket.makefile("rwb") is a binary stream
        write_frame(stream, ("ready", os.getpid()))
        while (message := read_frame(stream)) is not None:
            task, cpu_seconds, args = message
            _cap_cpu(cpu_seconds)
            status, value = _answer(task, args)
            del message, args  # the document: gone before the size is read, and before the next one comes
            retire = _statm()[0] - start > headroom // _RETIRE_SHARE
            write_frame(stream, (status, value, retire))
            if retire:
                return


def zygote(lane: str, control_fd: int, headroom: int) -> None:
    """Load the lane's parser once, then fork a worker for every socket the parent sends.

    Why: a worker forked from here starts in milliseconds and shares the loaded libraries with its siblings
    (copy-on-write), where a fresh interpreter would spend a second importing trafilatura and keep its own
    copy; a killed worker is replaced as cheaply. The zygote never parses anything itself, so nothing
    hostile ever runs in it, and it stays single-threaded, which makes ``fork`` safe.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps our workers: no zombies
    _warm(lane)

    with socket.socket(fileno=control_fd) as control:
        control.sendall(b"R")
        while True:
            try:
                _data, fds, _flags, _address = socket.recv_fds(control, 1, 1)
            except OSError:
                return
            if not fds:
                return  # the parent closed the control socket
            if os.fork() == 0:  # the worker
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    serve(fds[0], headroom)
                finally:
                    os._exit(0)
            os.close(fds[0])


if __name__ == "__main__":
    zygote(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20)
