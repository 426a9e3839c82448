"""The SSRF guard: fetching may reach only global addresses, unless the operator allowed a host or network.

A feed URL is untrusted input: ``http://169.254.169.254/`` or a DNS name that resolves to ``10.0.0.5`` would
turn the collector into a proxy into our own network. The guard therefore sits where the socket is opened,
not where the URL is read: ``GuardedBackend`` wraps httpcore's network backend, resolves the host once,
checks every address, and connects to the vetted address itself. Every connection, including every redirect
hop and every full-text page fetch, passes through it, and DNS cannot answer differently between the check
and the connect (no rebinding window).

Non-global means anything ``ipaddress`` does not call global (private, loopback, link-local, CGNAT
100.64/10, documentation, benchmarking, reserved, unspecified) plus multicast and site-local. IPv6 forms
that embed an IPv4 address are judged by the IPv4 address they carry: IPv4-compatible ``::a.b.c.d`` (which
``ipaddress`` calls global), IPv4-mapped ``::ffff:a.b.c.d``, IPv4-translated ``::ffff:0:a.b.c.d``, NAT64
``64:ff9b::/96``; tunnels (6to4 ``2002::/16``, Teredo ``2001::/32``, ISATAP ``…:0:5efe:a.b.c.d``) must be
public on both sides; the local-use NAT64 prefix ``64:ff9b:1::/48`` is never public.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore

from summaries.errors import BlockedAddress, ConnectFailed
from summaries.netstream import open_tcp

__all__ = ["AddressPolicy", "GuardedBackend", "embedded_ipv4", "is_public"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local use: never global, whatever it carries
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_LOW32 = 0xFFFFFFFF
_ISATAP_IID = 0x00005EFE  # interface id ``0?00:5efe:a.b.c.d``; the u/g bits (0x0300_0000) may be set


def _wrapped_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address of a form that is only an IPv4 address written as IPv6: IPv4-compatible ``::a.b.c.d``,
    IPv4-mapped ``::ffff:a.b.c.d``, IPv4-translated ``::ffff:0:a.b.c.d`` (SIIT) and NAT64 ``64:ff9b::a.b.c.d``.
    A stack or translator that accepts them connects to that IPv4 address, so it alone decides."""
    high = int(address) >> 32
    if high in (0, 0xFFFF, 0xFFFF_0000) or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & _LOW32)
    return None


def _tunnelled_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses that a tunnel would reach for a global-looking IPv6 address: 6to4, Teredo (server and
    client), ISATAP. Both the IPv6 address and every IPv4 address in it must be public."""
    found: list[ipaddress.IPv4Address] = []
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if (int(address) >> 32) & 0xFCFF_FFFF == _ISATAP_IID:
        found.append(ipaddress.IPv4Address(int(address) & _LOW32))
    return found


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (compatible, mapped, translated, NAT64, 6to4, Teredo client,
    ISATAP), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    wrapped = _wrapped_ipv4(address)
    if wrapped is not None:
        return wrapped
    tunnelled = _tunnelled_ipv4(address)
    return tunnelled[-1] if tunnelled else None


def is_public(address: IPAddress) -> bool:
    """True when the address is globally routable unicast; an IPv6 form that embeds an IPv4 address is
    judged as that IPv4 address (``[::127.0.0.1]`` is loopback, ``[2002:a00:1::]`` is 10.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address):
        wrapped = _wrapped_ipv4(address)
        if wrapped is not None:
            return is_public(wrapped)
        if address in _NAT64_LOCAL or address.is_site_local or address.is_reserved:
            return False
        if not all(is_public(inner) for inner in _tunnelled_ipv4(address)):
            return False
    return bool(address.is_global) and not address.is_multicast and not address.is_unspecified


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """What may be reached: global addresses, plus the operator's allow-list (hosts, IPs or CIDRs).

    Built from ``AITODAY_FETCH_ALLOW`` by the composition root; ``summaries`` never reads settings itself.
    """

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_allow_list(cls, items: Iterable[str]) -> AddressPolicy:
        hosts: set[str] = set()
        nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in items:
            item = raw.strip().strip("[]")
            if not item:
                continue
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(nets))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    def address_allowed(self, address: IPAddress) -> bool:
        if any(address in net for net in self.allowed_networks if net.version == address.version):
            return True
        return is_public(address)

    def check(self, host: str, address: IPAddress) -> None:
        """Raise ``BlockedAddress`` unless ``host`` may be reached at ``address``."""
        if self.host_allowed(host) or self.address_allowed(address):
            return
        raise BlockedAddress(f"{host} resolves to non-public {address}; refused (AITODAY_FETCH_ALLOW)")

    def vet(self, host: str, addresses: Iterable[str]) -> list[str]:
        """The addresses of ``host`` that may be connected to, in order; raises ``BlockedAddress`` if any is
        refused (a name that mixes public and private answers is treated as hostile)."""
        vetted: list[str] = []
        for text in addresses:
            self.check(host, ipaddress.ip_address(text))
            if text not in vetted:
                vetted.append(text)
        if not vetted:
            raise ConnectFailed(f"{host} has no address")
        return vetted


def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def _consume(future: asyncio.Future[list[str]]) -> None:
    """Mark a lookup's failure as seen. A lookup outlives the fetch that started it (that fetch timed out, or
    the run ended): asyncio would log each such failure as "Future exception was never retrieved"."""
    if not future.cancelled():
        future.exception()


class _DaemonResolver:
    """``getaddrinfo`` on at most ``limit`` daemon threads, answered into asyncio futures.

    Daemon threads because a lookup cannot be cancelled: without a network the resolver may sit for 20 s in a
    lookup nobody waits for any more, and a non-daemon pool (``ThreadPoolExecutor``) would hold the process's
    exit, and a stop, until it gave up.
    """

    def __init__(self, limit: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._closed = False

    def lookup(self, host: str, port: int) -> asyncio.Future[list[str]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[str]] = loop.create_future()
        future.add_done_callback(_consume)

        def settle(result: list[str] | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result or [])

        def work() -> None:
            with self._slots:
                result: list[str] | None = None
                error: BaseException | None = None
                if self._closed:
                    error = OSError("resolver closed")
                else:
                    try:
                        result = _getaddrinfo(host, port)
                    except (OSError, UnicodeError) as exc:
                        error = exc
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
                loop.call_soon_threadsafe(settle, result, error)

        threading.Thread(target=work, name="aitoday-dns", daemon=True).start()
        return future

    def close(self) -> None:
        self._closed = True


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that vets the address of every TCP connection before opening it."""

    def __init__(self, policy: AddressPolicy, *, resolvers: int = 32) -> None:
        self._policy = policy
        # Lookups get their own threads (the default executor has cpu+4 and parsing uses it) and are shared
        # for the backend's life, one ingest run: 45 of the bundled sources live on one host.
        self._resolver = _DaemonResolver(resolvers)
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once per backend and vet every address; connections go to what this returns.

        Raises ``BlockedAddress`` (a refused address) or ``ConnectFailed`` (the name does not resolve).
        """
        try:
            literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            self._policy.check(host, literal)
            return [str(literal)]
        key = (host.lower(), port)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._resolver.lookup(host, port)
            self._lookups[key] = lookup
        try:
            addresses = await asyncio.shield(lookup)  # one caller's timeout must not cancel the others' lookup
        except (OSError, UnicodeError) as exc:
            raise ConnectFailed(f"cannot resolve {host}: {exc}") from exc
        return self._policy.vet(host, addresses)

    def close(self) -> None:
        self._resolver.close()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await open_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
