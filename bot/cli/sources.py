"""``aitoday sources list|add|remove|import FILE.opml|export``: the source list and each source's health."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.cli._types import Subparsers
from bot.runtime import Runtime
from bot.store.articles import RedisArticleStore
from bot.store.source_edits import SourceList
from summaries.sources import OPMLError, make_source, to_opml

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

    imp = verbs.add_parser("import", help="add every feed of an OPML file")
    imp.add_argument("file", type=Path, help="FILE.opml")
    imp.set_defaults(handler=_import)

    exp = verbs.add_parser("export", help="write the list as OPML 2.0 (stdout by default)")
    exp.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    exp.set_defaults(handler=_export)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    sources = await SourceList(runtime.redis, runtime.settings).sources()
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
    Console(width=200).print(table)
    return 0


async def _add(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        source = make_source(args.url, name=args.name, category=args.category, language=args.language)
    except ValueError as exc:
        print(f"aitoday sources add: {exc}; e.g. aitoday sources add https://example.com/feed.xml", file=sys.stderr)
        return 2
    changed = await SourceList(runtime.redis, runtime.settings).add(source)
    print(f"{'added' if changed else 'already listed'}: {source.name} ({source.id}) {source.feed_url}")
    return 0


async def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    removed = await SourceList(runtime.redis, runtime.settings).remove(args.source)
    if removed is None:
        print(f"aitoday sources remove: no source {args.source!r}; see aitoday sources list", file=sys.stderr)
        return 2
    print(f"removed: {removed.name} ({removed.id})")
    return 0


async def _import(args: argparse.Namespace, runtime: Runtime) -> int:
    try:
        added, present = await SourceList(runtime.redis, runtime.settings).import_opml(args.file)
    except FileNotFoundError:
        print(f"aitoday sources import: no such file {args.file}", file=sys.stderr)
        return 2
    except OPMLError as exc:
        print(f"aitoday sources import: {args.file}: {exc}", file=sys.stderr)
        return 2
    print(f"imported {added} new source(s); {present} already listed")
    return 0


async def _export(args: argparse.Namespace, runtime: Runtime) -> int:
    text = to_opml(await SourceList(runtime.redis, runtime.settings).sources())
    if args.output is None:
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(args.output.write_text, text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0
