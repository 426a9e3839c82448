"""``aitoday ingest``: fetch every enabled source once, with a progress bar and a closing summary table.

It runs ``bot.content.ingest_run.run_ingest``, the scheduler's own path, so it also rebuilds today's editions.
Without a network the run ends with its table and one line saying so, not one line per source.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from rich.table import Table

    from bot.runtime import Runtime
    from summaries.ingest import IngestReport, SourceOutcome

__all__ = ["register", "summary_table"]


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "ingest",
        help="fetch every source once and store new articles",
        description="Fetch every enabled source once (conditional GET), parse, dedupe and store new articles.",
    )
    parser.add_argument("--force", action="store_true", help="also fetch sources that are backing off")
    parser.add_argument(
        "--source", action="append", default=[], metavar="ID", help="only this source (id, name or URL); repeatable"
    )
    parser.set_defaults(handler=_ingest)


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def summary_table(report: IngestReport) -> Table:
    """The closing table: sources by outcome (failures by class), new articles, bytes and time."""
    from rich.table import Table

    table = Table(title="ingest summary", show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("sources", justify="right")
    table.add_row("ok", str(report.count("ok")))
    table.add_row("not modified", str(report.count("not_modified")))
    for kind, count in sorted(report.failures.items()):
        table.add_row(f"failed: {kind}", str(count), style="red")
    if report.count("deferred"):
        table.add_row("deferred (backing off)", str(report.count("deferred")), style="yellow")
    table.add_section()
    table.add_row("new articles", str(report.new))
    table.add_row("bytes", _human_bytes(report.bytes))
    table.add_row("time", f"{report.elapsed:.1f} s")
    return table


async def _ingest(args: argparse.Namespace, runtime: Runtime) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.content.ingest_run import network_unreachable, run_ingest
    from bot.store.source_edits import SourceList

    console = Console()
    sources = [s for s in await SourceList(runtime.redis, runtime.settings).sources() if s.enabled]
    if args.source:
        wanted = {w.casefold() for w in args.source}
        sources = [
            s for s in sources if wanted & {s.id.casefold(), s.name.casefold(), s.feed_url.casefold()}
        ]
        if not sources:
            console.print(f"aitoday ingest: no source matches {', '.join(args.source)}")
            return 2
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=console, transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task("", total=len(sources))

        def advance(outcome: SourceOutcome) -> None:
            bar.update(task, advance=1, description=outcome.source.name[:40])

        report = (await run_ingest(runtime, progress=advance, sources=sources, force=args.force)).report
    console.print(summary_table(report))
    for outcome in report.outcomes:
        if outcome.moved_to:
            console.print(f"  moved for good: {outcome.source.name}: {outcome.source.feed_url} -> {outcome.moved_to}",
                          highlight=False, soft_wrap=True)
    failed = [o for o in report.outcomes if o.status == "failed"]
    if network_unreachable(report):
        console.print(f"The network looks unreachable: none of the {len(failed)} sources answered "
                      "(check the connection, a proxy or DNS, then run aitoday ingest again).", highlight=False,
                      soft_wrap=True)
        return 1
    for outcome in sorted(failed, key=lambda o: o.source.name.casefold())[:20]:
        console.print(f"  [red]✗[/red] {outcome.source.name}: {outcome.kind}: {outcome.message}", highlight=False)
    if len(failed) > 20:
        console.print(f"  … and {len(failed) - 20} more (aitoday sources list)")
    return 1 if sources and len(failed) == len(sources) else 0
