"""A sandbox for untrusted bytes: feed parsing and full-text extraction run in worker processes that can be
stopped, never in threads of the service.

Why processes: a thread cannot be stopped. One 7.5 MB malformed feed kept feedparser busy for 36 s and
699 MB in a thread that ``asyncio.timeout`` had long given up on; trafilatura's time grows faster than the
page (1 MB: 6.5 s, 8 MB: minutes); and because parsing and extraction shared the default thread pool, six slow
pages made a 98-byte feed miss its budget. A process can be killed, and the kernel enforces its limits.

How it holds:

* **Lanes.** ``feeds`` runs ``parse_feed``, ``pages`` runs trafilatura. Each lane has a *zygote*
  (``python -m summaries.sandbox_worker``) that imports the parser once and forks workers on request, so a
  worker starts in milliseconds and shares the libraries with its siblings (a fresh interpreter would spend
  a second importing trafilatura, and keep its own copy). Workers are reused task after task; bytes go in and
  a pickled result comes back over a socket pair read with asyncio streams.
* **Budgets per task** (``LaneLimits``): a wall budget, counted from the moment a worker takes the task (the
  wait for a free worker is not the document's fault); past it the worker is killed (SIGKILL) and the next
  task gets a fresh one: the work stops, it is not abandoned. In the worker, ``RLIMIT_CPU`` ends a task that
  spins and ``RLIMIT_AS`` makes allocations past its headroom fail (see ``summaries.sandbox_worker``).
* **Ordinary documents never queue behind a hostile one.** A lane has ``size`` slots. A task still running
  after ``suspect_after`` seconds (an ordinary feed takes milliseconds) hands its slot back and runs on as a
  *suspect* in its own process, up to ``burst`` suspects at once, at the lowest CPU priority (nice 19), and
  its process is not reused; a replacement starts at once. So ``size`` slots stay free for ordinary work
  however many hostile documents are running out their budgets, and the number of processes (and so the
  memory) stays bounded: at most ``size + burst`` workers per lane.

Failures speak the ingest path's language (``summaries.errors``): a task past its wall budget is
``ParseTimeout``, a worker that died under it (CPU limit, a crash) is ``HostileFeed``, a worker that cannot
start is ``SandboxUnavailable``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import pickle
import socket
from dataclasses import dataclass
from typing import Any

from summaries.errors import HostileFeed, IngestError, ParseTimeout
from summaries.models import ParsedFeed
from summaries.parse import PARSE_TIMEOUT
from summaries.sandbox_procs import START_TIMEOUT, SandboxUnavailable, Worker, Zygote, frame, read_frame

__all__ = ["LaneLimits", "Sandbox", "SandboxLimits", "SandboxUnavailable"]

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class LaneLimits:
    """Bounds of one lane. ``wall`` and ``cpu`` are per task; ``headroom_mb`` is what a task may allocate
    beyond the worker's size at start (its libraries)."""

    size: int = 2
    burst: int = 2
    wall: float = PARSE_TIMEOUT
    cpu: float = PARSE_TIMEOUT
    headroom_mb: int = 96
    suspect_after: float = 0.25
    #: Workers kept started beyond the ordinary slots, so that a task never waits for a process to start
    spare: int = 1


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """The two lanes. Two ordinary slots each: the service runs on a couple of cores.

    The feeds lane's 32 MB: with hostile documents running out their budgets, a run's memory is about the sum
    of the allowances, so they are as small as real feeds allow. The largest of 29 real feeds (0.7 MB) needs
    9 MB; 32 MB parses well-formed feeds to about 3.5 MB and malformed ones (feedparser) to about 1.5 MB, and
    ends the two hostile feeds of ``bench/hostile.py`` by ``MemoryError`` within seconds (96 MB: 382 MB peak
    for the run; 32 MB: about 240 MB).
    """

    # wall = twice the CPU allowance: a suspect runs at nice 19 and may wait for the CPU on a busy machine
    feeds: LaneLimits = LaneLimits(size=2, burst=3, wall=10.0, cpu=5.0, headroom_mb=32)
    pages: LaneLimits = LaneLimits(size=2, burst=3, wall=10.0, cpu=5.0, headroom_mb=128, spare=0)


class _Lane:
    """A pool of workers of one kind, with ordinary slots and a bounded number of suspects."""

    def __init__(self, name: str, limits: LaneLimits) -> None:
        self.name = name
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.size)
        self._suspects = 0
        self._idle: list[Worker] = []
        self._idle_changed = asyncio.Condition()
        self._waiting = 0
        self._busy = 0
        self._spares: set[asyncio.Task[None]] = set()
        self._stopping: set[asyncio.Task[None]] = set()
        self._closed = False
        self._zygote: Zygote | None = None
        self._zygote_lock = asyncio.Lock()
        self.started = 0
        self.killed = 0

    def prestart(self, count: int) -> None:
        """Start up to ``count`` workers in the background, so that no task waits for a start; never more than
        the lane may have."""
        room = self.limits.size + self.limits.burst - self._busy - len(self._idle) - len(self._spares)
        for _ in range(max(0, min(count, room))):
            spare = asyncio.get_running_loop().create_task(self._spare())
            self._spares.add(spare)
            spare.add_done_callback(self._spare_done)

    def _spare_done(self, spare: asyncio.Task[None]) -> None:
        self._spares.discard(spare)
        if not self._spares:  # a start failed: nobody may wait for a worker that will not come
            asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._idle_changed:
            self._idle_changed.notify_all()

    async def _spare(self) -> None:
        try:
            worker = await self._start()
        except SandboxUnavailable as exc:
            log.warning("%s", exc)
            return
        if self._closed:
            await worker.stop(kill=False)
        else:
            await self._put_idle(worker)

    async def _put_idle(self, worker: Worker) -> None:
        async with self._idle_changed:
            self._idle.append(worker)
            self._idle_changed.notify()

    async def _take(self) -> Worker:
        """An idle worker; else one a spare start will deliver (unless other tasks wait for all of those);
        else a worker of our own."""
        if not self._idle and len(self._spares) > self._waiting:
            self._waiting += 1
            try:
                async with self._idle_changed:
                    await self._idle_changed.wait_for(lambda: bool(self._idle) or not self._spares)
            finally:
                self._waiting -= 1
        return self._idle.pop() if self._idle else await self._start()

    async def run(self, task: str, args: tuple[Any, ...], wall: float, cpu: float) -> Any:
        """Run ``task`` in a worker within the budgets; return its result or raise its ``IngestError``."""
        message = frame((task, max(1, math.ceil(cpu)), args))
        await self._slots.acquire()
        holding = True
        worker: Worker | None = None
        call: asyncio.Task[tuple[str, Any, bool]] | None = None
        self._busy += 1
        try:
            worker = await self._take()
            call = asyncio.create_task(worker.call(message, wall))
            done, _ = await asyncio.wait({call}, timeout=self.limits.suspect_after)
            if not done and self._suspects < self.limits.burst:
                self._suspects += 1  # runs on beside the ordinary slots, which it hands back
                self._slots.release()
                holding = False
                worker.demote()
                self.prestart(1)  # the slot it freed gets a worker ready before anyone waits for one
            status, value, retiring = await call
            retiring = retiring or not holding  # a suspect's process is niced and likely bloated: not reused
        except TimeoutError as exc:
            assert worker is not None
            worker.kill()  # now, not in the background: when the caller hears of it, the work has stopped
            self._discard(worker)
            raise ParseTimeout(f"{self.name}: more than {wall:g} s; worker {worker.pid} was stopped") from exc
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self._reap(worker)
            # SIGXCPU (RLIMIT_CPU) is the usual end; a parser crashing on the bytes is the other one
            raise HostileFeed(f"{self.name}: the worker died under the document (CPU limit or crash)") from exc
        except BaseException:
            if call is not None:
                call.cancel()
            self._discard(worker)
            raise
        finally:
            self._busy -= 1
            if holding:
                self._slots.release()
            else:
                self._suspects -= 1
        if retiring:
            self._discard(worker, kill=False)
        else:
            await self._put_idle(worker)
        if status == "ok":
            return value
        raise value

    async def _start(self) -> Worker:
        async with self._zygote_lock:
            if self._zygote is None or self._zygote.process.returncode is not None:
                self._zygote = await Zygote.start(self.name, self.limits.headroom_mb)
            zygote = self._zygote
        ours, theirs = socket.socketpair()
        try:
            zygote.fork(theirs.fileno())
        except SandboxUnavailable:
            ours.close()
            raise
        finally:
            theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours)
        try:
            async with asyncio.timeout(START_TIMEOUT):
                ready = await read_frame(reader)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.close()
            raise SandboxUnavailable(f"a {self.name} worker did not start") from exc
        if not (isinstance(ready, tuple) and len(ready) == 2 and ready[0] == "ready"):
            writer.close()
            raise SandboxUnavailable(f"a {self.name} worker answered {ready!r:.60} at start")
        self.started += 1
        return Worker(int(ready[1]), reader, writer)

    def _discard(self, worker: Worker | None, *, kill: bool = True) -> None:
        """Stop a worker in the background (the caller has its answer or its error already)."""
        if worker is None:
            return
        self.killed += kill
        stopping = asyncio.get_running_loop().create_task(worker.stop(kill=kill))
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)

    async def _reap(self, worker: Worker | None) -> None:
        """Clean up after a worker that died under a task (the zygote's child: the kernel reaped it)."""
        if worker is not None:
            self.killed += 1
            await worker.stop(kill=True)

    async def aclose(self) -> None:
        self._closed = True
        await asyncio.gather(*self._spares, return_exceptions=True)
        idle, self._idle = self._idle, []
        await asyncio.gather(*(w.stop(kill=False) for w in idle), *self._stopping, return_exceptions=True)
        if self._zygote is not None:
            await self._zygote.aclose()
            self._zygote = None


class Sandbox:
    """``async with Sandbox() as sandbox``: the lanes, their workers, and their end when the block ends."""

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self._feeds = _Lane("feeds", self.limits.feeds)
        self._pages = _Lane("pages", self.limits.pages)

    async def __aenter__(self) -> Sandbox:
        return self  # no process starts until there is something to parse (a run of 304s parses nothing)

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def parse_feed(
        self, body: bytes, *, url: str = "", charset: str | None = None, budget: float | None = None
    ) -> ParsedFeed:
        """``summaries.parse.parse_feed`` in a worker. Raises only ``IngestError`` subclasses (``ParseError``s,
        or ``SandboxUnavailable``). ``budget`` (wall seconds) defaults to the lane's; CPU is always the lane's."""
        limits = self.limits.feeds
        if not self._feeds.started:
            self._feeds.prestart(limits.size + limits.spare - 1)
        wall = limits.wall if budget is None else budget
        cpu = limits.cpu
        feed: ParsedFeed = await self._feeds.run("feed", (pickle.PickleBuffer(body), url, charset), wall, cpu)
        return feed

    async def extract_text(self, page: bytes, url: str) -> str:
        """The main text of an HTML page; "" when there is none, or when extraction ran out of a budget."""
        limits = self.limits.pages
        if not self._pages.started:
            self._pages.prestart(limits.size + limits.spare - 1)
        try:
            text: str = await self._pages.run("page", (pickle.PickleBuffer(page), url), limits.wall, limits.cpu)
        except IngestError as exc:
            log.info("full text of %s not extracted: %s", url, exc)
            return ""
        return text

    @property
    def workers_started(self) -> int:
        return self._feeds.started + self._pages.started

    @property
    def workers_killed(self) -> int:
        return self._feeds.killed + self._pages.killed

    async def aclose(self) -> None:
        await asyncio.gather(self._feeds.aclose(), self._pages.aclose())
