"""SIGINT and SIGTERM stop every verb the same way: the main task is cancelled, so every ``finally`` runs.

Why not Python's default (``KeyboardInterrupt``) with SIGTERM re-raised as SIGINT: a process started with
``&`` from a script inherits SIGINT *ignored*; Python then installs no SIGINT handler, asyncio none either, and
a re-raised SIGINT does nothing, so such a worker ignored ``docker stop`` until SIGKILL, which orphaned its
embedded redis-server. Handlers installed on the event loop work whatever the inherited dispositions.

The first signal cancels the task that entered ``StopSignals``; a later one is only logged, so a second Ctrl+C
cannot interrupt the cleanup the first one started (closing Redis, stopping the embedded server).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import TracebackType

__all__ = ["STOP_SIGNALS", "StopSignals"]

log = logging.getLogger("aitoday")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Within ``with StopSignals() as stop:`` (inside a coroutine), SIGINT/SIGTERM cancel the current task.

    ``stop.requested`` names the signal that did it (``"SIGTERM"``), or is empty.
    """

    def __init__(self) -> None:
        self.requested = ""
        self._installed: list[signal.Signals] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[object] | None = None

    def __enter__(self) -> StopSignals:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        for signum in STOP_SIGNALS:
            try:
                self._loop.add_signal_handler(signum, self._on_signal, signum)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread: the caller's business
                continue
            self._installed.append(signum)
        return self

    def _on_signal(self, signum: signal.Signals) -> None:
        if self.requested:
            log.warning("%s: already stopping after %s", signum.name, self.requested)
            return
        self.requested = signum.name
        if self._task is not None:
            self._task.cancel()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._loop is not None:
            for signum in self._installed:
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_signal_handler(signum)
        self._installed.clear()
