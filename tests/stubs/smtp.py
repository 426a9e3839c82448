"""A real SMTP server on 127.0.0.1 (aiosmtpd) that answers each recipient as a script says.

``ScriptedSmtp.script["a@example.com"] = ["421 4.4.5 Server busy", "250 OK"]`` makes the first RCPT for that
address get 421 and every later one 250 (the last line sticks). ``data_reply`` does the same for the end of
DATA, and ``data_delay`` holds the answer to DATA back. Accepted messages land in ``messages`` as
``(mail_from, rcpt_tos, raw bytes)``; ``connections`` counts sessions, so tests can see reuse and reconnects.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["ScriptedSmtp", "scripted_smtp"]


@dataclass
class ScriptedSmtp:
    host: str = "127.0.0.1"
    port: int = 0
    script: dict[str, list[str]] = field(default_factory=dict)
    data_reply: list[str] = field(default_factory=list)
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    connections: int = 0
    rcpt_log: list[tuple[str, str]] = field(default_factory=list)
    data_delay: float = 0.0  # seconds the server waits before answering DATA (a slow or hung receiver)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _next(self, lines: list[str]) -> str:
        with self._lock:
            return lines.pop(0) if len(lines) > 1 else lines[0]

    # aiosmtpd handler hooks -----------------------------------------------------------------------

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) \
            -> list[str]:
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        lines = self.script.get(address.lower())
        reply = self._next(lines) if lines else "250 OK"
        self.rcpt_log.append((address, reply))
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        reply = self._next(self.data_reply) if self.data_reply else "250 Message accepted for delivery"
        if reply.startswith("250"):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return reply


class _CountingController(Controller):  # type: ignore[misc]
    def __init__(self, handler: ScriptedSmtp, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._scripted = handler

    def factory(self) -> Any:
        self._scripted.connections += 1
        return super().factory()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def scripted_smtp() -> Iterator[ScriptedSmtp]:
    """Start the server; ``connections`` excludes the controller's own readiness probe."""
    handler = ScriptedSmtp(port=_free_port())
    controller = _CountingController(handler, hostname=handler.host, port=handler.port, ready_timeout=5)
    controller.start()
    handler.connections = 0
    try:
        yield handler
    finally:
        controller.stop()
