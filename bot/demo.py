"""The demo: the whole pipeline on bundled sample feeds, offline, so a newcomer sees real cards in a minute.

The sample feeds (``summaries/data/samples/``) were written for the project: six fictional outlets telling an
AI-news day of 25 items, several stories told by three or four of them, one outlet in Japanese. They are
served by ``SampleFeeds``, a loopback HTTP server, and fetched through the real fetcher (with loopback allowed
by ``AITODAY_FETCH_ALLOW``), parsed, deduplicated, clustered, summarized and built into editions exactly as
the 315 real sources are. Item dates are written as ``@ago:Nh:rfc822@`` / ``@ago:Nh:iso@`` and filled in
when served, so the demo's stories are always today's.

Two entry points:

* ``aitoday demo`` (``bot.cli.demo``) runs the pipeline in a data dir of its own, then subscribes a demo
  reader on the console and by email (the outbox), delivers, and keeps serving.
* ``seed_sample_editions`` lets ``aitoday run`` show cards on a fresh machine without internet: it runs the
  pipeline in a throw-away embedded Redis and keeps only the finished editions, under their own key
  (``keys.sample_edition``), never as real editions and with no sample article in the real store. The pages
  show them, labelled as samples, only while no real edition has stories.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import socket
import tempfile
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Services
from bot.content.editions import latest_edition
from bot.content.ingest_run import run_ingest
from bot.delivery.worker import run_worker
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.store.articles import RedisArticleStore
from bot.store.delivery_log import DeliveryLog, LogEntry
from bot.store.edition_store import EditionStore
from bot.store.models import Identity
from summaries.ingest import IngestReport
from summaries.models import Edition, Source
from summaries.sources import parse_opml, read_sample, sample_names

__all__ = [
    "DEMO_READERS",
    "DemoEditions",
    "SampleFeeds",
    "deliver_to_demo_readers",
    "demo_settings",
    "render_sample",
    "run_pipeline",
    "seed_for_first_run",
    "seed_sample_editions",
]

log = logging.getLogger(__name__)

#: Who the demo subscribes: the terminal, and a mailbox whose mail lands in the outbox as .eml files.
DEMO_READERS = ("console:demo", "email:reader@example.com")

_AGO = re.compile(r"@ago:(\d+(?:\.\d+)?)h:(rfc822|iso)@")
_CONTENT_TYPES = {".xml": "application/xml; charset=utf-8", ".opml": "text/x-opml; charset=utf-8"}


def render_sample(name: str, *, base_url: str, now: datetime) -> str:
    """A sample file as served at ``now``: relative dates filled in, ``@base@`` replaced by ``base_url``."""
    text = read_sample(name)

    def when(match: re.Match[str]) -> str:
        moment = now - timedelta(hours=float(match.group(1)))
        return format_datetime(moment, usegmt=True) if match.group(2) == "rfc822" else moment.isoformat()

    return _AGO.sub(when, text).replace("@base@", base_url)


class SampleFeeds:
    """The sample feeds on a loopback port, for as long as the ``async with`` block runs."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self.base_url = ""

    async def __aenter__(self) -> SampleFeeds:
        names = set(sample_names())

        async def serve(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in names:
                return PlainTextResponse("not found", status_code=404)
            now = self._now or datetime.now(UTC)
            body = render_sample(name, base_url=self.base_url, now=now)
            return Response(body, media_type=_CONTENT_TYPES.get(Path(name).suffix, "text/plain"))

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        self._socket = sock
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = Starlette(routes=[Route("/{name}", serve, methods=["GET"])])
        config = uvicorn.Config(app, lifespan="off", access_log=False, log_config=None, log_level="warning")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket is not None:
            self._socket.close()

    def opml(self) -> str:
        """The demo's source list (OPML), pointing at this server."""
        return render_sample("sources.opml", base_url=self.base_url, now=datetime.now(UTC))

    def sources(self) -> list[Source]:
        """The demo's sources, pointing at this server."""
        return parse_opml(self.opml())


def demo_settings(settings: Settings, data_dir: Path) -> Settings:
    """``settings`` for a demo run: its own embedded Redis under ``data_dir``, loopback fetching allowed,
    no article-page fetching (the samples carry their full text), the outbox for mail."""
    allow = ",".join(filter(None, [settings.fetch_allow, "127.0.0.1"]))
    return settings.model_copy(update={
        "redis_url": None, "data_dir": data_dir, "fetch_allow": allow, "full_text": False,
        "smtp_host": None, "llm_base_url": None,
    })


@dataclasses.dataclass(frozen=True, slots=True)
class DemoEditions:
    """What one pipeline run made: the ingest report and today's edition per language."""

    report: IngestReport
    editions: dict[str, Edition]


async def run_pipeline(runtime: Runtime, *, feeds: SampleFeeds | None = None, day: date | None = None
                       ) -> DemoEditions:
    """Ingest the samples into ``runtime``'s Redis and build (and store) today's editions.

    ``feeds`` is a running ``SampleFeeds``; without one, a server runs just for this ingest.
    """
    if feeds is None:
        async with SampleFeeds() as own:
            return await run_pipeline(runtime, feeds=own, day=day)
    made = await run_ingest(runtime, sources=feeds.sources(), force=True, day=day)  # the scheduler's own path
    return DemoEditions(report=made.report, editions=made.editions)


async def deliver_to_demo_readers(services: Services, *, wait_seconds: float = 30.0) -> dict[str, str]:
    """Subscribe the demo readers and send them today's digest through the real delivery path.

    Each reader types ``subscribe`` then ``now`` (the command language, as on any channel); ``now`` queues a
    delivery on the stream and a worker sends it and records it in the delivery log. Returns, per reader,
    the outcome as the delivery log has it (or the bot's reply when nothing was queued).
    """
    identities = [Identity.parse(text) for text in DEMO_READERS]
    replies: dict[str, str] = {}
    for identity in identities:
        await services.commands.handle(identity, "subscribe")
        reply = await services.commands.handle(identity, "now")
        replies[identity.sid] = reply.text
    delivery_log = DeliveryLog(services.runtime.redis)
    worker = asyncio.create_task(run_worker(services, name="demo"))
    results: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    try:
        while len(results) < len(identities) and loop.time() < deadline and not worker.done():
            for identity, text in zip(identities, DEMO_READERS, strict=True):
                entries = await delivery_log.read(identity.sid)
                if text not in results and entries and _settled(entries[0]):
                    results[text] = _describe(entries[0])
            await asyncio.sleep(0.05)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    for identity, text in zip(identities, DEMO_READERS, strict=True):
        results.setdefault(text, replies[identity.sid])
    return results


def _settled(entry: LogEntry) -> bool:
    return entry.outcome.value not in ("rate_limited", "transient", "ambiguous")


def _describe(entry: LogEntry) -> str:
    text = entry.outcome.value
    if entry.provider_message_id:
        text += f" ({entry.provider_message_id})"
    return text + (f": {entry.detail}" if entry.detail else "")


async def seed_sample_editions(runtime: Runtime) -> bool:
    """On a store with no articles and no edition with stories, keep the demo's editions. True if seeded.

    The pipeline runs in a throw-away embedded Redis; only the finished editions are kept, under
    ``keys.sample_edition``, so real ingestion starts from an empty article store and the pages switch to the
    first real edition that has stories.
    """
    if await RedisArticleStore(runtime.redis).article_count() > 0:
        return False
    latest = await latest_edition(runtime, "en")
    if latest is not None and latest.stories:
        return False
    with tempfile.TemporaryDirectory(prefix="aitoday-demo-") as scratch:
        settings = demo_settings(runtime.settings, Path(scratch))
        async with open_runtime(settings) as demo:
            made = await run_pipeline(demo)
    for edition in made.editions.values():
        await EditionStore(runtime.redis).save_sample(edition)
    log.info("no articles yet: the pages show the demo's sample edition (%d stories) until a real one is built",
             len(made.editions["en"].stories))
    return True


async def seed_for_first_run(runtime: Runtime) -> bool:
    """``aitoday run``'s call: seed the sample editions on a fresh store; a failure is logged, never fatal."""
    try:
        return await seed_sample_editions(runtime)
    except Exception:  # the service must start even if the demo cannot (a broken sample, no loopback)
        log.warning("could not prepare the demo's sample edition; the pages stay empty until the first ingest",
                    exc_info=True)
        return False
