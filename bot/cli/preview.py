"""``aitoday preview --channel email|slack|line|telegram|text``: an edition exactly as that channel renders it.

Each channel's own ``render(edition, language)`` does the work, so the preview cannot drift from what a
subscriber receives. A channel that is not configured here (no token) is still previewed: rendering is pure,
so an instance built only for rendering, never sending, is enough. Email is written as an HTML file and
opened in the browser (its path is printed, for machines without one); the others print their payload.
"""

from __future__ import annotations

import argparse
import json
import sys
import webbrowser
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli._types import Subparsers
from bot.conversation.i18n import LANGUAGES
from channels.registry import CHANNELS

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from summaries.models import Edition

__all__ = ["PREVIEW_CHANNELS", "register", "write_email_preview"]

#: ``aitoday preview --channel NAME`` -> the registry's channel name (``text`` is the console channel: the plain
#: text every channel falls back to).
PREVIEW_CHANNELS: dict[str, str] = {entry.preview_as: entry.name for entry in CHANNELS if entry.preview_as}


def register(sub: Subparsers) -> None:
    help_text = "render an edition as a channel would show it (email opens in the browser)"
    parser: argparse.ArgumentParser = sub.add_parser("preview", help=help_text, description=help_text)
    parser.add_argument("--channel", required=True, choices=sorted(PREVIEW_CHANNELS), help="which rendering")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the wording (default en)")
    parser.add_argument("--date", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="the edition of that day (default: the latest)")
    parser.add_argument("--no-browser", action="store_true", help="email: only write the file, print its path")
    parser.set_defaults(handler=_preview)


async def _preview(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.app import build_services
    from bot.content.editions import latest_edition, load_edition

    edition = await (load_edition(runtime, args.date, args.lang) if args.date else latest_edition(runtime, args.lang))
    if edition is None:
        when = args.date.isoformat() if args.date else "yet"
        print(f"aitoday: no {args.lang} edition {when}; run `aitoday ingest` then `aitoday edition`, "
              "or `aitoday demo`", file=sys.stderr)
        return 1
    wanted = tuple(e for e in CHANNELS if e.name == PREVIEW_CHANNELS[args.channel])
    services = build_services(runtime, entries=wanted)  # that channel's SDK only, not every channel's
    try:
        name = args.channel
        registered = PREVIEW_CHANNELS[name]
        configured = services.channels.get(registered)
        channel = configured
        if channel is None:  # not configured here: rendering is pure, a render-only instance is enough
            preview = next(e for e in services.entries if e.name == registered).load().preview
            assert preview is not None and services.env is not None
            channel = preview(services.env)
        payload = channel.render(edition, args.lang)
        if name == "email":
            path = write_email_preview(runtime.settings.data_dir / "preview", edition, args.lang, payload)
            print(f"subject: {payload.get('subject', '')}")
            print(f"wrote {path}")
            if not args.no_browser:
                webbrowser.open(path.resolve().as_uri())
        else:
            print(payload if isinstance(payload, str) else json.dumps(_jsonable(payload), ensure_ascii=False,
                                                                       indent=2))
        if configured is None:
            await channel.aclose()
    finally:
        await services.aclose()
    return 0


def write_email_preview(directory: Path, edition: Edition, language: str, payload: dict[str, str]) -> Path:
    """Write the mail's HTML part (and its text part beside it); return the HTML file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"email-{edition.date.isoformat()}-{language}"
    html_path = directory / f"{stem}.html"
    html_path.write_text(payload.get("html", ""), encoding="utf-8")
    (directory / f"{stem}.txt").write_text(payload.get("text", ""), encoding="utf-8")
    return html_path


def _jsonable(value: Any) -> Any:
    """Channel payloads are JSON-able by contract; SDK models (LINE) expose ``to_dict``."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value.isoformat()
    return value
