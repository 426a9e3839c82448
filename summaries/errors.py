"""Named failures of the ingest path, so that a broken feed is logged, classified and skipped, never a crash.

The tree::

    IngestError                      anything that stops one source (or one page) this run
    ├── FetchError                   the bytes never arrived in a usable form
    │   ├── BlockedAddress           SSRF guard: the host resolves to a non-global address (permanent)
    │   ├── InvalidURL               not an http(s) URL we can fetch (permanent)
    │   ├── ConnectFailed            DNS failure, refused or reset connection
    │   ├── FetchTimeout             connect/read timeout or the total deadline (endless drip)
    │   ├── TooManyRedirects         more than the redirect cap, or a redirect loop
    │   ├── BodyTooLarge             over the body cap, on the wire or after decompression (gzip bomb)
    │   ├── BadEncoding              a Content-Encoding we did not ask for, or a corrupt gzip stream
    │   └── HTTPStatus(status)       4xx/5xx other than the ones below
    │       └── RateLimited(status, retry_after)   429/503 with or without Retry-After
    └── ParseError                   the bytes arrived but are not a feed we can read
        ├── EmptyDocument            nothing but whitespace/comments (a truncated body)
        ├── NotAFeed                 HTML page, unknown root element, JSON that is not a JSON Feed
        ├── HostileFeed              entity declarations (billion laughs, XXE), excessive depth
        ├── MalformedFeed            broken XML/JSON that neither parser could salvage
        └── ParseTimeout             parsing exceeded its time budget

Every class carries ``kind``: a short stable label used in the closing table of ``aitoday ingest``, in the
per-source health record and in the benchmark's ``failures`` object. ``permanent`` says whether retrying soon
could help; the backoff policy in ``summaries.ingest`` reads it (retries are decided in one place, by type).
"""

from __future__ import annotations

__all__ = [
    "BadEncoding",
    "BlockedAddress",
    "BodyTooLarge",
    "ConnectFailed",
    "EmptyDocument",
    "FetchError",
    "FetchTimeout",
    "HTTPStatus",
    "HostileFeed",
    "IngestError",
    "InvalidURL",
    "MalformedFeed",
    "NotAFeed",
    "ParseError",
    "ParseTimeout",
    "RateLimited",
    "TooManyRedirects",
]


class IngestError(Exception):
    """Base of every classified ingest failure. ``str(exc)`` is a one-line reason fit for an operator."""

    kind: str = "error"
    permanent: bool = False


class FetchError(IngestError):
    kind = "fetch"


class BlockedAddress(FetchError):
    """The URL's host resolves to a private, loopback, link-local, CGNAT or otherwise non-global address."""

    kind = "blocked"
    permanent = True


class InvalidURL(FetchError):
    kind = "invalid_url"
    permanent = True


class ConnectFailed(FetchError):
    kind = "connect"


class FetchTimeout(FetchError):
    kind = "timeout"


class TooManyRedirects(FetchError):
    kind = "redirects"


class BodyTooLarge(FetchError):
    kind = "too_large"


class BadEncoding(FetchError):
    kind = "bad_encoding"


class HTTPStatus(FetchError):
    """The server answered with an error status. ``status`` is the HTTP code."""

    kind = "http"

    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        self.kind = f"http_{status // 100}xx"
        self.permanent = status in (404, 410)
        super().__init__(message or f"HTTP {status}")


class RateLimited(HTTPStatus):
    """429 or 503: come back after ``retry_after`` seconds (None when the server did not say)."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        wait = f", retry after {retry_after:.0f} s" if retry_after else ""
        super().__init__(status, f"HTTP {status}{wait}")
        self.kind = "rate_limited"
        self.permanent = False
        self.retry_after = retry_after


class ParseError(IngestError):
    kind = "parse"


class EmptyDocument(ParseError):
    kind = "empty"


class NotAFeed(ParseError):
    kind = "not_a_feed"
    permanent = True


class HostileFeed(ParseError):
    kind = "hostile"
    permanent = True


class MalformedFeed(ParseError):
    kind = "malformed"


class ParseTimeout(ParseError):
    kind = "parse_timeout"
