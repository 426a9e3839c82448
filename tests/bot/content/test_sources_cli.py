"""``aitoday sources import`` merges by feed URL; moved feeds show in ``aitoday sources list``; ``aitoday
ingest`` feeds ``now`` at once and says so in one line when the network is unreachable. In-process CLI runs,
real Redis, loopback feeds."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli import main
from bot.demo import SampleFeeds
from summaries.sources import parse_opml
from tests.conftest import FIXTURE_FEEDS
from tests.summaries.feedserver import FeedServer

LISTED = [("Lab A", "https://a.example/feed.xml", "lab"), ("Paper B", "https://b.example/rss", "research")]


def _opml(rows: list[tuple[str, str, str]]) -> str:
    outlines = "".join(f'<outline type="rss" text="{name}" xmlUrl="{url}" category="{category}" language="en"/>'
                       for name, url, category in rows)
    return f'<opml version="2.0"><head><title>t</title></head><body>{outlines}</body></opml>'


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str) -> Path:
    """An operator's Redis and OPML list (two sources); loopback fetching allowed."""
    listed = tmp_path / "sources.opml"
    listed.write_text(_opml(LISTED))
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_url)
    monkeypatch.setenv("AITODAY_SOURCES", str(listed))
    monkeypatch.setenv("AITODAY_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("AITODAY_FULL_TEXT", "false")
    return listed


def _exported(capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[str, str]]:
    capsys.readouterr()
    assert main(["sources", "export"]) == 0
    return {s.feed_url: (s.name, s.category) for s in parse_opml(capsys.readouterr().out.encode())}


@pytest.mark.parametrize(("incoming", "replace", "said", "after"), [
    # a new feed and one already listed under another name and category: ours stay
    ([("EU Desk", "https://eu.example/rss", "policy"), ("A again", "https://a.example/feed.xml", "media")], False,
     "1 new, 1 already listed",
     {"https://a.example/feed.xml": ("Lab A", "lab"), "https://eu.example/rss": ("EU Desk", "policy")}),
    # the same with --replace: the file's name and category win
    ([("EU Desk", "https://eu.example/rss", "policy"), ("A again", "https://a.example/feed.xml", "media")], True,
     "1 new, 1 already listed (1 updated from the file)",
     {"https://a.example/feed.xml": ("A again", "media"), "https://eu.example/rss": ("EU Desk", "policy")}),
    # two new feeds, one listed, one of them twice in the file
    ([("N1", "https://n1.example/rss", "media"), ("N2", "https://n2.example/rss", "media"),
      ("N1 twice", "https://n1.example/rss", "media"), ("B", "https://b.example/rss", "lab")], False,
     "2 new, 1 already listed",
     {"https://b.example/rss": ("Paper B", "research"), "https://n1.example/rss": ("N1", "media")}),
    # everything already listed: nothing changes
    ([(n, u, "media") for n, u, _ in LISTED], False, "0 new, 2 already listed",
     {u: (n, c) for n, u, c in LISTED}),
])  # fmt: skip
def test_import_merges_by_feed_url(
    operator: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    incoming: list[tuple[str, str, str]], replace: bool, said: str, after: dict[str, tuple[str, str]],
) -> None:  # fmt: skip
    before = _exported(capsys)
    file = tmp_path / "incoming.opml"
    file.write_text(_opml(incoming))
    assert main(["sources", "import", str(file), *(["--replace"] if replace else [])]) == 0
    assert said in capsys.readouterr().out
    now = _exported(capsys)
    assert len(now) == len(before) + int(said.split(" new")[0])  # the count tells the truth
    for url, kept in after.items():
        assert now[url] == kept


@pytest.mark.parametrize("text", ["<opml><body><outline", "not xml at all", '<opml version="2.0"><body/></opml>',
                                  '<rss version="2.0"><channel/></rss>'])
def test_bad_opml_is_one_clear_line_and_changes_nothing(
    operator: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    before = _exported(capsys)
    file = tmp_path / "bad.opml"
    file.write_text(text)
    assert main(["sources", "import", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing was changed" in err and "Traceback" not in err
    assert _exported(capsys) == before


@pytest.fixture
async def moving_feed() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        new = server.document("/new.xml", (FIXTURE_FEEDS / "lab-news_rss2.xml").read_bytes())

        async def moved(_request: web.Request) -> web.Response:
            return web.Response(status=301, headers={"Location": new})

        server.route("/old.xml", moved)
        yield server


async def test_a_moved_feed_is_stored_after_two_answers_and_listed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str, moving_feed: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    listed = tmp_path / "sources.opml"
    listed.write_text(_opml([("Northwind", moving_feed.url("/old.xml"), "lab")]))
    for name, value in (("AITODAY_REDIS_URL", redis_url), ("AITODAY_SOURCES", str(listed)),
                        ("AITODAY_FETCH_ALLOW", "127.0.0.1"), ("AITODAY_FULL_TEXT", "false")):
        monkeypatch.setenv(name, value)
    new = moving_feed.url("/new.xml")
    assert await _in_thread(["ingest"]) == 0
    assert set(await asyncio.to_thread(_exported, capsys)) == {moving_feed.url("/old.xml")}  # one answer: not yet
    assert await _in_thread(["ingest", "--force"]) == 0
    assert f"moved for good: Northwind: {moving_feed.url('/old.xml')} -> {new}" in capsys.readouterr().out
    assert set(await asyncio.to_thread(_exported, capsys)) == {new}
    assert await _in_thread(["sources", "list"]) == 0
    listing = capsys.readouterr().out
    assert "1 moved (permanent redirect, confirmed twice)" in listing
    assert f"Northwind: {moving_feed.url('/old.xml')} -> {new}" in listing
    hits = moving_feed.hits["/old.xml"]
    assert await _in_thread(["ingest", "--force"]) == 0
    assert moving_feed.hits["/old.xml"] == hits  # fetched at its new address now


async def _in_thread(argv: list[str]) -> int:
    """``main`` runs its own event loop; the loopback feed server lives on this test's loop."""
    return await asyncio.to_thread(main, argv)


async def test_ingest_then_now_sends_the_fresh_digest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with SampleFeeds() as feeds:
        listed = tmp_path / "sources.opml"
        listed.write_text(feeds.opml())
        for name, value in (("AITODAY_REDIS_URL", redis_url), ("AITODAY_SOURCES", str(listed)),
                            ("AITODAY_FETCH_ALLOW", "127.0.0.1"), ("AITODAY_FULL_TEXT", "false")):
            monkeypatch.setenv(name, value)
        assert await _in_thread(["ingest"]) == 0
    capsys.readouterr()
    reader = ["chat", "--as", "email:reader@example.com"]
    assert await _in_thread([*reader, "subscribe"]) == 0
    assert await _in_thread([*reader, "now"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Today's digest is on its way."


def test_without_a_network_ingest_ends_with_its_table_and_one_line(
    operator: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on: every connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    operator.write_text(_opml([(f"Feed {i}", f"http://127.0.0.1:{port}/{i}.xml", "media") for i in range(5)]))
    assert main(["ingest"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.rstrip().splitlines()
    assert "ingest summary" in captured.out
    assert lines[-1].startswith("The network looks unreachable: none of the 5 sources answered")
    assert "✗" not in captured.out  # no line per source
    assert "Traceback" not in captured.err and "never retrieved" not in captured.err
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
