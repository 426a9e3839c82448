"""Fan-out through the whole delivery engine beside a plain client loop, in one run. Prints ONE JSON object.

    python bench/fanout.py --subscribers 100000 --json
    python bench/fanout.py --subscribers 3000 --simulate-limits --json
    python bench/fanout.py --subscribers 20000 --redis-url redis://127.0.0.1:7000   # any Redis or one cluster node

What runs, all on loopback: a Redis server (the embedded one, AOF everysec, as in production; or the empty Redis or
Redis Cluster ``--redis-url`` names, found out the way the runtime does); the recording
provider stand-in (``tests/stubs/recording_provider.py``) as its own process, answering at once; ``--workers``
worker processes (the real ``bot.delivery.worker.Worker`` with ``--concurrency`` places each) sending through an httpx
channel. Subscribers are seeded, made due, and the clock starts when the due-tick starts planning; it stops when
the stand-in has accepted the last digest (planning, pacing, sending, logging and acknowledging included).

Keys:
* ``deliveries_per_s`` — subscribers served per second through the engine;
* ``raw_client_per_s`` — the same channel client in a plain loop, same processes and concurrency, same run;
* ``ratio`` — engine / raw (target ≥ 0.8);
* ``redis_cmds_per_delivery`` — every Redis command of the fan-out (INFO commandstats: planning, reads, pacing,
  settling, logging, housekeeping; MULTI/EXEC and the commands inside Lua scripts counted) / deliveries;
* ``worker_peak_rss_mb`` — the largest resident set of a worker process during the run;
* ``redis_bytes_per_subscriber`` — used_memory grown by seeding (subscription hash + due-index entry) / N;
* ``redis_bytes_per_log_entry`` — MEMORY USAGE of delivery-log keys / entries in them (sampled);
* ``redis`` — ``embedded``, ``single`` or ``cluster (N primaries)``;
* ``lost`` — subscribers the stand-in never got a digest for (the run ends when all did, or after 30 s without
  progress); ``duplicates`` — digests accepted beyond one per subscriber (a reader would see them twice).
Counters (commands, memory) are summed over every primary of a cluster.
With ``--simulate-limits`` the stand-in enforces a global rate (Telegram's 30 msg/s, ×``--clock`` compressed)
and the channel declares it; ``finish_s`` is compared with the rate-limit lower bound (target ≤ 1.05×).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import psutil  # noqa: E402
from redis.asyncio.cluster import RedisCluster  # noqa: E402

from bot import keys  # noqa: E402
from bot.content.editions import FixedEditions  # noqa: E402
from bot.delivery.planner import Planner  # noqa: E402
from bot.delivery.worker import Worker, WorkerConfig  # noqa: E402
from bot.redis_server import EmbeddedRedis  # noqa: E402
from bot.store.client import RedisClient, connect  # noqa: E402
from bot.store.models import Identity, Subscription  # noqa: E402
from bot.store.subscriptions import SubscriptionStore  # noqa: E402
from channels.base import Delivery, Recipient  # noqa: E402
from tests.bot.delivery.http_channel import HttpTestChannel  # noqa: E402
from tests.sample_edition import sample_edition  # noqa: E402

TELEGRAM_GLOBAL_RATE = 30.0


# ---------------------------------------------------------------------------------------------- child roles


async def _worker_role(args: argparse.Namespace) -> None:
    redis = connect(args.redis)
    channel = HttpTestChannel(args.provider, idempotency=True, global_rate=args.rate, connections=args.concurrency)
    config = WorkerConfig(name=args.name, concurrency=args.concurrency, lease_seconds=60.0)
    worker = Worker(redis, SubscriptionStore(redis), {channel.name: channel},
                    FixedEditions({"en": sample_edition("en")}), config)
    print("ready", flush=True)
    await worker.run()


async def _raw_role(args: argparse.Namespace) -> None:
    """The plain loop: the same channel client, ``concurrency`` senders, ``count`` sends, nothing else."""
    channel = HttpTestChannel(args.provider, idempotency=True, connections=args.concurrency)
    edition = sample_edition("en").for_subscriber(items=5)
    print("ready", flush=True)
    sys.stdin.readline()
    remaining = args.count

    async def sender(n: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            recipient = Recipient(channel="telegram", address=f"raw{n}-{remaining}")
            await channel.send(Delivery(delivery_id=f"raw:{args.name}:{remaining}", recipient=recipient,
                                        edition=edition))

    await asyncio.gather(*(sender(n) for n in range(args.concurrency)))
    await channel.aclose()
    print("done", flush=True)


# ---------------------------------------------------------------------------------------------- the run


def _spawn(*argv: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=str(REPO), env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.stdout is not None
    return process


def _ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


async def _stats(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/stats")
    data: dict[str, Any] = response.json()
    return data


async def _seed(redis: RedisClient, count: int, due: datetime) -> None:
    now = datetime.now(UTC)
    batch = 2000
    for start in range(0, count, batch):
        async with redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(count, start + batch)):
                sub = Subscription(identity=Identity.parse(f"telegram:{n}"), active=True, language="en",
                                   created_at=now, updated_at=now)
                pipe.hset(keys.subscription(sub.sid), mapping=sub.to_hash())  # type: ignore[arg-type]
                pipe.zadd(keys.due_index(keys.shard_of(sub.sid)), {sub.sid: due.timestamp()})
            await pipe.execute()


async def _info(redis: RedisClient, section: str) -> list[dict[str, Any]]:
    """``INFO section`` of the one server, or of every primary of a cluster."""
    if isinstance(redis, RedisCluster):
        per_node: dict[str, dict[str, Any]] = await redis.info(section, target_nodes=RedisCluster.PRIMARIES)
        return list(per_node.values())
    return [await redis.info(section)]


async def _used_memory(redis: RedisClient) -> int:
    return sum(int(info["used_memory"]) for info in await _info(redis, "memory"))


async def _commands(redis: RedisClient) -> int:
    total = 0
    for stats in await _info(redis, "commandstats"):
        if os.environ.get("FANOUT_DEBUG"):
            print({k: v["calls"] for k, v in stats.items()}, file=sys.stderr)
        total += sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_")
                     and k not in ("cmdstat_info", "cmdstat_config", "cmdstat_cluster", "cmdstat_command"))
    return total


async def _reset_stats(redis: RedisClient) -> None:
    if isinstance(redis, RedisCluster):
        await redis.config_resetstat(target_nodes=RedisCluster.PRIMARIES)
    else:
        await redis.config_resetstat()


async def _wait_served(client: httpx.AsyncClient, count: int, stall: float = 30.0) -> dict[str, Any]:
    """Until every subscriber got a digest, or nothing moved for ``stall`` seconds (what is missing is lost)."""
    last, moved = -1, time.monotonic()
    while True:
        stats = await _stats(client)
        if stats["addresses"] >= count:
            return stats
        if stats["accepted"] != last:
            last, moved = stats["accepted"], time.monotonic()
        elif time.monotonic() - moved > stall:
            return stats
        await asyncio.sleep(0.05)


async def _log_bytes(redis: RedisClient, count: int, sample: int = 2000) -> float:
    total_bytes = total_entries = 0
    for n in range(0, count, max(1, count // sample)):
        key = keys.delivery_log(Identity.parse(f"telegram:{n}").sid)
        used = await redis.memory_usage(key, samples=0)
        if used:
            total_bytes += int(used)
            total_entries += int(await redis.llen(key))
    return total_bytes / max(1, total_entries)


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    server: EmbeddedRedis | None = None
    if args.redis_url:
        url = args.redis_url
    else:
        server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="aitoday-fanout-")))
        url = server.start()
    stand_in = _spawn("-m", "tests.stubs.recording_provider",
                      *(["--limit-global", str(args.rate)] if args.simulate_limits else []))
    provider = f"http://127.0.0.1:{_ready(stand_in)}"
    redis = connect(url)
    client = httpx.AsyncClient(base_url=provider)
    children: list[subprocess.Popen[str]] = []
    try:
        count = args.subscribers
        if await redis.dbsize():
            raise SystemExit(f"bench/fanout.py needs an empty Redis: {url} holds keys (FLUSHALL a scratch one)")
        base = await _used_memory(redis)
        await _seed(redis, count, datetime.now(UTC) - timedelta(seconds=5))
        seeded = await _used_memory(redis)
        rate = args.rate if args.simulate_limits else 0.0
        workers = [_spawn(__file__, "--role", "worker", "--redis", url, "--provider", provider, "--name", f"w{i}",
                          "--concurrency", str(args.concurrency), "--rate", str(rate)) for i in range(args.workers)]
        children.extend(workers)
        for worker in workers:
            assert _ready(worker) == "ready"
        peak_rss = 0.0
        procs = [psutil.Process(w.pid) for w in workers]
        await _reset_stats(redis)
        started = time.monotonic()
        planning = asyncio.create_task(Planner(redis, catch_up=timedelta(hours=6), batch=500).tick())
        serving = asyncio.create_task(_wait_served(client, count))
        while not serving.done():
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    peak_rss = max(peak_rss, proc.memory_info().rss / 2**20)
            await asyncio.sleep(0.05)
        stats = serving.result()
        engine_s = time.monotonic() - started  # with a loss, this includes the 30 s without progress
        await planning
        await asyncio.sleep(1.0)  # the last group commits land (their commands count too)
        commands = await _commands(redis)
        log_bytes = await _log_bytes(redis, count)
        for worker in workers:
            worker.terminate()
        result: dict[str, Any] = {
            "subscribers": count,
            "workers": args.workers,
            "concurrency_per_worker": args.concurrency,
            "redis": await _kind(redis),
            "deliveries_per_s": round(count / engine_s, 1),
            "lost": count - int(stats["addresses"]),
            "duplicates": int(stats["accepted"]) - int(stats["addresses"]),
        }
        if args.simulate_limits:
            bound = count / args.rate
            result.update({"finish_s": round(engine_s, 2), "rate_limit_lower_bound_s": round(bound, 2),
                           "finish_vs_bound": round(engine_s / bound, 3),
                           "provider_429s": int(stats["statuses"].get("429", 0))})
        else:
            raws = [_spawn(__file__, "--role", "raw", "--provider", provider, "--name", f"r{i}",
                           "--concurrency", str(args.concurrency), "--count", str(count // args.workers))
                    for i in range(args.workers)]
            children.extend(raws)
            for raw in raws:
                assert _ready(raw) == "ready"
            raw_started = time.monotonic()
            for raw in raws:
                assert raw.stdin is not None
                raw.stdin.write("go\n")
                raw.stdin.flush()
            for raw in raws:
                assert _ready(raw) == "done"
            raw_s = time.monotonic() - raw_started
            raw_per_s = (count // args.workers) * args.workers / raw_s
            result.update({"raw_client_per_s": round(raw_per_s, 1),
                           "ratio": round((count / engine_s) / raw_per_s, 3)})
        result.update({
            "redis_cmds_per_delivery": round(commands / count, 2),
            "worker_peak_rss_mb": round(peak_rss, 1),
            "redis_bytes_per_subscriber": round((seeded - base) / count, 1),
            "redis_bytes_per_log_entry": round(log_bytes, 1),
        })
        return result
    finally:
        for child in [*children, stand_in]:
            with contextlib.suppress(Exception):
                child.kill()
                child.wait(timeout=5)
        await client.aclose()
        await redis.aclose()
        if server is not None:
            server.stop()


async def _kind(redis: RedisClient) -> str:
    if isinstance(redis, RedisCluster):
        return f"cluster ({len(redis.get_primaries())} primaries)"
    return "single"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--redis-url", help="an empty Redis or one node of a Redis Cluster (default: the embedded one)")
    parser.add_argument("--simulate-limits", action="store_true")
    parser.add_argument("--clock", type=float, default=10.0, help="clock compression for --simulate-limits")
    parser.add_argument("--json", action="store_true", help="print the JSON object only (the default output)")
    parser.add_argument("--role", choices=["bench", "worker", "raw"], default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--provider", help=argparse.SUPPRESS)
    parser.add_argument("--name", default="w", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "worker":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_worker_role(args))
        return
    if args.role == "raw":
        asyncio.run(_raw_role(args))
        return
    if args.simulate_limits and not args.rate:
        args.rate = TELEGRAM_GLOBAL_RATE * args.clock
    print(json.dumps(asyncio.run(_run(args))))


if __name__ == "__main__":
    main()
