"""Failover on a real Redis Cluster: a primary killed with ``kill -9`` in the middle of a 5,000-subscriber fan-out.

Its replica is promoted (``cluster-node-timeout`` 1 s); the workers (real processes) keep going through the
redirections. What a subscriber would notice: 0 digests lost; a digest the provider saw twice is one that
the old primary had settled but not yet replicated, re-sent with the same idempotency key (the rule of the
single-Redis fault tests: the stand-in honours the key, so no reader sees a second message), and few.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from bot import keys
from bot.delivery.planner import Planner
from bot.delivery.queue.streams import DeliveryQueue
from bot.delivery.queue.units import Claimed
from bot.store import StoreUnavailable
from bot.store.client import connect
from tests.bot.delivery.conftest import queue_idle, seed_subscribers, wait_until
from tests.bot.delivery.processes import Role
from tests.redis_cluster import LocalCluster
from tests.stubs.recording_provider import RecordingProvider

SUBSCRIBERS = 5000
WORKERS = 2
CONCURRENCY = 32


def _owner_of(cluster: LocalCluster, key: str) -> int:
    """Port of the primary serving ``key``'s slot."""
    with redis.RedisCluster.from_url(cluster.url) as nodes:
        node = nodes.get_node_from_key(key)
        assert node is not None
        return int(node.port)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_a_primary_killed_mid_fan_out_fails_over_and_loses_no_digest(
    tmp_path: Path, provider: RecordingProvider
) -> None:
    cluster = LocalCluster(tmp_path / "cluster").start()
    client = connect(cluster.url, socket_timeout=5)
    workers: list[Role] = []
    try:
        provider.delay = 0.005
        provider.honour_keys = True
        await seed_subscribers(client, [str(n) for n in range(SUBSCRIBERS)], datetime.now(UTC) - timedelta(seconds=10))
        assert (await Planner(client, catch_up=timedelta(hours=6)).tick()).planned == SUBSCRIBERS
        victim = _owner_of(cluster, keys.shard_stream(0))
        for name in (f"w{n}" for n in range(WORKERS)):
            workers.append(await Role(["worker", "--redis", cluster.url, "--provider", provider.url, "--name", name,
                                       "--concurrency", str(CONCURRENCY), "--lease", "3"]).start())
        await provider.wait_accepted(SUBSCRIBERS // 3, timeout=300)  # generous: a loaded machine
        cluster.node(victim).kill()  # kill -9, mid-fan-out
        at_kill = provider.accepted_count
        promoted_in = await asyncio.to_thread(cluster.wait_failover, victim)  # its replica serves its slots
        await provider.wait_accepted(SUBSCRIBERS, timeout=420)
        await wait_until(lambda: queue_idle(client), timeout=60, what="every entry settled")
    finally:
        for worker in workers:
            await worker.stop()
        await client.aclose()
        cluster.stop()
    delivered = {a.address for a in provider.accepted}
    assert at_kill < SUBSCRIBERS  # the kill landed mid-fan-out
    assert delivered == {str(n) for n in range(SUBSCRIBERS)}  # 0 lost
    assert len(provider.accepted) == SUBSCRIBERS  # 0 visible duplicates: one message per idempotency key
    assert provider.repeated <= WORKERS * CONCURRENCY  # re-sent only what was in flight or unreplicated
    print(f"\nfailover: primary :{victim} killed at {at_kill}/{SUBSCRIBERS}, replica serving after "
          f"{promoted_in:.1f}s, lost: 0, re-sent (deduped by key): {provider.repeated}")


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_a_read_while_a_primary_is_down_keeps_what_the_other_shards_handed_over(tmp_path: Path) -> None:
    """The failing node's reply is an error inside the pipeline's answers: the worker kept going (it used to
    die on it, and with every worker dead the fan-out stopped), and the other shards' entries stay ours."""
    cluster = LocalCluster(tmp_path / "cluster").start()
    client = connect(cluster.url, socket_timeout=5)
    try:
        await seed_subscribers(client, [str(n) for n in range(400)], datetime.now(UTC) - timedelta(seconds=10))
        assert (await Planner(client, catch_up=timedelta(hours=6)).tick()).planned == 400
        owners = {shard: _owner_of(cluster, keys.shard_stream(shard)) for shard in range(keys.SHARDS)}
        queue = DeliveryQueue(client, consumer="reader")
        await queue.ensure_groups()
        victim = owners[0]
        cluster.node(victim).kill()
        got: list[Claimed] = []
        for _ in range(50):  # as the worker's reader does: an unavailable store is read again a moment later
            try:
                got = await queue.read(keys.SHARDS * 8)
            except StoreUnavailable:
                await asyncio.sleep(0.1)
                continue
            if got:
                break
        assert got, "the shards on the live primaries handed entries over"
        assert {item.shard for item in got} <= {s for s, port in owners.items() if port != victim}
    finally:
        await client.aclose()
        cluster.stop()
