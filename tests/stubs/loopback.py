"""Serve an ASGI app over real HTTP on 127.0.0.1, inside the test's own event loop.

Used for the provider stand-ins (``tests/stubs/*``) and for the bot's own web app, so that tests speak HTTP
to both exactly as production does. The port is picked by the OS (a pre-bound socket), so tests never clash.
A test that must know its URL before it builds the app (the app's public URL points at itself) binds the
socket first with ``loopback_socket`` and serves on it with ``serve_on``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

__all__ = ["loopback_socket", "serve", "serve_on", "url_of"]


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port (TCP_NODELAY: no 40 ms delayed-ACK stalls)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serve_on(app: Any, sock: socket.socket) -> AsyncIterator[None]:
    """Run ``app`` on ``sock`` for the duration of the block; closes the socket afterwards."""
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # surfaces a start-up failure
            await asyncio.sleep(0.005)
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port for the duration of the block; yields its base URL."""
    sock = loopback_socket()
    async with serve_on(app, sock):
        yield url_of(sock)
