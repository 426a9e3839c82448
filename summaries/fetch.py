"""Polite, bounded HTTP fetching of feeds and pages over one shared ``httpx.AsyncClient``.

Why each limit exists:

* one client, HTTP/1.1 keep-alive: 300 sources are fetched every 30 minutes; reconnecting is the bulk of the
  cost for small feeds;
* a global concurrency limit and a per-origin limit (default 2): we must never look like a flood to one site;
* connect/read timeouts and a total deadline per fetch (15 s): a server that drips one byte a second would
  otherwise hold a slot forever;
* at most 5 redirects, each hop re-checked by the SSRF guard (which lives in the network backend, see
  ``summaries.ssrf``), and a loop detector;
* a body cap (10 MiB) on the wire *and* after decompression: we decode gzip/deflate ourselves with a bounded
  output size, so a 10 KB gzip bomb cannot inflate to gigabytes;
* conditional GET: the caller passes the ETag/Last-Modified it kept; a 304 comes back with an empty body
  and costs no parsing;
* ``Retry-After`` on 429/503 is returned on ``RateLimited`` for the caller's backoff to honour.

Errors leave this module only as ``summaries.errors.FetchError`` subclasses.
"""

from __future__ import annotations

import asyncio
import email.utils
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from summaries.errors import (
    BodyTooLarge,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    HTTPStatus,
    InvalidURL,
    RateLimited,
    TooManyRedirects,
)
from summaries.inflate import Inflater
from summaries.ssrf import AddressPolicy, GuardedBackend

__all__ = [
    "FEED_ACCEPT", "PAGE_ACCEPT", "PERMANENT_REDIRECTS", "FetchLimits", "FetchResult", "Fetcher", "parse_retry_after",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Every bound of a fetch. Defaults are the production ones; tests shrink the timeouts."""

    total_timeout: float = 15.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_redirects: int = 5
    max_body: int = 10 * 1024 * 1024
    #: Global limit on fetches in flight. Above the size of the bundled list (315), so that slow hosts do not
    #: make a second wave; it bounds sockets and buffered bodies when a list grows to thousands.
    concurrency: int = 512
    per_host: int = 2
    user_agent: str = "AIToday/0.1 (feed reader; +https://github.com/aitoday/aitoday)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What came back: a 200 with its decoded body, or a 304 with an empty body."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    wire_bytes: int = 0
    elapsed: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Where the feed says it has moved for good: the address after the redirects that open the chain, as
    #: long as they are permanent (301, 308); None when the first hop answered or was temporary (302, 307).
    moved_to: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


#: Redirects that say "use the new address from now on" (RFC 9110 §15.4).
PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    location: str


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _PerOriginTransport(httpx.AsyncBaseTransport):
    """Routes each request to a small connection pool of its own origin, opened through the SSRF guard.

    Why not one big pool: httpcore matches waiting requests to connections by scanning the whole pool, so
    with hundreds of origins in flight one pool costs O(connections x requests) per event, which was most
    of the CPU of a 300-source run. A pool per origin (at most ``per_host`` connections) keeps that scan
    tiny and enforces the per-origin limit at the socket level too. All pools share one TLS context and the
    guarded network backend (httpx takes no backend argument, so each transport's pool is rebuilt with it).
    A ``Fetcher`` lives for one ingest run, so the number of pools is bounded by the origins of that run.
    """

    def __init__(self, policy: AddressPolicy, limits: FetchLimits, ssl_context: ssl.SSLContext | None) -> None:
        self._limits = limits
        self._backend = GuardedBackend(policy)
        self._ssl = ssl_context  # default: certifi's bundle, loaded (~30 ms) only when an https origin comes
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    def _transport(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._pools.get(key)
        if transport is None:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            transport = httpx.AsyncHTTPTransport(verify=self._ssl, http1=True, http2=False, retries=0)
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl,
                max_connections=self._limits.per_host,
                max_keepalive_connections=self._limits.per_host,
                keepalive_expiry=60.0,
                http1=True,
                http2=False,
                retries=0,
                network_backend=self._backend,
            )
            self._pools[key] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for transport in pools:
            await transport.aclose()
        self._backend.close()


class Fetcher:
    """One shared client with global and per-origin limits. Use as ``async with Fetcher(policy) as f``."""

    def __init__(
        self, policy: AddressPolicy, limits: FetchLimits | None = None, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        """``ssl_context`` replaces the default trust store (a private CA; the tests' own certificate)."""
        self.limits = limits or FetchLimits()
        self._policy = policy
        self._client = httpx.AsyncClient(
            transport=_PerOriginTransport(policy, self.limits, ssl_context),
            timeout=httpx.Timeout(
                connect=self.limits.connect_timeout,
                read=self.limits.read_timeout,
                write=self.limits.read_timeout,
                pool=self.limits.total_timeout,
            ),
            follow_redirects=False,
            headers={"User-Agent": self.limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
        self._global = asyncio.Semaphore(self.limits.concurrency)
        self._per_origin: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _origin_slot(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"
        slot = self._per_origin.get(origin)
        if slot is None:
            slot = self._per_origin[origin] = asyncio.Semaphore(self.limits.per_host)
        return slot

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        prefix: int | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given) following at most ``max_redirects`` hops.

        Returns a 200 (body decoded and capped) or a 304. Raises a ``FetchError`` subclass otherwise.
        ``prefix``: only the first ``prefix`` decoded bytes are wanted (a page whose start is all the extractor
        reads): reading stops there, the rest is never downloaded nor held, and a longer body is no error.
        """
        _check_url(url)
        started = time.perf_counter()
        seen: set[str] = set()
        current = url
        deadline: list[float] = []  # set when the first hop gets its slots; covers every later hop
        moved_to: str | None = None
        permanent = True  # every hop so far was a permanent redirect
        for _hop in range(self.limits.max_redirects + 1):
            seen.add(current)
            result = await self._one_hop(
                current, etag=etag, last_modified=last_modified, accept=accept, deadline=deadline, prefix=prefix
            )
            if isinstance(result, FetchResult):
                return replace(result, elapsed=time.perf_counter() - started, moved_to=moved_to)
            target = urljoin(current, result.location)
            _check_url(target)
            if target in seen:
                raise TooManyRedirects(f"redirect loop at {target}")
            permanent = permanent and result.status in PERMANENT_REDIRECTS
            if permanent:
                moved_to = target
            current = target
        raise TooManyRedirects(f"more than {self.limits.max_redirects} redirects from {url}")

    async def _one_hop(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        deadline: list[float],
        prefix: int | None,
    ) -> FetchResult | _Redirect:
        """One request; returns the result, or the redirect to follow.

        The total deadline starts once the first hop holds its slots (waiting for a busy origin is not the
        server's fault) and bounds the whole redirect chain.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global, self._origin_slot(url):
            if not deadline:
                deadline.append(asyncio.get_running_loop().time() + self.limits.total_timeout)
            try:
                async with asyncio.timeout_at(deadline[0]):
                    return await self._request(url, headers, prefix)
            except FetchError:
                raise
            except TimeoutError as exc:
                raise FetchTimeout(f"no complete answer within {self.limits.total_timeout:g} s") from exc
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"{type(exc).__name__} after {self.limits.read_timeout:g} s") from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise InvalidURL(str(exc) or "invalid URL") from exc
            except httpx.TransportError as exc:
                raise ConnectFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc

    async def _request(self, url: str, headers: dict[str, str], prefix: int | None) -> FetchResult | _Redirect:
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise HTTPStatus(status, f"HTTP {status} without Location")
                return _Redirect(status, str(location))
            if status == 304:
                return FetchResult(
                    url=url,
                    status=304,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    headers=dict(response.headers),
                )
            if status in (429, 503):
                raise RateLimited(status, parse_retry_after(response.headers.get("Retry-After")))
            if status >= 400 or status < 200:
                raise HTTPStatus(status)
            body, wire = await self._read_body(response, prefix)
            return FetchResult(
                url=url,
                status=status,
                body=body,
                content_type=response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower(),
                charset=response.charset_encoding,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                wire_bytes=wire,
                headers=dict(response.headers),
            )
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response, prefix: int | None) -> tuple[bytes, int]:
        cap = self.limits.max_body
        declared = response.headers.get("Content-Length", "")
        if prefix is None and declared.isdigit() and int(declared) > cap:
            raise BodyTooLarge(f"Content-Length {declared} exceeds {cap} bytes")
        encoding = response.headers.get("Content-Encoding", "")
        inflater = Inflater(encoding, cap) if prefix is None else Inflater(encoding, min(cap, prefix), truncate=True)
        parts: list[bytes] = []
        wire = size = 0
        async for chunk in response.aiter_raw():
            wire += len(chunk)
            if wire > cap:
                raise BodyTooLarge(f"body exceeds {cap} bytes on the wire")
            parts.append(inflater.feed(chunk))
            size += len(parts[-1])
            if prefix is not None and size >= prefix:
                return b"".join(parts)[:prefix], wire  # the response is closed unread: the rest never comes
        parts.append(inflater.flush())
        return b"".join(parts), wire


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"unparseable URL {url[:200]!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"not an http(s) URL: {url[:200]!r}")
    if parts.username or parts.password:
        raise InvalidURL("URLs with credentials are not fetched")
