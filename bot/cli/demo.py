"""``aitoday demo``: the whole pipeline offline on the bundled sample feeds, then the site, kept serving.

The demo keeps its own data dir (``<data dir>/demo``) and its own embedded Redis, whatever
``AITODAY_REDIS_URL`` says, so trying it can never write sample stories into a real deployment. While it
serves, every role runs (web, scheduler, worker) with the sample feeds as its only sources.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from rich.console import Console

    from bot.demo import SampleFeeds
    from bot.settings import Settings

__all__ = ["register"]


def _preload() -> None:
    """What the demo imports, loaded by ``bot.cli.main`` before the event loop starts."""
    import bot.app
    import bot.demo
    import bot.roles
    import bot.web.app  # noqa: F401


def register(sub: Subparsers) -> None:
    help_text = "run the whole pipeline offline on bundled sample feeds, deliver, and serve the pages"
    parser: argparse.ArgumentParser = sub.add_parser("demo", help=help_text, description=help_text)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--no-serve", action="store_true", help="stop after delivering instead of serving")
    parser.set_defaults(handler=_demo, needs_runtime=False, log_info=True,
                        preload=_preload)


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from bot.demo import SampleFeeds, demo_settings

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    started = time.monotonic()
    local = f"http://localhost:{args.port}"
    public = settings.public_url if "public_url" in settings.model_fields_set else local
    settings = demo_settings(settings, settings.data_dir / "demo")
    console.print(f"[bold]AIToday demo[/bold] · data in {settings.data_dir.resolve()} (its own embedded Redis)")
    async with SampleFeeds() as feeds:
        # while serving, the scheduler keeps ingesting the sample feeds (never the real sources)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        sources = settings.data_dir / "demo-sources.opml"
        sources.write_text(feeds.opml(), encoding="utf-8")
        settings = settings.model_copy(update={"public_url": public, "sources": sources})
        return await _run(args, settings, feeds, console, started, local)


async def _run(args: argparse.Namespace, settings: Settings, feeds: SampleFeeds, console: Console,
               started: float, local: str) -> int:
    from rich.table import Table

    from bot.app import open_services
    from bot.demo import DEMO_READERS, deliver_to_demo_readers, run_pipeline
    from bot.roles import serve_roles

    async with open_services(settings) as services:
        made = await run_pipeline(services.runtime, feeds=feeds)
        report = made.report
        table = Table(title="Ingest of the sample feeds", title_justify="left")
        for column in ("source", "status", "items", "new"):
            table.add_column(column, justify="right" if column in ("items", "new") else "left")
        for outcome in report.outcomes:
            table.add_row(outcome.source.name, outcome.status, str(outcome.items), str(outcome.new))
        console.print(table)
        for lang, edition in made.editions.items():
            console.print(f"edition {edition.date.isoformat()} ({lang}): {len(edition.stories)} stories")
            for story in edition.stories[:3]:
                console.print(f"  · {story.title} [dim]({story.source_count} sources)[/dim]")
        receipts = await deliver_to_demo_readers(services)
        for who, where in receipts.items():
            console.print(f"delivered to {who}: {where}")
        console.print(f"\n[bold]Done in {time.monotonic() - started:.1f} s.[/bold] Where to look:")
        console.print(f"  the site        {local}/")
        console.print(f"  the edition     {local}/editions/{made.editions['en'].date.isoformat()}/en")
        mails = sorted(settings.outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime)
        mail = str(mails[-1].resolve()) if mails else f"{settings.outbox_dir.resolve()}/"
        console.print(f"  the email       {mail} (open it with a mail client)")
        console.print(f"  metrics/health  {local}/metrics  {local}/healthz")
        console.print(f"  chat as reader  aitoday --data-dir {settings.data_dir} chat --as {DEMO_READERS[0]} \"help\"")
        if args.no_serve:
            return 0
        console.print("Serving; press Ctrl+C to stop.")
        await serve_roles(services, web=True, scheduler=True, worker=True, host=args.host, port=args.port)
    return 0
