"""``aitoday ingest`` and ``aitoday sources`` as an operator runs them, against loopback feeds and real Redis."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bot.cli import main
from bot.content.ingest_run import run_ingest
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.articles import RedisArticleStore
from bot.store.client import RedisClient
from summaries.sources import make_source, parse_opml
from tests.conftest import FIXTURE_FEEDS

#: The project's own feeds (tests/fixtures/feeds): 6 RSS items, 4 Atom entries, 3 Japanese items.
SERVED = {
    "/openai.xml": "lab-news_rss2.xml",
    "/deepmind.xml": "research-blog_atom.xml",
    "/ledge.xml": "ja-news_rss2_no-guid.xml",
}


class _Feeds(BaseHTTPRequestHandler):
    """Serves the corpus with ETags; /teaser.xml and /article.html exercise full-text extraction."""

    pages: ClassVar[dict[str, tuple[bytes, str]]] = {}

    def do_GET(self) -> None:
        found = self.pages.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        body, ctype = found
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_site() -> Iterator[str]:
    pages = {path: ((FIXTURE_FEEDS / name).read_bytes(), "application/rss+xml") for path, name in SERVED.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    article = (
        "<html><head><title>Teaser story</title></head><body><nav>Home | About</nav><article><h1>Teaser story</h1>"
        + "".join(
            f"<p>Paragraph {i} explains how the new model was trained, evaluated and released to researchers "
            "around the world, and what the lab plans to publish next.</p>"
            for i in range(12)
        )
        + "</article><footer>Copyright</footer></body></html>"
    ).encode()
    teaser = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title><item><title>Teaser story</title>'
        f"<link>{base}/article.html</link><description>Read more.</description></item>"
        f"<item><title>Old teaser</title><link>{base}/old.html</link><description>Old.</description>"
        "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item></channel></rss>"
    ).encode()
    pages["/article.html"] = (article, "text/html; charset=utf-8")
    pages["/teaser.xml"] = (teaser, "application/rss+xml")
    handler = type("Feeds", (_Feeds,), {"pages": pages})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def operator_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str, feed_site: str) -> Path:
    """An operator's settings: their Redis, their OPML list of three loopback feeds, loopback allowed."""
    opml = tmp_path / "sources.opml"
    outlines = "".join(
        f'<outline type="rss" text="{name}" xmlUrl="{feed_site}{path}" category="{cat}" language="{lang}"/>'
        for (path, name), (cat, lang) in zip(
            [("/openai.xml", "OpenAI News"), ("/deepmind.xml", "DeepMind"), ("/ledge.xml", "Ledge.ai")],
            [("lab", "en"), ("lab", "en"), ("japan", "ja")],
            strict=True,
        )
    )
    opml.write_text(f'<opml version="2.0"><head><title>t</title></head><body>{outlines}</body></opml>')
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_url)
    monkeypatch.setenv("AITODAY_SOURCES", str(opml))
    monkeypatch.setenv("AITODAY_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("AITODAY_FULL_TEXT", "false")
    return opml


def test_ingest_shows_a_summary_and_then_everything_is_not_modified(
    operator_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest"]) == 0
    first = capsys.readouterr().out
    assert "ingest summary" in first
    assert _row(first, "ok") == "3" and _row(first, "new articles") == str(6 + 4 + 3)

    assert main(["ingest"]) == 0
    second = capsys.readouterr().out
    assert _row(second, "not modified") == "3" and _row(second, "new articles") == "0"

    assert main(["sources", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.count(" ok ") == 3 and "japan" in listing
    openai_row = next(line for line in listing.splitlines() if "OpenAI News" in line)
    assert " 6 " in openai_row  # its items


def test_a_failing_source_is_named_and_backs_off(
    operator_env: Path, feed_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", "add", f"{feed_site}/missing.xml", "--name", "Gone Blog"]) == 0
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "failed: http_4xx") == "1" and "Gone Blog: http_4xx: HTTP 404" in out
    assert main(["ingest"]) == 0
    assert _row(capsys.readouterr().out, "deferred (backing off)") == "1"
    assert main(["sources", "list"]) == 0
    assert "failing" in capsys.readouterr().out


def test_loopback_is_refused_unless_allowed(
    operator_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AITODAY_FETCH_ALLOW")
    assert main(["ingest"]) == 1  # every source failed
    out = capsys.readouterr().out
    assert _row(out, "failed: blocked") == "3"


def test_sources_add_remove_import_export(
    operator_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", "add", "https://blog.example.com/feed.xml", "--category", "research"]) == 0
    assert "added: blog.example.com" in capsys.readouterr().out
    assert main(["sources", "add", "ftp://nope"]) == 2
    assert "not an http(s) feed URL" in capsys.readouterr().err
    assert main(["sources", "remove", "DeepMind"]) == 0
    assert main(["sources", "remove", "No Such Source"]) == 2

    other = tmp_path / "other.opml"
    other.write_text(
        '<opml version="2.0"><body><outline text="Policy" category="policy">'
        '<outline type="rss" text="EU AI Office" xmlUrl="https://policy.example.eu/rss" language="en"/>'
        "</outline></body></opml>"
    )
    assert main(["sources", "import", str(other)]) == 0
    assert "1 new, 0 already listed" in capsys.readouterr().out

    exported = tmp_path / "out.opml"
    assert main(["sources", "export", "-o", str(exported)]) == 0
    sources = {s.name: s for s in parse_opml(exported.read_bytes())}
    assert set(sources) == {"OpenAI News", "Ledge.ai", "blog.example.com", "EU AI Office"}
    assert sources["EU AI Office"].category == "policy" and sources["Ledge.ai"].language == "ja"
    assert sources["blog.example.com"].category == "research"


def test_hostile_opml_import_is_refused_in_one_line(
    operator_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.opml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/rss"/></body></opml>'
    )
    assert main(["sources", "import", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and err.count("\n") == 1
    assert main(["sources", "import", str(tmp_path / "absent.opml")]) == 2


def test_bundled_list_is_the_default(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_url)
    assert main(["sources", "export"]) == 0
    sources = parse_opml(capsys.readouterr().out.encode())
    assert len(sources) == 315
    assert sum(1 for s in sources if s.language == "ja") == 47
    assert {s.category for s in sources} == {"lab", "research", "newsletter", "media", "community", "policy", "japan"}


async def test_teasers_get_the_page_text(
    redis_client: RedisClient, redis_url: str, feed_site: str
) -> None:
    settings = load_settings(
        env={"AITODAY_REDIS_URL": redis_url, "AITODAY_FETCH_ALLOW": "127.0.0.1", "AITODAY_FULL_TEXT": "true"}
    )
    runtime = Runtime(settings=settings, redis=redis_client, redis_url=redis_url)
    report = (await run_ingest(runtime, sources=[make_source(f"{feed_site}/teaser.xml", name="Teasers")])).report
    assert report.new == 2
    store = RedisArticleStore(redis_client)
    stored = (await store.recent_articles(datetime(2025, 1, 1, tzinfo=UTC)))[0]
    assert await store.get_text(f"{feed_site}/old.html") is None  # too old to be worth a page fetch
    assert "Paragraph 0 explains how the new model was trained" in stored.text
    assert "Home | About" not in stored.text and stored.word_count > 200 and stored.reading_minutes == 2
    assert stored.html == "Read more."  # the feed's own (sanitized) HTML is kept


def _row(output: str, label: str) -> str:
    """The number in the summary table row named ``label``."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃| ").split("│")]
        if len(cells) == 2 and cells[0] == label:
            return cells[1]
    raise AssertionError(f"no row {label!r} in:\n{output}")
