"""Role processes for the fault tests: ``python -m tests.bot.delivery.procs worker|scheduler ...``.

Each builds the real engine (``bot.delivery.worker.Worker`` / ``bot.delivery.scheduler.Scheduler`` with the Redis
lease and the
due-tick planner) against the Redis URL it is given; workers send to the recording stand-in over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.content.editions import FixedEditions
from bot.delivery.planner import Planner
from bot.delivery.scheduler import PeriodicJob, Scheduler
from bot.delivery.worker import Worker, WorkerConfig
from bot.store.client import connect
from bot.store.lease import Lease
from bot.store.subscriptions import SubscriptionStore
from tests.bot.delivery.http_channel import HttpTestChannel
from tests.sample_edition import sample_edition


async def _worker(args: argparse.Namespace) -> None:
    redis = connect(args.redis, socket_timeout=5)
    channel = HttpTestChannel(args.provider, idempotency=args.idempotency, timeout=args.timeout)
    config = WorkerConfig(name=args.name, concurrency=args.concurrency, lease_seconds=args.lease,
                          retry_seconds=0.05, retry_poll=0.05, idle_max=0.05, max_attempts=20)
    worker = Worker(redis, SubscriptionStore(redis), {channel.name: channel},
                    FixedEditions({"en": sample_edition("en")}), config)
    print("ready", flush=True)
    await worker.run()


async def _scheduler(args: argparse.Namespace) -> None:
    redis = connect(args.redis, socket_timeout=5)
    planner = Planner(redis, catch_up=timedelta(hours=6), batch=args.batch)
    lease = Lease(redis, args.name, args.lease)
    scheduler = Scheduler([PeriodicJob("due-tick", args.tick, planner.tick)], lease, args.lease)
    scheduler.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="role", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--redis", required=True)
    worker.add_argument("--provider", required=True)
    worker.add_argument("--name", required=True)
    worker.add_argument("--concurrency", type=int, default=8)
    worker.add_argument("--lease", type=float, default=5.0)
    worker.add_argument("--timeout", type=float, default=2.0)
    worker.add_argument("--idempotency", type=int, default=1)
    scheduler = sub.add_parser("scheduler")
    scheduler.add_argument("--redis", required=True)
    scheduler.add_argument("--name", required=True)
    scheduler.add_argument("--tick", type=float, default=0.3)
    scheduler.add_argument("--lease", type=float, default=1.0)
    scheduler.add_argument("--batch", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_worker(args) if args.role == "worker" else _scheduler(args))


if __name__ == "__main__":
    main()
