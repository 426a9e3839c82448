"""Telegram digests through the whole delivery engine under Telegram's limits. Prints ONE JSON object.

    python bench/telegram_fanout.py --json [--subscribers 1000] [--scale 1] [--groups 20] [--workers 2]

Subscriptions in a real Redis (the embedded server, in a temporary directory) are made due, planned by the
engine's ``Planner`` and sent by engine ``Worker``s through ``TelegramChannel`` (PTB) to the Bot API stand-in,
which enforces 30 messages/s for the bot, 1/s per chat and 20/min per group over sliding windows and records
every violation. ``--scale`` compresses the clock (limits and stand-in together). ``finish_s`` is the time
from the first to the last accepted message; ``bound_s`` is the lower bound the bot-wide limit allows
(``(N - 1) / 30 / scale``); ``ratio`` = finish / bound (target ≤ 1.05).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.warnings import PTBDeprecationWarning

from bot.redis_server import EmbeddedRedis
from bot.store.client import connect
from tests.channels.telegram.fanout import run_fanout


async def _run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        url = await asyncio.to_thread(server.start)
        redis = connect(url)
        try:
            result = await run_fanout(redis, subscribers=args.subscribers, scale=args.scale, groups=args.groups,
                                      workers=args.workers, concurrency=args.concurrency, timeout=args.timeout)
        finally:
            await redis.aclose()
            await asyncio.to_thread(server.stop)
    return {
        "subscribers": result.subscribers, "messages": result.messages,
        "lost": result.subscribers - result.chats_served, "duplicates": result.duplicates,
        "rate_limit_violations": result.violations,
        "parse_errors": result.parse_errors, "pending": result.pending, "scale": args.scale,
        "finish_s": round(result.finish_seconds, 3), "bound_s": round(result.bound_seconds, 3),
        "ratio": round(result.ratio, 3), "workers": args.workers, "concurrency": args.concurrency,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1.0, help="clock compression (1 = Telegram's real limits)")
    parser.add_argument("--groups", type=int, default=20, help="how many of the subscribers are groups")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="deliveries each worker holds at once")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", PTBDeprecationWarning)
    print(json.dumps(asyncio.run(_run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
