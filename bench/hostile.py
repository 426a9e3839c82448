"""Hostile-source benchmark: hostile documents beside ordinary sources, one production ingest run.

    python bench/hostile.py --normal 20

A server process (the simulated internet, not measured) serves, one loopback port per source, with
20–100 ms latency:

* ``--normal`` ordinary RSS sources: 10 items each, three of them teasers whose article page (about 20 KB of
  HTML) is fetched and extracted because full text is on;
* the hostile documents of issue 14 and one of ours:
  ``malformed_rss_7_5mb``   a bare ``&`` (so lxml refuses it and feedparser gets it), then 2.5 M unclosed ``<a>``
  ``entity_bomb_in_comment`` ``<!-- <rss -->`` in the internal subset hides ``<!ENTITY`` from a naive check
  ``huge_pages``            a feed of three teasers whose pages are 8 MB of nested blocks (trafilatura: minutes)
  ``json_2m_items``          a 10 MB JSON Feed of two million empty items (ours: json.loads needs ~500 MB)

This process runs ``bot.content.ingest.run_ingest`` (full text on) against an embedded Redis and samples,
every 50 ms, the resident memory of its whole process tree (itself, the embedded Redis, the sandbox
workers; the server process excluded): the sum of RSS, and of PSS (shared pages counted once, the honest
total). Prints one JSON object: whether every ordinary source ingested, the wall time, the memory peaks
and each hostile source's outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import _http, _Origin  # noqa: E402
from bot.runtime import open_runtime  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from summaries.sources import make_source  # noqa: E402

HOSTILE = ("malformed_rss_7_5mb", "entity_bomb_in_comment", "huge_pages", "json_2m_items")
_WORDS = ["the", "model", "reads", "long", "documents", "and", "answers", "questions", "about", "them", "with",
          "citations", "to", "each", "page"]  # fmt: skip


def _prose(seed: int, words: int) -> str:
    return " ".join(_WORDS[(seed + i * 7) % len(_WORDS)] for i in range(words))


def _ordinary_feed(index: int, page_url: str) -> bytes:
    items = []
    for i in range(10):
        teaser = i < 3
        text = _prose(index + i, 12 if teaser else 260)
        link = f"{page_url}?story={i}" if teaser else f"https://news{index}.example.com/{i}"
        items.append(
            f"<item><title>Source {index} story {i}: {_prose(i, 6)}</title><link>{link}</link>"
            f"<guid>s{index}-{i}</guid><pubDate>{time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}"
            f"</pubDate><description>{text}</description></item>"
        )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Source {index}</title>'
            + "".join(items) + "</channel></rss>").encode()  # fmt: skip


def _article_page(seed: int) -> bytes:
    paragraphs = "".join(f"<p>{_prose(seed + i, 60)}.</p>" for i in range(12))
    nav = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(80))
    return (f"<html><head><title>Story {seed}</title></head><body><nav><ul>{nav}</ul></nav><article>"
            f"<h1>Story {seed}</h1>{paragraphs}</article><footer>{nav}</footer></body></html>").encode()  # fmt: skip


def _malformed_rss() -> bytes:
    return b'<?xml version="1.0"?><rss version="2.0"><channel><title>a & b</title>' + b"<a>" * 2_500_000


def _entity_bomb() -> bytes:
    levels = ['<!ENTITY a0 "' + "x" * 40 + '">']
    levels += [f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!-- <rss -->\n{chr(10).join(levels)}\n]>\n'
            '<rss version="2.0"><channel><title>&a9;</title><item><title>&a9;</title></item></channel></rss>').encode()


def _huge_page() -> bytes:
    return b"<html><body>" + b"<div><p>word word word " * 400_000 + b"</body></html>"


def _json_items() -> bytes:
    return b'{"version": "https://jsonfeed.org/version/1", "title": "t", "items": [' + b",".join(
        [b"{}"] * 2_000_000
    ) + b"]}"


# ---------------------------------------------------------------------------------------------- server process


def _serve(normal: int, conn: Connection) -> None:
    asyncio.run(_serve_async(normal, conn))


async def _serve_async(normal: int, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    import random

    rng = random.Random(14)

    def delay() -> float:
        return rng.uniform(0.02, 0.1)

    async def listen(answer: Any) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        await loop.create_server(lambda: _Origin(answer, delay), "127.0.0.1", port, backlog=256)
        return port

    def fixed(ctype: str, body: bytes) -> Any:
        response = _http("200 OK", {"Content-Type": ctype}, body)
        return lambda _headers: response

    pages: dict[int, str] = {}
    huge = _huge_page()
    urls: dict[str, str] = {}
    for i in range(normal):
        page_port = await listen(fixed("text/html; charset=utf-8", _article_page(i)))
        pages[i] = f"http://127.0.0.1:{page_port}/story"
        port = await listen(fixed("application/rss+xml", _ordinary_feed(i, pages[i])))
        urls[f"normal {i}"] = f"http://127.0.0.1:{port}/feed.xml"
    huge_port = await listen(fixed("text/html", huge))
    teasers = b'<rss version="2.0"><channel><title>Huge pages</title>' + b"".join(
        b"<item><title>Teaser %d</title><link>http://127.0.0.1:%d/huge/%d</link><description>Short.</description>"
        b"</item>" % (i, huge_port, i)
        for i in range(3)
    ) + b"</channel></rss>"
    documents = {
        "malformed_rss_7_5mb": ("application/rss+xml", _malformed_rss()),
        "entity_bomb_in_comment": ("application/rss+xml", _entity_bomb()),
        "huge_pages": ("application/rss+xml", teasers),
        "json_2m_items": ("application/feed+json", _json_items()),
    }
    for name, (ctype, body) in documents.items():
        urls[name] = f"http://127.0.0.1:{await listen(fixed(ctype, body))}/{name}"
    conn.send((urls, [f"http://127.0.0.1:{huge_port}/huge/{i}" for i in range(3)]))
    await asyncio.Event().wait()


# ---------------------------------------------------------------------------------------------- measurement


class TreeSampler(threading.Thread):
    """Peak RSS and PSS of this process and its descendants, minus ``exclude``'s subtree, every 50 ms."""

    def __init__(self, exclude: int) -> None:
        super().__init__(daemon=True)
        self._exclude = exclude
        self._halt = threading.Event()
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.at_peak: dict[str, float] = {}

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.is_set():
            rss = pss = count = 0
            parts: dict[str, float] = {}
            for process in [me, *me.children(recursive=True)]:
                try:
                    if process.pid == self._exclude or self._exclude in {p.pid for p in process.parents()}:
                        continue
                    info = process.memory_full_info()
                    label = _label(process, me)
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
                count += 1
                parts[label] = parts.get(label, 0.0) + round(getattr(info, "pss", info.rss) / 2**20, 1)
            if pss > self.peak_pss:
                self.at_peak = parts
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, count)
            self._halt.wait(0.05)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _label(process: psutil.Process, me: psutil.Process) -> str:
    if process.pid == me.pid:
        return "service"
    command = " ".join(process.cmdline())
    if "sandbox_worker" in command:
        return "worker " + ("pages" if " pages " in command else "feeds")
    return "redis" if "redis" in command else process.name()


async def ingest(urls: dict[str, str], huge_urls: list[str], data_dir: Path) -> dict[str, Any]:
    from bot.content.ingest_run import run_ingest
    from bot.store.articles import RedisArticleStore

    settings = load_settings(
        env={"AITODAY_DATA_DIR": str(data_dir), "AITODAY_FETCH_ALLOW": "127.0.0.1", "AITODAY_FULL_TEXT": "true"}
    )
    sources = [make_source(url, name=name) for name, url in urls.items()]
    async with open_runtime(settings) as runtime:
        started = time.perf_counter()
        report = (await run_ingest(runtime, sources=sources, editions=False)).report
        wall = time.perf_counter() - started
        store = RedisArticleStore(runtime.redis)
        huge_texts = [await store.get_text(url) for url in huge_urls]
    by_name = {o.source.name: o for o in report.outcomes}
    normal = [o for name, o in by_name.items() if name.startswith("normal ")]
    hostile = []
    for name in HOSTILE:
        o = by_name[name]
        row = {"source": name, "status": o.status, "kind": o.kind, "message": o.message[:160],
               "elapsed_s": round(o.elapsed, 2)}  # fmt: skip
        if name == "huge_pages":
            row["pages_extracted"] = sum(1 for t in huge_texts if t)
            row["pages_refused_or_stopped"] = sum(1 for t in huge_texts if not t)
        hostile.append(row)
    return {
        "wall_s": round(wall, 2),
        "normal_ok": sum(1 for o in normal if o.status == "ok"),
        "normal_failed": {o.source.name: o.kind for o in normal if o.status != "ok"},
        "normal_slowest_s": round(max((o.elapsed for o in normal), default=0.0), 2),
        "new_articles": report.new,
        "hostile": hostile,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normal", type=int, default=20, help="ordinary sources beside the hostile ones")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(args.normal, theirs), daemon=True)
    server.start()
    urls, huge_urls = ours.recv()
    assert server.pid is not None
    sampler = TreeSampler(exclude=server.pid)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        sampler.start()
        try:
            result = asyncio.run(ingest(urls, huge_urls, Path(tmp)))
        finally:
            sampler.stop()
    server.terminate()
    server.join()
    out = {
        "normal_sources": args.normal,
        "all_normal_ingested": result["normal_ok"] == args.normal,
        "wall_s": result["wall_s"],
        "tree_peak_pss_mb": round(sampler.peak_pss / 2**20, 1),
        "tree_peak_rss_sum_mb": round(sampler.peak_rss / 2**20, 1),
        "tree_peak_processes": sampler.peak_processes,
        "pss_mb_at_peak": {k: round(v, 1) for k, v in sampler.at_peak.items()},
        "within_budget": result["normal_ok"] == args.normal and result["wall_s"] <= 20
        and sampler.peak_pss <= 300 * 2**20,
        **{k: v for k, v in result.items() if k != "wall_s"},
        "loadavg_1m_at_start": round(load[0], 2),
        "cpus": os.cpu_count(),
    }  # fmt: skip
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
