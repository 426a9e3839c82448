"""The fetcher against a real loopback server: conditional GET, limits, redirects, Retry-After, SSRF guard."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import zlib

import pytest
from aiohttp import web

from summaries.errors import (
    BadEncoding,
    BlockedAddress,
    BodyTooLarge,
    ConnectFailed,
    FetchTimeout,
    HTTPStatus,
    InvalidURL,
    RateLimited,
    TooManyRedirects,
)
from summaries.fetch import Fetcher, FetchLimits, parse_retry_after
from summaries.ssrf import AddressPolicy, is_public
from tests.summaries.conftest import TEST_LIMITS
from tests.summaries.feedserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


async def test_conditional_get_answers_304_without_a_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.document("/feed", RSS)
    first = await fetcher.fetch(url)
    assert first.status == 200 and first.body == RSS and first.etag and first.last_modified
    again = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    sent = feed_server.requests[-1].headers
    assert sent["If-None-Match"] == first.etag and sent["If-Modified-Since"] == first.last_modified


async def test_identifies_itself_and_asks_for_feeds(feed_server: FeedServer, fetcher: Fetcher) -> None:
    await fetcher.fetch(feed_server.document("/feed", RSS))
    headers = feed_server.requests[-1].headers
    assert headers["User-Agent"].startswith("AIToday/")
    assert "application/rss+xml" in headers["Accept"]
    assert headers["Accept-Encoding"] == "gzip, deflate"


async def test_gzip_body_is_decoded(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.document("/gz", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    result = await fetcher.fetch(url)
    assert result.body == RSS and result.wire_bytes < len(RSS) + 40


async def test_deflate_with_and_without_a_zlib_header_is_decoded(feed_server: FeedServer, fetcher: Fetcher) -> None:
    # RFC 9110 "deflate" is zlib-wrapped, but servers send raw deflate too; a reader should not tell
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw_body = raw.compress(RSS) + raw.flush()
    wrapped = feed_server.document("/zlib", zlib.compress(RSS), headers={"Content-Encoding": "deflate"})
    bare = feed_server.document("/raw", raw_body, headers={"Content-Encoding": "deflate"})
    assert (await fetcher.fetch(wrapped)).body == RSS
    assert (await fetcher.fetch(bare)).body == RSS


async def test_raw_deflate_bomb_stops_at_the_cap(feed_server: FeedServer) -> None:
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = raw.compress(b"\0" * (3 * 1024 * 1024)) + raw.flush()
    url = feed_server.document("/rawbomb", bomb, headers={"Content-Encoding": "deflate"})
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), FetchLimits(max_body=1024 * 1024)) as small:
        with pytest.raises(BodyTooLarge, match="after decompression"):
            await small.fetch(url)


async def test_gzip_bomb_stops_at_the_cap_after_decompression(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * (3 * 1024 * 1024), compresslevel=9)
    url = feed_server.document("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    limits = FetchLimits(max_body=1024 * 1024, total_timeout=2.0)
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), limits) as small:
        with pytest.raises(BodyTooLarge, match="after decompression"):
            await small.fetch(url)


async def test_declared_length_over_the_cap_is_refused_unread(feed_server: FeedServer) -> None:
    url = feed_server.document("/big", b"x" * 2048)
    limits = FetchLimits(max_body=1024, total_timeout=2.0)
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), limits) as small:
        with pytest.raises(BodyTooLarge, match="Content-Length"):
            await small.fetch(url)


async def test_a_page_prefix_is_read_and_the_rest_never_downloaded(feed_server: FeedServer) -> None:
    # full text wants a page's first 512 KB: an 8 MB page (past the body cap, declared so) is no error, and is
    # neither downloaded nor inflated whole
    page = b"<html><body>" + b"<p>word word word</p>" * 400_000
    plain = feed_server.document("/page.html", page, content_type="text/html")
    packed = feed_server.document("/page.gz.html", gzip.compress(page), headers={"Content-Encoding": "gzip"})
    limits = FetchLimits(max_body=1024 * 1024, total_timeout=5.0)
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), limits) as small:
        for url in (plain, packed):
            result = await small.fetch(url, prefix=64 * 1024)
            assert result.body == page[: 64 * 1024]
            assert result.wire_bytes < len(page) // 8
        with pytest.raises(BodyTooLarge):
            await small.fetch(plain)  # without a prefix the cap still holds


async def test_corrupt_gzip_and_unknown_encoding_are_bad_encoding(feed_server: FeedServer, fetcher: Fetcher) -> None:
    corrupt = feed_server.document("/corrupt", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    brotli = feed_server.document("/br", RSS, headers={"Content-Encoding": "br"})
    for url in (corrupt, brotli):
        with pytest.raises(BadEncoding):
            await fetcher.fetch(url)


async def test_follows_redirects_up_to_five(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.document("/hop5", RSS)
    for i in range(5):
        target = feed_server.url(f"/hop{i + 1}")
        feed_server.route(f"/hop{i}", lambda _r, t=target: _redirect(t))
    result = await fetcher.fetch(feed_server.url("/hop0"))
    assert result.body == RSS and result.url.endswith("/hop5")
    feed_server.route("/hop5", lambda _r: _redirect(feed_server.url("/hop6")))
    feed_server.document("/hop6", RSS)
    with pytest.raises(TooManyRedirects):
        await fetcher.fetch(feed_server.url("/hop0"))


async def test_redirect_loop_is_detected(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/a", lambda _r: _redirect(feed_server.url("/b")))
    feed_server.route("/b", lambda _r: _redirect(feed_server.url("/a")))
    with pytest.raises(TooManyRedirects, match="loop"):
        await fetcher.fetch(feed_server.url("/a"))
    assert feed_server.hits["/a"] == 1


async def test_status_classes_and_retry_after(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/gone", lambda _r: _status(410))
    feed_server.route("/boom", lambda _r: _status(500))
    feed_server.route("/slow-down", lambda _r: _status(429, {"Retry-After": "120"}))
    with pytest.raises(HTTPStatus) as gone:
        await fetcher.fetch(feed_server.url("/gone"))
    assert gone.value.kind == "http_4xx" and gone.value.permanent
    with pytest.raises(HTTPStatus) as boom:
        await fetcher.fetch(feed_server.url("/boom"))
    assert boom.value.kind == "http_5xx" and not boom.value.permanent
    with pytest.raises(RateLimited) as limited:
        await fetcher.fetch(feed_server.url("/slow-down"))
    assert limited.value.retry_after == 120.0


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:05:00 GMT", now=now) == 300.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def test_drip_feed_hits_the_total_deadline(feed_server: FeedServer, fetcher: Fetcher) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        for _ in range(60):
            await response.write(b" ")
            await asyncio.sleep(0.2)
        return response

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FetchTimeout):
        await fetcher.fetch(feed_server.route("/drip", drip))
    assert loop.time() - started < TEST_LIMITS.total_timeout + 1.0


async def test_per_origin_limit_is_respected(feed_server: FeedServer, fetcher: Fetcher) -> None:
    active = 0
    peak = 0

    async def slow(_request: web.Request) -> web.StreamResponse:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        return web.Response(body=RSS)

    url = feed_server.route("/slow", slow)
    await asyncio.gather(*(fetcher.fetch(url) for _ in range(8)))
    assert peak == fetcher.limits.per_host == 2


async def test_connection_refused_and_bad_urls(fetcher: Fetcher) -> None:
    with pytest.raises(ConnectFailed):
        await fetcher.fetch("http://127.0.0.1:9/feed")  # discard port: nothing listens
    for url in ("file:///etc/passwd", "javascript:alert(1)", "http://user:pw@127.0.0.1/", "http:///nohost"):
        with pytest.raises(InvalidURL):
            await fetcher.fetch(url)


# ---------------------------------------------------------------------------------------------- SSRF guard


async def test_loopback_is_refused_without_the_allow_list(feed_server: FeedServer) -> None:
    url = feed_server.document("/feed", RSS)
    async with Fetcher(AddressPolicy(), TEST_LIMITS) as strict:
        with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
            await strict.fetch(url)
        with pytest.raises(BlockedAddress):
            await strict.fetch(url.replace("127.0.0.1", "localhost"))
    assert feed_server.hits["/feed"] == 0  # refused before connecting


async def test_allow_list_by_cidr_and_by_host(feed_server: FeedServer) -> None:
    url = feed_server.document("/feed", RSS)
    for allow in (["127.0.0.0/8"], ["localhost"]):
        async with Fetcher(AddressPolicy.from_allow_list(allow), TEST_LIMITS) as allowed:
            target = url if allow == ["127.0.0.0/8"] else url.replace("127.0.0.1", "localhost")
            assert (await allowed.fetch(target)).body == RSS


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/feed",
        "http://[::127.0.0.1]:{port}/feed",
        "http://[::ffff:0:7f00:1]:{port}/feed",
        "http://[::1]:{port}/feed",
        "http://10.0.0.1/feed",
        "http://100.64.0.1/feed",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://0.0.0.0:{port}/feed",
    ],
)
async def test_every_redirect_hop_is_vetted(feed_server: FeedServer, target: str) -> None:
    """The first hop is allowed by host name; a redirect to a non-public address is refused before connecting."""
    feed_server.document("/feed", RSS)
    feed_server.route("/start", lambda _r: _redirect(target.format(port=feed_server.port)))
    async with Fetcher(AddressPolicy.from_allow_list(["localhost"]), TEST_LIMITS) as guarded:
        with pytest.raises(BlockedAddress):
            await guarded.fetch(feed_server.url("/start").replace("127.0.0.1", "localhost"))
    assert feed_server.hits["/feed"] == 0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # CGNAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("192.0.2.1", False),  # documentation
        ("198.18.0.1", False),  # benchmarking
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 prefix
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo (non-global itself)
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated; ipaddress calls it global)
        ("::a9fe:a9fe", False),  # IPv4-compatible 169.254.169.254
        ("::808:808", True),  # IPv4-compatible 8.8.8.8: judged as 8.8.8.8
        ("::ffff:0:7f00:1", False),  # IPv4-translated (SIIT) 127.0.0.1
        ("::ffff:0:808:808", True),
        ("2002:808:808::", True),  # 6to4 of 8.8.8.8
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2606:4700::5efe:7f00:1", False),  # ISATAP carrying 127.0.0.1
        ("2606:4700::200:5efe:a00:1", False),  # ISATAP (universal bit) carrying 10.0.0.1
        ("2606:4700::5efe:808:808", True),  # ISATAP carrying 8.8.8.8
        ("64:ff9b:1::808:808", False),  # local-use NAT64: never global
        ("fec0::1", False),  # site-local
    ],
)
def test_public_address_table(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


async def _redirect(target: str) -> web.StreamResponse:
    return web.Response(status=302, headers={"Location": target})


async def _status(code: int, headers: dict[str, str] | None = None) -> web.StreamResponse:
    return web.Response(status=code, text="error", headers=headers or {})
