"""The sandbox for untrusted bytes: a document past a budget is stopped (its process killed, the CPU freed),
ordinary documents never wait behind hostile ones, and a whole ingest run with hostile sources and a huge
page stores every ordinary source."""

from __future__ import annotations

import asyncio
import contextlib
import re

import psutil
import pytest
import redis.asyncio as aioredis

from bot.store.articles import RedisArticleStore
from summaries.errors import HostileFeed, IngestError, ParseError, ParseTimeout
from summaries.fetch import Fetcher
from summaries.fulltext import FullTextExtractor
from summaries.ingest import IngestOptions, Ingestor
from summaries.parse import parse_feed
from summaries.sandbox import LaneLimits, Sandbox, SandboxLimits
from summaries.sources import make_source
from summaries.ssrf import AddressPolicy
from tests.conftest import FEEDS, FIXTURE_FEEDS, HAS_SHARED
from tests.summaries.conftest import TEST_LIMITS
from tests.summaries.feedserver import FeedServer

#: The document of issue 14: a bare "&" sends it to feedparser, then 2.5 M unclosed <a> (36 s, 699 MB there).
MALFORMED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>a & b</title>' + b"<a>" * 2_500_000
ORDINARY = b'<rss version="2.0"><channel><title>t</title><item><title>one</title></item></channel></rss>'
#: A page trafilatura needs minutes for: 8 MB of nested blocks.
HUGE_PAGE = b"<html><body>" + b"<div><p>word word word " * 400_000 + b"</body></html>"


def _workers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "summaries.sandbox_worker" in p.cmdline()]


def _gone(pid: int) -> bool:
    """The process has ended (SIGKILL takes effect within moments; 2 s is far beyond that)."""
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    _gone_now, alive = psutil.wait_procs([process], timeout=2)
    return not alive or process.status() == psutil.STATUS_ZOMBIE


async def test_a_document_past_its_wall_budget_is_stopped_not_abandoned() -> None:
    limits = SandboxLimits(feeds=LaneLimits(size=1, burst=1, wall=1.0, cpu=30.0))
    async with Sandbox(limits) as sandbox:
        with pytest.raises(ParseTimeout) as stopped:
            await sandbox.parse_feed(MALFORMED, budget=1.0)
        match = re.search(r"worker (\d+) was stopped", str(stopped.value))
        assert match is not None
        assert _gone(int(match.group(1)))  # killed when the caller heard of it, not running on in a thread
        assert (await sandbox.parse_feed(ORDINARY)).items[0].title == "one"  # a fresh worker took over


async def test_the_kernel_ends_a_task_over_its_cpu_allowance() -> None:
    # wall 60 s, CPU 1 s: only RLIMIT_CPU in the worker can end it this early
    limits = SandboxLimits(feeds=LaneLimits(size=1, burst=0, wall=60.0, cpu=1.0, headroom_mb=2048))
    async with Sandbox(limits) as sandbox:
        with pytest.raises(HostileFeed, match="CPU limit"):
            await sandbox.parse_feed(MALFORMED)
        assert (await sandbox.parse_feed(ORDINARY)).title == "t"


async def test_a_document_that_needs_too_much_memory_is_hostile() -> None:
    limits = SandboxLimits(feeds=LaneLimits(size=1, burst=0, wall=60.0, cpu=60.0, headroom_mb=24))
    async with Sandbox(limits) as sandbox:
        with pytest.raises(HostileFeed, match=r"memory|died"):
            await sandbox.parse_feed(MALFORMED)
        assert (await sandbox.parse_feed(ORDINARY)).title == "t"


async def _in_sandbox(sandbox: Sandbox, body: bytes) -> tuple[str, int, str]:
    try:
        feed = await sandbox.parse_feed(body, url="https://example.org/feed")
    except IngestError as exc:
        return type(exc).__name__, 0, ""
    return "ok", len(feed.items), feed.title


def _in_process(body: bytes) -> tuple[str, int, str]:
    try:
        feed = parse_feed(body, url="https://example.org/feed")
    except IngestError as exc:
        return type(exc).__name__, 0, ""
    return "ok", len(feed.items), feed.title


async def test_the_default_memory_allowance_fits_real_feeds_and_bigger_ones() -> None:
    """The feeds lane's allowance is small (a run's memory with hostile feeds is about the sum of the
    allowances), yet every real feed parses in the sandbox as it does in process, and so does a well-formed
    feed of 2.8 MB, four times the largest real one (0.7 MB, whose parse needs about 9 MB)."""
    files = sorted(FIXTURE_FEEDS.iterdir())
    if HAS_SHARED:
        files += sorted(p for p in FEEDS.iterdir() if p.suffix in (".xml", ".json"))
    biggest = max(files, key=lambda p: p.stat().st_size).read_bytes()
    head, _, rest = biggest.partition(b"<item>")
    items = b"<item>" + rest.rpartition(b"</channel>")[0]
    grown = head + items * (2_800_000 // len(items) + 1) + b"</channel></rss>"
    async with Sandbox() as sandbox:
        for body in [p.read_bytes() for p in files]:
            assert await _in_sandbox(sandbox, body) == _in_process(body)
        outcome = await _in_sandbox(sandbox, grown)
    assert outcome[0] == "ok" and outcome[1] >= 100


async def test_ordinary_documents_never_wait_behind_hostile_ones() -> None:
    finished: list[str] = []

    async def parse(name: str, body: bytes) -> None:
        with contextlib.suppress(ParseError):
            await sandbox.parse_feed(body)
        finished.append(name)

    # the hostile documents can end only at their wall budget (no CPU or memory limit comes first)
    feeds = LaneLimits(size=2, burst=2, wall=6.0, cpu=60.0, headroom_mb=1024, spare=1)
    async with Sandbox(SandboxLimits(feeds=feeds)) as sandbox:
        hostile = [asyncio.create_task(parse(f"hostile{i}", MALFORMED)) for i in range(2)]
        await asyncio.sleep(0)  # the hostile ones are first in line for the workers
        ordinary = [asyncio.create_task(parse(f"ordinary{i}", ORDINARY)) for i in range(20)]
        await asyncio.gather(*hostile, *ordinary)
    assert set(finished[:20]) == {f"ordinary{i}" for i in range(20)}  # all of them before any hostile one ended
    assert _workers() == []  # closing the sandbox ends its workers


async def test_an_ingest_run_with_hostile_sources_stores_every_ordinary_one(
    feed_server: FeedServer, redis_client: aioredis.Redis
) -> None:
    teaser = b'<rss version="2.0"><channel><title>Teasers</title>' + b"".join(
        b"<item><title>Teaser %d</title><link>%s</link><description>Short.</description></item>"
        % (i, feed_server.url(f"/huge{i}.html").encode())
        for i in range(3)
    ) + b"</channel></rss>"
    for i in range(3):
        feed_server.document(f"/huge{i}.html", HUGE_PAGE, content_type="text/html")
    sources = [make_source(feed_server.document("/malformed.xml", MALFORMED), name="malformed")]
    sources.append(make_source(feed_server.document("/teasers.xml", teaser), name="teasers"))
    for i in range(12):
        body = ORDINARY.replace(b"<title>one</title>", b"<title>Story %d</title><link>https://n.example/%d</link>"
                                % (i, i))  # fmt: skip
        sources.append(make_source(feed_server.document(f"/ok{i}.xml", body), name=f"ordinary {i}"))
    store = RedisArticleStore(redis_client)
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS) as fetcher, Sandbox() as sandbox:
        fulltext = FullTextExtractor(fetcher, store, sandbox)
        options = IngestOptions(full_text=True, parse_budget=3.0)
        report = await Ingestor(fetcher, store, store, options=options, fulltext=fulltext, sandbox=sandbox).run(
            sources
        )
    outcome = {o.source.name: (o.status, o.kind) for o in report.outcomes}
    assert outcome.pop("malformed") in {("failed", "parse_timeout"), ("failed", "hostile")}
    assert outcome == {s.name: ("ok", "") for s in sources[1:]}
    assert report.new == 12 + 3  # the teasers are stored with their feed text when their pages defeat the extractor
