"""``aitoday deliveries [--for CHANNEL:ID] [--dead] [--replay]``: what was sent to whom, and why something was not.

Without flags: the queue at a glance (queued, pending, waiting to retry, dead letters). ``--for`` prints one
subscriber's delivery log (30 days, newest first). ``--dead`` lists the dead letters with their reasons;
``--replay`` queues them again (only that subscriber's with ``--for``). A replayed delivery that was in fact
sent is stopped by its sent-marker, so replaying is always safe.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from bot.delivery.queue import DeadLetter
    from bot.runtime import Runtime
    from bot.store.models import Identity

__all__ = ["register"]


def register(sub: Subparsers) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "deliveries", help="delivery log, queue state and dead letters",
        description="Show what was sent to whom and why something was not; list or replay dead letters.")
    parser.add_argument("--for", dest="identity", metavar="CHANNEL:ID",
                        help="one subscriber's delivery log, e.g. telegram:42 or slack:T1:U1")
    parser.add_argument("--dead", action="store_true", help="list dead letters (deliveries given up on)")
    parser.add_argument("--replay", action="store_true", help="queue the dead letters again")
    parser.set_defaults(handler=_deliveries)


def _table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


async def _deliveries(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.delivery.queue import DeliveryQueue
    from bot.store.models import Identity, IdentityError

    identity: Identity | None = None
    if args.identity:
        try:
            identity = Identity.parse(args.identity)
        except IdentityError as exc:
            print(f"aitoday deliveries: --for: {exc}", file=sys.stderr)
            return 2
    queue = DeliveryQueue(runtime.redis)
    if args.dead or args.replay:
        letters = await queue.dead_letters()
        if identity is not None:
            letters = [d for d in letters if d.unit.sid == identity.sid]
        if args.replay:
            count = await queue.replay(letters)
            print(f"{count} dead letter(s) queued again")
            return 0
        await _print_dead(runtime, letters)
        return 0
    if identity is not None:
        from bot.store.delivery_log import DeliveryLog

        entries = await DeliveryLog(runtime.redis).read(identity.sid)
        rows = [(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.channel, e.outcome.value, e.delivery,
                 e.provider_message_id or "-", "late" if e.late else "", e.detail) for e in entries]
        if not rows:
            print(f"no deliveries to {identity} in the last 30 days")
            return 0
        _table(rows, ("when (UTC)", "channel", "outcome", "delivery", "message id", "late", "detail"))
        return 0
    await _print_queue(runtime)
    return 0


async def _print_dead(runtime: Runtime, letters: list[DeadLetter]) -> None:
    if not letters:
        print("no dead letters")
        return
    from bot.store.subscriptions import SubscriptionStore

    store = SubscriptionStore(runtime.redis)
    rows = []
    for letter in letters:
        sub = await store.get_by_sid(letter.unit.sid)
        who = str(sub.identity) if sub is not None else letter.unit.sid
        when = datetime.fromtimestamp(letter.at, UTC).strftime("%Y-%m-%d %H:%M:%S") if letter.at else "-"
        rows.append((when, who, letter.unit.delivery_id.split(":", 1)[1], letter.reason))
    _table(rows, ("when (UTC)", "subscriber", "delivery", "reason"))
    print(f"{len(letters)} dead letter(s); replay with: aitoday deliveries --dead --replay")


async def _print_queue(runtime: Runtime) -> None:
    from bot.delivery.queue import DeliveryQueue

    sizes = await DeliveryQueue(runtime.redis).sizes()
    print(f"stream entries: {sizes.entries} (pending: {sizes.pending}) · waiting to retry: {sizes.retrying}"
          f" · dead letters: {sizes.dead_letters}")
