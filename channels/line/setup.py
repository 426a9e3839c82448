"""``aitoday line setup``: install the AIToday rich menu (Today's digest · Settings · Help) as the default.

Idempotent: a previous AIToday menu is deleted once the new one is the default, so running it again after an
upgrade leaves exactly one. Needs ``LINE_CHANNEL_SECRET`` and ``LINE_CHANNEL_ACCESS_TOKEN``; talks to
``AITODAY_LINE_API_URL``. Opens no Redis.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from channels.base import ChannelError

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the verbs to ``sub`` (argparse's subparsers); handlers take ``(args, settings)``."""
    line = sub.add_parser("line", help="LINE channel tools", description="LINE channel tools.")
    verbs = line.add_subparsers(dest="line_command", metavar="VERB", required=True)
    setup = verbs.add_parser("setup", help="create the rich menu (Today's digest · Settings · Help)",
                             description="Create the AIToday rich menu, upload its image and make it the default.")
    setup.set_defaults(handler=_setup, needs_runtime=False)


async def _setup(args: argparse.Namespace, settings: Any) -> int:
    if not settings.line_enabled or settings.line_channel_access_token is None:
        print("aitoday line setup: LINE is not configured; set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN",
              file=sys.stderr)
        return 2
    from channels.line.channel import LineChannel  # the SDK only when the verb runs
    from channels.line.menu import rich_menu, rich_menu_png

    channel = LineChannel(settings.line_channel_access_token.get_secret_value(), settings.line_api_url)
    menu = rich_menu()
    try:
        previous = [menu_id for menu_id, name in await channel.rich_menus() if name == menu["name"]]
        menu_id = await channel.create_default_rich_menu(menu, rich_menu_png())
        for old in previous:
            await channel.delete_rich_menu(old)
    except ChannelError as exc:
        print(f"aitoday line setup: LINE refused: {type(exc).__name__}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        await channel.aclose()
    replaced = f" (replaced {len(previous)} older)" if previous else ""
    print(f"Rich menu {menu_id} is now the default{replaced}: Today's digest · Settings · Help")
    return 0
