"""``aitoday sources list|add|remove|import FILE.opml [--replace]|export``: the source list and each source's health.

``list`` ends with the feeds that moved (a permanent redirect confirmed twice in a row, stored by the ingest).
``import`` merges by feed URL: a feed already listed keeps its name and category unless ``--replace``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("sources", help="list, add, remove, import or export sources (OPML 2.0)")
    verbs = parser.add_subparsers(dest="sources_verb", metavar="VERB", required=True)

    listing = verbs.add_parser("list", help="every source with its health")
    listing.add_argument("--category", help="only this category (lab, research, media, ...)")
    listing.set_defaults(handler=_list)

    add = verbs.add_parser("add", help="add a feed URL")
    add.add_argument("url", help="the feed's http(s) URL")
    add.add_argument("--name", default="", help="display name (default: the host)")
    add.add_argument("--category", default="media", help="lab, research, newsletter, media, community, policy, japan")
    add.add_argument("--language", default="en", help="en, ja, ...")
    add.set_defaults(handler=_add)

    remove = verbs.add_parser("remove", help="remove a source by id, name or feed URL")
    remove.add_argument("source", help="id, name or feed URL")
    remove.set_defaults(handler=_remove)

    imp = verbs.add_parser("import", help="merge the feeds of an OPML file into the list (by feed URL)")
    imp.add_argument("file", type=Path, help="FILE.opml")
    imp.add_argument("--replace", action="store_true",
                     help="feeds already listed take the file's name and category (default: keep ours)")
    imp.set_defaults(handler=_import)

    exp = verbs.add_parser("export", help="write the list as OPML 2.0 (stdout by default)")
    exp.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    exp.set_defaults(handler=_export)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    from rich.console import Console
    from rich.table import Table

    from bot.store.articles import RedisArticleStore
    from bot.store.source_edits import SourceList

    listing = SourceList(runtime.redis, runtime.settings)
    sources = await listing.sources()
    if args.category:
        sources = [s for s in sources if s.category == args.category.lower()]
    states = await RedisArticleStore(runtime.redis).load_states([s.id for s in sources])
    table = Table(show_header=True, header_style="bold", title=f"{len(sources)} sources")
    for column in ("id", "name", "category", "lang", "status", "last success", "items", "last error"):
        table.add_column(column, overflow="fold")
    for source in sources:
        state = states[source.id]
        status = state.status if source.enabled else "disabled"
        style = {"failing": "yellow", "unhealthy": "red"}.get(status)
        error = f"{state.last_error_kind}: {state.last_error}" if state.last_error_kind else ""
        table.add_row(
            source.id, source.name, source.category, source.language, status, _when(state.last_success),
            str(state.items), error[:80], style=style,
        )  # fmt: skip
    console = Console(width=200)
    console.print(table)
    shown = {s.id: s for s in sources}
    moves = [m for m in (await listing.moves()).values() if m.source_id in shown]
    if moves:
        console.print(f"{len(moves)} moved (permanent redirect, confirmed twice):", highlight=False)
        for move in sorted(moves, key=lambda m: shown[m.source_id].name.casefold()):
            console.print(f"  {shown[move.source_id].name}: {move.old_url} -> {move.new_url} "
                          f"(since {_when(move.at)} UTC)", highlight=False, soft_wrap=True)
    return 0


async def _add(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.store.source_edits import SourceList
    from summaries.sources import make_source

    try:
        source = make_source(args.url, name=args.name, category=args.category, language=args.language)
    except ValueError as exc:
        print(f"aitoday sources add: {exc}; e.g. aitoday sources add https://example.com/feed.xml", file=sys.stderr)
        return 2
    changed = await SourceList(runtime.redis, runtime.settings).add(source)
    print(f"{'added' if changed else 'already listed'}: {source.name} ({source.id}) {source.feed_url}")
    return 0


async def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.store.source_edits import SourceList

    removed = await SourceList(runtime.redis, runtime.settings).remove(args.source)
    if removed is None:
        print(f"aitoday sources remove: no source {args.source!r}; see aitoday sources list", file=sys.stderr)
        return 2
    print(f"removed: {removed.name} ({removed.id})")
    return 0


async def _import(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.store.source_edits import SourceList
    from summaries.sources import OPMLError

    try:
        result = await SourceList(runtime.redis, runtime.settings).import_opml(args.file, replace_listed=args.replace)
    except (FileNotFoundError, IsADirectoryError):
        print(f"aitoday sources import: no such file {args.file}", file=sys.stderr)
        return 2
    except OPMLError as exc:
        print(f"aitoday sources import: {args.file} is not usable OPML: {exc}; nothing was changed", file=sys.stderr)
        return 2
    print(f"imported {args.file.name}: {result.describe()}")
    return 0


async def _export(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.store.source_edits import SourceList
    from summaries.sources import to_opml

    text = to_opml(await SourceList(runtime.redis, runtime.settings).sources())
    if args.output is None:
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(args.output.write_text, text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0
