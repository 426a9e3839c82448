"""Ingest benchmark: 300 sources on loopback, cold and warm runs, against a sequential feedparser loop.

    python bench/ingest.py --sources 300 --json

A server process serves shared/feeds replicated to N sources, one loopback port per source (so per-origin
limits apply as on the internet), with 50–300 ms latency per request, ETag/Last-Modified, and ~5 % of the
sources failing in different fast ways (500, 404, 429 with Retry-After, HTML instead of a feed, empty body,
connection refused, redirect loop, gzip bomb). This process runs the production ``bot.content.ingest_run.run_ingest``
against an embedded Redis: a cold run, then three warm runs (every healthy source answers 304, failing ones
are backing off; ``warm_s`` is their median). In the same run it times a plain sequential
``feedparser.parse(url)`` loop over the same URLs, and the parse speed of both parsers over the corpus.
Slow failures (stalls, drips) are left to tests/summaries/test_hostile.py: here they would only measure the
15 s deadline. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import multiprocessing
import random
import resource
import socket
import sys
import tempfile
import time
from email.utils import formatdate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.redis_server import EmbeddedRedis  # noqa: E402
from bot.runtime import open_runtime  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from summaries.errors import ParseError  # noqa: E402
from summaries.parse import parse_feed  # noqa: E402
from summaries.sources import make_source  # noqa: E402

FEEDS = ROOT.parent / "shared" / "feeds"
FAILURES = ("http_500", "http_404", "rate_limited", "html", "empty", "refused", "redirect_loop", "gzip_bomb")


def corpus() -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes()) for p in FEEDS.iterdir() if p.name != "README.md")


def plan(count: int, fail_every: int) -> list[tuple[str, str]]:
    """(failure kind or "", document name) per source index."""
    docs = corpus()
    out: list[tuple[str, str]] = []
    failures = 0
    for i in range(count):
        failing = i % fail_every == fail_every // 2
        kind = FAILURES[failures % len(FAILURES)] if failing else ""
        failures += failing
        out.append((kind, docs[i % len(docs)][0]))
    return out


# ---------------------------------------------------------------------------------------------- server process


def _serve(count: int, fail_every: int, lat_min: float, lat_max: float, conn: Connection) -> None:
    asyncio.run(_serve_async(count, fail_every, lat_min, lat_max, conn))


def _http(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    if not status.startswith("304"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Origin(asyncio.Protocol):
    """One simulated site: a minimal HTTP/1.1 server (keep-alive, GET only) answering after a delay.

    Deliberately small: the simulated internet must not eat the CPU that the client under test needs.
    """

    def __init__(self, answer: Any, delay: Any) -> None:
        self._answer = answer
        self._delay = delay
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while b"\r\n\r\n" in self._buffer:
            head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            response = self._answer(headers)
            close = headers.get("connection", "").lower() == "close"
            asyncio.get_running_loop().call_later(self._delay(), self._send, response, close)

    def _send(self, response: bytes, close: bool) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(response)
            if close:
                self._transport.close()


async def _serve_async(count: int, fail_every: int, lat_min: float, lat_max: float, conn: Connection) -> None:
    docs = dict(corpus())
    layout = plan(count, fail_every)
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    modified = formatdate(1_700_000_000, usegmt=True)
    rng = random.Random(42)
    loop = asyncio.get_running_loop()

    def delay() -> float:
        return rng.uniform(lat_min, lat_max)

    def answerer(kind: str, name: str, port: int) -> Any:
        fixed = {
            "http_500": _http("500 Internal Server Error", {"Content-Type": "text/plain"}, b"internal error"),
            "http_404": _http("404 Not Found", {"Content-Type": "text/plain"}, b"not found"),
            "rate_limited": _http("429 Too Many Requests", {"Retry-After": "3600"}, b"slow down"),
            "html": _http("200 OK", {"Content-Type": "text/html"}, b"<!DOCTYPE html><html><body>JS!</body></html>"),
            "empty": _http("200 OK", {"Content-Type": "application/rss+xml"}),
            "redirect_loop": _http("302 Found", {"Location": f"http://127.0.0.1:{port}/{name}"}),
            "gzip_bomb": _http("200 OK", {"Content-Type": "application/xml", "Content-Encoding": "gzip"}, bomb),
        }.get(kind)
        body = docs[name]
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        ctype = "application/feed+json" if name.endswith(".json") else "application/xml"
        full = _http("200 OK", {"Content-Type": ctype, "ETag": etag, "Last-Modified": modified}, body)
        not_modified = _http("304 Not Modified", {"ETag": etag, "Last-Modified": modified})

        def answer(headers: dict[str, str]) -> bytes:
            if fixed is not None:
                return fixed
            if headers.get("if-none-match") == etag or headers.get("if-modified-since") == modified:
                return not_modified
            return full

        return answer

    urls: list[str] = []
    servers: list[asyncio.Server] = []
    refusing: list[socket.socket] = []  # bound, never listening: connections are refused, the port stays ours
    for kind, name in layout:
        if kind == "refused":
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            refusing.append(probe)
            port = probe.getsockname()[1]
        else:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            answer = answerer(kind, name, port)
            servers.append(
                await loop.create_server(lambda a=answer: _Origin(a, delay), "127.0.0.1", port, backlog=256)
            )
        urls.append(f"http://127.0.0.1:{port}/{name}")
    conn.send(urls)
    await asyncio.Event().wait()


# ---------------------------------------------------------------------------------------------- measurements


def parse_speeds() -> dict[str, float]:
    """MB/s of the fast path (as used in ingest) and of feedparser over the whole corpus."""
    docs = [body for _name, body in corpus()]
    size = sum(len(b) for b in docs) / 1e6
    started = time.perf_counter()
    for _ in range(3):
        for body in docs:
            with contextlib.suppress(ParseError):
                parse_feed(body)
    fast = 3 * size / (time.perf_counter() - started)
    started = time.perf_counter()
    for body in docs:
        feedparser.parse(body)
    slow = size / (time.perf_counter() - started)
    return {"fast_path_mb_s": round(fast, 1), "feedparser_mb_s": round(slow, 1)}


def baseline(urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        feedparser.parse(url)
    return time.perf_counter() - started


async def ingest_runs(urls: list[str], redis_url: str) -> dict[str, Any]:
    from bot.content.ingest_run import run_ingest

    settings = load_settings(
        env={"AITODAY_REDIS_URL": redis_url, "AITODAY_FETCH_ALLOW": "127.0.0.1", "AITODAY_FULL_TEXT": "false"}
    )
    sources = [make_source(url, name=f"bench {i}") for i, url in enumerate(urls)]
    async with open_runtime(settings) as runtime:
        cpu = time.process_time()
        cold = (await run_ingest(runtime, sources=sources, editions=False)).report  # fetching alone
        cold_cpu = time.process_time() - cpu
        warm_runs = []
        warm_cpu = []
        for _ in range(3):
            cpu = time.process_time()
            warm_runs.append((await run_ingest(runtime, sources=sources, editions=False)).report)
            warm_cpu.append(time.process_time() - cpu)
        stored = await runtime.redis.zcard("aitoday:v1:{a}:articles")
    warm = sorted(warm_runs, key=lambda r: r.elapsed)[1]  # the median of three: other work shares the cores
    return {
        "cold_s": round(cold.elapsed, 3),
        "warm_s": round(warm.elapsed, 3),
        "warm_runs_s": [round(r.elapsed, 3) for r in warm_runs],
        "cpu_s": {"cold": round(cold_cpu, 3), "warm": round(sorted(warm_cpu)[1], 3)},
        "articles": int(stored),
        "failures": dict(sorted(cold.failures.items())),
        "cold": {"ok": cold.count("ok"), "failed": cold.count("failed"), "bytes": cold.bytes},
        "warm": {"not_modified": warm.count("not_modified"), "deferred": warm.count("deferred"),
                 "ok": warm.count("ok"), "failed": warm.count("failed")},
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--fail-every", type=int, default=20, help="one failing source in N (20: 5 %%)")
    parser.add_argument("--latency", type=float, nargs=2, default=(0.05, 0.3), metavar=("MIN", "MAX"))
    parser.add_argument("--skip-baseline", action="store_true", help="do not time the feedparser loop")
    parser.add_argument("--json", action="store_true", help="print only the JSON object (the default output)")
    args = parser.parse_args()
    if not FEEDS.is_dir():
        print(json.dumps({"error": f"the feed corpus {FEEDS} is missing (this bench replays ../shared/feeds)"}))
        return 2

    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(
        target=_serve, args=(args.sources, args.fail_every, args.latency[0], args.latency[1], theirs), daemon=True
    )
    server.start()
    if not ours.poll(60):  # the origin server died or hangs: say so instead of waiting for ever
        server.kill()
        print(json.dumps({"error": "the feed server did not start within 60 s"}))
        return 2
    urls: list[str] = ours.recv()
    from bench.hostile import TreeSampler  # the process tree: the sandbox's workers parse, not this process

    assert server.pid is not None
    sampler = TreeSampler(exclude=server.pid)
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        redis = EmbeddedRedis(Path(tmp))
        try:
            result = asyncio.run(ingest_runs(urls, redis.start()))
        finally:
            redis.stop()
            sampler.stop()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    baseline_s = None if args.skip_baseline else round(baseline(urls), 3)
    server.terminate()
    server.join()
    out = {
        "cold_s": result["cold_s"],
        "warm_s": result["warm_s"],
        "peak_rss_mb": round(peak_rss_mb, 1),
        "tree_peak_pss_mb": round(sampler.peak_pss / 2**20, 1),
        "tree_peak_rss_sum_mb": round(sampler.peak_rss / 2**20, 1),
        "articles": result["articles"],
        "failures": result["failures"],
        "baseline_sequential_s": baseline_s,
        "speedup": round(baseline_s / result["cold_s"], 1) if baseline_s else None,
        "sources": args.sources,
        "cold": result["cold"],
        "warm": result["warm"],
        "warm_runs_s": result["warm_runs_s"],
        "cpu_s": result["cpu_s"],
        "parse": parse_speeds(),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
