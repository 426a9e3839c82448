"""``aitoday comments list|remove``: what readers wrote under the stories, and the operator's remove.

``list`` shows the newest comments (``--story`` one story's, ``--reported`` only those with reports, hidden
ones included) with their state, so a comment hidden by readers' reports can be checked; ``remove ID`` takes
one down for good (its text is erased). Exit codes: 0 ok, 1 no such comment.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from bot.cli._types import Subparsers
from bot.runtime import Runtime
from bot.store.comments import CommentStore
from bot.web.comment_format import visible_text

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("comments", help="list or remove readers' comments on story pages")
    verbs = parser.add_subparsers(dest="comments_verb", metavar="VERB", required=True)

    listing = verbs.add_parser("list", help="the newest comments with their state and reports")
    listing.add_argument("--story", default="", help="only this story id")
    listing.add_argument("--reported", action="store_true", help="only comments with at least one report")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler=_list)

    remove = verbs.add_parser("remove", help="remove one comment by id (its text is erased)")
    remove.add_argument("comment", help="the comment id (from `aitoday comments list`)")
    remove.set_defaults(handler=_remove)


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    store = CommentStore(runtime.redis)
    if args.story:
        found = list(reversed(await store.for_story(args.story)))[: max(1, args.limit)]
    else:
        found = await store.recent(max(1, args.limit))
    if args.reported:
        found = [c for c in found if c.reports > 0]
    table = Table(show_header=True, header_style="bold", title=f"{len(found)} comments")
    for column in ("id", "story", "when (UTC)", "name", "state", "reports", "text"):
        table.add_column(column, overflow="fold")
    for c in found:
        when = datetime.fromtimestamp(c.created, UTC).strftime("%Y-%m-%d %H:%M")
        style = {"hidden": "yellow", "removed": "red", "deleted": "dim"}.get(c.state)
        table.add_row(c.id, c.story_id, when, visible_text(c.name), c.state, str(c.reports),
                      visible_text(c.text)[:120], style=style)
    Console(width=200).print(table)
    return 0


async def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    if not await CommentStore(runtime.redis).remove(args.comment):
        print(f"aitoday comments remove: no comment {args.comment!r}; see `aitoday comments list`", file=sys.stderr)
        return 1
    print(f"removed comment {args.comment}")
    return 0
