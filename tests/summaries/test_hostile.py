"""Hostile and broken feeds, served from loopback, through a whole ingest run into the real Redis store.

Each case must end in a named outcome (``ok`` or a failure class from ``summaries.errors``); the run must stay
within its time and memory caps; nothing executable may survive into stored HTML or titles.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from aiohttp import web

from bot.store.articles import RedisArticleStore
from bot.store.client import RedisClient
from summaries.fetch import Fetcher
from summaries.ingest import IngestOptions, Ingestor, IngestReport
from summaries.models import Source
from summaries.sources import make_source
from summaries.ssrf import AddressPolicy
from tests.summaries.conftest import TEST_LIMITS
from tests.summaries.feedserver import FeedServer

PARSE_KINDS = {"empty", "not_a_feed", "hostile", "malformed"}
UNSAFE = re.compile(r"<script|\son[a-z]+\s*=|javascript:|<iframe|<!channel", re.IGNORECASE)


def rss(items: str = "", *, prolog: str = "", channel: str = "<title>Hostile</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>{channel}{items}'
        "</channel></rss>"
    ).encode()


def item(title: str = "Ordinary title", link: str = "https://news.example.com/a", description: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link><description>{description}</description></item>"


LAUGHS = "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
)  # each level ten times the previous: 10^9 "lol"s if expanded
BILLION_LAUGHS = rss(item("&lol9;"), prolog=f'<!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>')
QUADRATIC = rss(item("&a;" * 20_000), prolog=f'<!DOCTYPE rss [<!ENTITY a "{"x" * 20_000}">]>')
XXE_FILE = rss(item("&xxe;"), prolog='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
XXE_HTTP = rss(item("&xxe;"), prolog='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/">]>')
XXE_PARAM = rss(item(), prolog='<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://169.254.169.254/x.dtd"> %p;]>')
EXTERNAL_DTD = rss(item(), prolog='<!DOCTYPE rss SYSTEM "http://169.254.169.254/evil.dtd">')
DEEP = b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<x>" * 50_000 + b"</x>" * 50_000 + b"</channel></rss>"
DEEP_IN_ITEM = rss(item(description="")).replace(b"<description>", b"<description>" + b"<d>" * 50_000)
DEEP_JSON = b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Blocked</title></head><body>Access denied</body></html>"
GARBAGE = bytes(range(256)) * 64
INVALID_UTF8 = rss(item("Caf\xe9 \xff\xfe broken")).replace("Caf\xe9 \xff\xfe".encode(), b"Caf\xe9 \xff\xfe")
HUGE_TITLE = rss(item("A" * 100_000, link="https://news.example.com/huge-title"))
SCRIPT_TITLE = rss(item("&lt;script&gt;alert(1)&lt;/script&gt;Launch", link="https://news.example.com/script"))
CHANNEL_TITLE = rss(item("&lt;!channel&gt; &lt;!everyone&gt; urgent", link="https://news.example.com/channel"))
SCRIPT_BODY = rss(
    item(link="https://news.example.com/sb", description="&lt;p&gt;ok&lt;script&gt;alert(1)&lt;/script&gt;")
)
HANDLERS = rss(
    item(link="https://news.example.com/h", description='&lt;img src="x.png" onerror="alert(1)" onload="x()"&gt;'
         '&lt;p onclick="steal()" onmouseover="y()"&gt;text&lt;/p&gt;')
)  # fmt: skip
JS_HREF = rss(item(link="https://news.example.com/js", description='&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;'))
JS_LINK = rss(item(link="javascript:alert(1)"))
DATA_IMG = rss(item(link="https://news.example.com/d", description='&lt;img src="data:image/svg+xml,&amp;lt;svg"&gt;'))
DOUBLE_ESCAPED = rss(item("&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt; title", link="https://news.example.com/2x"))
ATOM_XHTML = (
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title type="html">&lt;b onmouseover="x()"&gt;'
    b'Bold&lt;/b&gt;</title><link href="https://news.example.com/x"/><id>x</id><content type="xhtml">'
    b'<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">Hi<script>alert(1)</script></p>'
    b'<a href="javascript:alert(2)">j</a><iframe src="https://evil.example"/></div></content></entry></feed>'
)
MANY_ITEMS = rss("".join(f"<item><link>https://news.example.com/{i}</link></item>" for i in range(50_000)))
TRUNCATED = rss(item(link="https://news.example.com/t1") + item(link="https://news.example.com/t2"))[:-40]
NUL_BYTES = rss(item("nul\x00title", link="https://news.example.com/nul"))
LONG_URL = rss(item(link="https://news.example.com/" + "a" * 10_000))
TAGS_ONLY_TITLE = rss(item("&lt;b&gt;&lt;/b&gt;", link="https://news.example.com/notitle", description="Body text."))
PLAIN = rss(item(link="https://news.example.com/plain"))
FAR_FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


def _static(body: bytes, *, status: int = 200, **headers: str) -> Callable[[web.Request], object]:
    async def handler(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers={"Content-Type": "application/rss+xml", **headers})

    return handler


def _redirect(target: str) -> Callable[[web.Request], object]:
    async def handler(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": target})

    return handler


async def _drip(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    for byte in rss(item()):
        await response.write(bytes([byte]))
        await asyncio.sleep(1.0)
    return response


async def _stall(_request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(30)
    return web.Response(body=b"")


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    chunk = b"<!-- padding -->" * 4096
    try:
        for _ in range(100 * 1024 * 1024 // len(chunk)):  # 100 MB, no Content-Length
            await response.write(chunk)
    except (ConnectionError, RuntimeError):
        pass
    return response


async def _declared_100mb(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml", "Content-Length": str(100 << 20)})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError, RuntimeError):
        await response.write(b"<rss>")
    return response


@functools.cache
def gzip_bomb() -> bytes:
    """About 64 KB that inflate to 64 MB (built on first use, not when the suite is collected)."""
    return gzip.compress(b"\0" * (64 << 20), compresslevel=9)


@functools.cache
def deflate_bomb() -> bytes:
    deflater = zlib.compressobj(9)
    return deflater.compress(b" " * (64 << 20)) + deflater.flush()


@dataclass(frozen=True)
class Case:
    name: str
    handler: Callable[[web.Request], object] | None  # None: the URL itself is the case
    expected: str | set[str]  # "ok", or the failure kind(s)
    url: str = ""


def cases(server: FeedServer) -> list[Case]:
    loop_url = server.url("/case/redirect_loop").replace("127.0.0.1", "localhost")
    chain = [server.url(f"/chain/{i}").replace("127.0.0.1", "localhost") for i in range(8)]
    for i in range(7):
        server.route(f"/chain/{i}", _redirect(chain[i + 1]))  # type: ignore[arg-type]
    return [
        Case("billion_laughs", _static(BILLION_LAUGHS), "hostile"),
        Case("quadratic_blowup", _static(QUADRATIC), "hostile"),
        Case("xxe_file", _static(XXE_FILE), "hostile"),
        Case("xxe_cloud_metadata", _static(XXE_HTTP), "hostile"),
        Case("xxe_parameter_entity", _static(XXE_PARAM), "hostile"),
        Case("external_dtd_is_not_loaded", _static(EXTERNAL_DTD), "ok"),
        Case("nesting_50k_deep", _static(DEEP), "hostile"),
        Case("nesting_inside_description", _static(DEEP_IN_ITEM), "hostile"),
        Case("json_nesting_100k_deep", _static(DEEP_JSON, **{"Content-Type": "application/feed+json"}), "hostile"),
        Case("html_instead_of_feed", _static(HTML_PAGE, **{"Content-Type": "text/html"}), "not_a_feed"),
        Case("json_that_is_not_a_feed", _static(b'{"hello": "world"}'), "not_a_feed"),
        Case("empty_body", _static(b""), "empty"),
        Case("whitespace_body", _static(b"  \r\n\t  "), "empty"),
        Case("binary_garbage", _static(GARBAGE), PARSE_KINDS),
        Case("invalid_utf8", _static(INVALID_UTF8), "ok"),
        Case("title_100kb", _static(HUGE_TITLE), "ok"),
        Case("script_in_title", _static(SCRIPT_TITLE), "ok"),
        Case("slack_channel_in_title", _static(CHANNEL_TITLE), "ok"),
        Case("script_in_description", _static(SCRIPT_BODY), "ok"),
        Case("event_handlers", _static(HANDLERS), "ok"),
        Case("javascript_href", _static(JS_HREF), "ok"),
        Case("javascript_item_link", _static(JS_LINK), "ok"),
        Case("data_url_image", _static(DATA_IMG), "ok"),
        Case("double_escaped_script_title", _static(DOUBLE_ESCAPED), "ok"),
        Case("atom_xhtml_with_handlers", _static(ATOM_XHTML), "ok"),
        Case("fifty_thousand_items", _static(MANY_ITEMS), "ok"),
        Case("truncated_document", _static(TRUNCATED), {"ok", "malformed"}),
        Case("nul_bytes", _static(NUL_BYTES), {"ok", "malformed"}),
        Case("ten_kb_url", _static(LONG_URL), "ok"),
        Case("title_of_tags_only", _static(TAGS_ONLY_TITLE), "ok"),
        Case("feed_served_as_text_html", _static(PLAIN, **{"Content-Type": "text/html"}), "ok"),
        Case("charset_header_contradicts", _static(PLAIN, **{"Content-Type": "text/xml; charset=shift_jis"}), "ok"),
        Case("gzip_bomb", _static(gzip_bomb(), **{"Content-Encoding": "gzip"}), "too_large"),
        Case("deflate_bomb", _static(deflate_bomb(), **{"Content-Encoding": "deflate"}), "too_large"),
        Case("declared_100mb", _declared_100mb, "too_large"),
        Case("streamed_100mb", _endless, "too_large"),
        Case("one_byte_per_second", _drip, "timeout"),
        Case("headers_never_come", _stall, "timeout"),
        Case("redirect_loop", _redirect(loop_url), "redirects"),
        Case("redirect_chain_of_7", _redirect(chain[0]), "redirects"),
        Case("redirect_to_127_0_0_1", _redirect(server.url("/case/plain")), "blocked"),
        Case("redirect_to_cloud_metadata", _redirect("http://169.254.169.254/latest/meta-data/"), "blocked"),
        Case("redirect_to_ipv4_mapped", _redirect(f"http://[::ffff:127.0.0.1]:{server.port}/"), "blocked"),
        Case("redirect_to_private_10", _redirect("http://10.0.0.1/feed"), "blocked"),
        Case("redirect_to_file", _redirect("file:///etc/passwd"), "invalid_url"),
        Case("http_500", _static(b"oops", status=500), "http_5xx"),
        Case("http_404", _static(b"missing", status=404), "http_4xx"),
        Case("http_429_retry_after", _static(b"slow down", status=429, **{"Retry-After": "120"}), "rate_limited"),
        Case("http_503_retry_date", _static(b"busy", status=503, **{"Retry-After": FAR_FUTURE}), "rate_limited"),
        Case("corrupt_gzip", _static(b"plain bytes", **{"Content-Encoding": "gzip"}), "bad_encoding"),
        Case("unrequested_brotli", _static(PLAIN, **{"Content-Encoding": "br"}), "bad_encoding"),
        Case("connection_refused", None, "connect", url="http://localhost:9/feed"),
        Case("credentials_in_url", None, "invalid_url", url="http://user:pw@localhost/feed"),
        Case("loopback_by_ip_not_allowed", None, "blocked", url=server.url("/case/plain")),
    ]


async def run_cases(server: FeedServer, redis_client: RedisClient) -> tuple[IngestReport, dict[str, Case]]:
    server.route("/case/plain", _static(PLAIN))  # type: ignore[arg-type]
    table = cases(server)
    sources: list[Source] = []
    by_id: dict[str, Case] = {}
    for case in table:
        url = case.url or server.url(f"/case/{case.name}").replace("127.0.0.1", "localhost")
        if case.handler is not None:
            server.route(f"/case/{case.name}", case.handler)  # type: ignore[arg-type]
        source = make_source(url, name=case.name)
        sources.append(source)
        by_id[source.id] = case
    store = RedisArticleStore(redis_client)
    # Only the name "localhost" is allowed: literal loopback IPs (and every other non-public address) are not.
    async with Fetcher(AddressPolicy.from_allow_list(["localhost"]), TEST_LIMITS) as fetcher:
        report = await Ingestor(fetcher, store, store, options=IngestOptions(parse_budget=5.0)).run(sources)
    return report, by_id


async def test_hostile_feeds_end_in_named_outcomes_within_caps(
    feed_server: FeedServer, redis_client: RedisClient
) -> None:
    process = psutil.Process()
    rss_before = process.memory_info().rss
    report, by_id = await run_cases(feed_server, redis_client)
    rss_growth_mb = (process.memory_info().rss - rss_before) / 2**20

    assert len(by_id) >= 40
    got = {by_id[o.source.id].name: ("ok" if o.status == "ok" else o.kind) for o in report.outcomes}
    mismatched = {
        case.name: (case.expected, got[case.name])
        for case in by_id.values()
        if got[case.name] not in (case.expected if isinstance(case.expected, set) else {case.expected})
    }
    assert mismatched == {}
    assert report.elapsed < 15, "a hostile feed held the run past its deadline"
    assert rss_growth_mb < 250

    stored = await RedisArticleStore(redis_client).recent_articles(datetime(1970, 1, 1, tzinfo=UTC))
    assert len(stored) >= 2000  # the 50,000-item feed is cut at MAX_ITEMS, the rest still stored
    for article in stored:
        assert not UNSAFE.search(article.html), article.html
        assert not UNSAFE.search(article.title) and "<" not in article.title
        assert len(article.title) <= 300 and article.url.startswith("https://")
    titles = {a.url: a.title for a in stored}
    assert titles["https://news.example.com/script"] == "alert(1)Launch"
    assert titles["https://news.example.com/channel"] == "urgent"
    assert titles["https://news.example.com/notitle"] == "Body text."


async def test_rate_limited_and_failing_sources_back_off(
    feed_server: FeedServer, redis_client: RedisClient
) -> None:
    feed_server.route("/limited", _static(b"", status=429, **{"Retry-After": "120"}))  # type: ignore[arg-type]
    feed_server.route("/broken", _static(b"", status=500))  # type: ignore[arg-type]
    limited = make_source(feed_server.url("/limited"), name="limited")
    broken = make_source(feed_server.url("/broken"), name="broken")
    store = RedisArticleStore(redis_client)
    clock = [datetime(2026, 11, 27, 6, 0, tzinfo=UTC)]
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS) as fetcher:
        ingestor = Ingestor(fetcher, store, store, clock=lambda: clock[0])
        await ingestor.run([limited, broken])
        states = await store.load_states([limited.id, broken.id])
        assert states[limited.id].retry_at == clock[0] + timedelta(seconds=120)
        assert states[broken.id].retry_at == clock[0] + timedelta(minutes=15)
        assert states[broken.id].status == "failing" and states[broken.id].last_error_kind == "http_5xx"

        again = await ingestor.run([limited, broken])  # one minute later: both still backing off
        assert {o.status for o in again.outcomes} == {"deferred"}
        assert feed_server.hits["/limited"] == 1 and feed_server.hits["/broken"] == 1

        for _ in range(3):  # the backoff doubles per failure; after three failures the source is unhealthy
            clock[0] += timedelta(hours=25)
            await ingestor.run([broken])
        state = (await store.load_states([broken.id]))[broken.id]
        assert state.failures == 4 and state.status == "unhealthy"
        assert state.retry_at == clock[0] + timedelta(minutes=15 * 8)


@pytest.mark.parametrize("cap_hours", [24])
async def test_backoff_is_capped(feed_server: FeedServer, redis_client: RedisClient, cap_hours: int) -> None:
    feed_server.route("/down", _static(b"", status=502))  # type: ignore[arg-type]
    source = make_source(feed_server.url("/down"), name="down")
    store = RedisArticleStore(redis_client)
    clock = [datetime(2026, 11, 27, tzinfo=UTC)]
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS) as fetcher:
        ingestor = Ingestor(fetcher, store, store, clock=lambda: clock[0])
        for _ in range(12):
            await ingestor.run([source])
            clock[0] += timedelta(days=2)
    state = (await store.load_states([source.id]))[source.id]
    assert state.failures == 12
    assert state.retry_at is not None and state.last_attempt is not None
    assert state.retry_at - state.last_attempt == timedelta(hours=cap_hours)
