"""``aitoday edition [--date D] [--lang L] [--json]``: build the day's edition from stored articles and print it.

The edition is built and stored exactly as the scheduler does it (``bot.content.editions.build_edition``), so what
this prints is what every channel and the web view will show for that day.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from summaries.models import Edition, Story

__all__ = ["register", "render_text"]

_LABELS = {
    "en": ("What happened", "Why it matters", "What to watch", "Topics", "Also covered by", "min read",
           "stories", "No stories for {day} yet: run `aitoday ingest` first, or try another --date."),
    "ja": ("何が起きたか", "なぜ重要か", "今後の注目点", "トピック", "他の報道", "分で読めます",
           "件", "{day} の記事はまだありません。先に `aitoday ingest` を実行するか、別の --date を指定してください。"),
}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-11-27") from None


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "edition",
        help="build and print the day's edition",
        description="Build the edition of a day (UTC) from the stored articles, store it, and print it.",
    )
    parser.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD", help="the day (default: today)")
    parser.add_argument("--lang", choices=sorted(_LABELS), default="en", help="language of the edition")
    parser.add_argument("--json", action="store_true", help="print the stored JSON instead of text")
    parser.set_defaults(handler=_edition)


async def _edition(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.content.editions import build_edition

    now = datetime.now(UTC)
    edition = await build_edition(runtime, args.date or now.date(), args.lang, now=now)
    if args.json:
        print(json.dumps(edition.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(edition, now))
    return 0


def _story(index: int, story: Story, edition: Edition, now: datetime) -> list[str]:
    from summaries.edition import relative_age

    happened, matters, watch, topics, also, minutes, *_ = _LABELS.get(edition.language, _LABELS["en"])
    byline = " · ".join(
        part
        for part in (
            story.source_name,
            story.author,
            relative_age(story.published, now, edition.language),
            f"{story.reading_minutes} {minutes}",
        )
        if part
    )
    lines = [
        f"{index}. {story.title}",
        f"   {byline}",
        f"   {story.card.gist}",
        f"   • {happened}: {story.card.what_happened}",
        f"   • {matters}: {story.card.why_it_matters}",
        f"   • {watch}: {story.card.what_to_watch}",
    ]
    if story.topics:
        lines.append(f"   {topics}: {', '.join(story.topics)}")
    if story.also_covered_by:
        lines.append(f"   {also}: " + ", ".join(f"{c.source_name} <{c.url}>" for c in story.also_covered_by))
    lines.append(f"   {story.url}  [{story.card.summarizer}]")
    return lines


def render_text(edition: Edition, now: datetime) -> str:
    """The edition as plain text for a terminal (no colour, no markup)."""
    labels = _LABELS.get(edition.language, _LABELS["en"])
    if not edition.stories:
        return labels[7].format(day=edition.date.isoformat())
    out = [f"AIToday — {edition.date.isoformat()} ({edition.language}) · {len(edition.stories)} {labels[6]}", ""]
    for i, story in enumerate(edition.stories, 1):
        out.extend(_story(i, story, edition, now))
        out.append("")
    return "\n".join(out).rstrip()
