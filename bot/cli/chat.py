"""``aitoday chat --as CHANNEL:ID "TEXT"`` and ``aitoday subscribers``: talk to the bot without a platform."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    chat = sub.add_parser("chat", help="run a command as a subscriber and print the reply",
                          description='Run TEXT as that subscriber, e.g. aitoday chat --as telegram:42 "time 7:30"')
    chat.add_argument("--as", dest="identity", required=True, metavar="CHANNEL:ID",
                      help="telegram:42, slack:T1:U1, slack:T1:C9, line:Uabc, email:a@b.c")
    chat.add_argument("text", help="the command, e.g. \"time 07:30\"")
    chat.set_defaults(handler=_chat)

    subs = sub.add_parser("subscribers", help="list subscriptions and their next send time")
    subs.set_defaults(handler=_subscribers)


async def _chat(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.app import build_services
    from bot.store.models import Identity, IdentityError

    try:
        identity = Identity.parse(args.identity)
    except IdentityError as exc:
        print(f"aitoday chat: --as: {exc}", file=sys.stderr)
        return 2
    services = build_services(runtime, entries=())  # a command needs no channel, so no SDK is loaded
    reply = await services.commands.handle(identity, args.text)
    print(reply.text)
    return 0


async def _subscribers(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.app import build_services

    services = build_services(runtime, entries=())
    rows = []
    async for sub in services.store.all():
        next_at = await services.store.next_send_of(sub.identity)
        if sub.active and sub.is_paused(services.store.clock()):
            status = "paused"
        elif sub.active:
            status = "active"
        else:
            status = sub.deactivated_reason or "inactive"
        rows.append((str(sub.identity), status, sub.delivery_time.strftime("%H:%M"), sub.timezone,
                     sub.effective_language, next_at.strftime("%Y-%m-%d %H:%M UTC") if next_at else "-"))
    rows.sort()
    header = ("identity", "status", "time", "timezone", "lang", "next send")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"{len(rows)} subscription(s)")
    return 0
