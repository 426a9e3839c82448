"""TCP and TLS for the fetcher: asyncio streams presented as httpcore network streams.

Why not httpcore's default (anyio): the fetcher has already resolved and vetted the address (``summaries.ssrf``),
so it needs a plain connection, nothing more. anyio's path runs a happy-eyeballs task group per connect and
rebuilds a socket-attribute table (with a ``getpeername`` call) on every query httpcore makes; together that
was a fifth of the CPU of a warm 300-source run, which is nearly all connection setup and a 304.

Errors are raised as httpcore's own classes (``ConnectError``, ``ReadTimeout``…), which httpx then maps to
its exceptions and ``summaries.fetch`` to ours; nothing else above this module changes.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

__all__ = ["AsyncioStream", "open_tcp"]


def _readable(sock: Any) -> bool:
    """Whether an idle connection has something to read (the peer closed it, or sent garbage): unusable."""
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection; ``start_tls`` upgrades it in place."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("read timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore's
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("write timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            self._writer.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._writer.get_extra_info("socket"))
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        return self._writer.get_extra_info(name)


async def open_tcp(
    address: str,
    port: int,
    *,
    timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    local_address: str | None = None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
) -> AsyncioStream:
    """Connect to an already vetted IP address."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                address, port, local_addr=(local_address, 0) if local_address else None
            )
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"connecting to {address}:{port} timed out") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock: socket.socket | None = writer.get_extra_info("socket")
    if sock is not None:
        for option in socket_options or ():
            sock.setsockopt(*option)  # type: ignore[arg-type]
    return AsyncioStream(reader, writer)
