"""The issue's acceptance on a real Redis Cluster: ``AITODAY_REDIS_URL`` names one node, and ``aitoday chat`` for
20 identities (subscribe, time, topics) all succeed and ``aitoday subscribers`` lists all 20.

The chats go through ``bot.cli.main`` in-process (the same settings, runtime and cluster detection a process
runs; 60 interpreter start-ups would cost a minute on this machine); the listing is a real ``aitoday`` process.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.cli import main
from tests.redis_cluster import LocalCluster

IDENTITIES = [f"telegram:{n}" for n in range(7)] + [f"slack:T1:U{n}" for n in range(5)] + \
    [f"line:U{n:032x}" for n in range(4)] + [f"email:reader{n}@example.com" for n in range(4)]


@pytest.mark.timeout(900)  # 60 runtime start-ups: minutes on a loaded 2-core machine
@pytest.mark.parametrize("redis_url", ["cluster"], indirect=True)  # one node's URL, emptied
def test_twenty_identities_chat_on_a_cluster_and_subscribers_lists_them_all(
    redis_cluster: LocalCluster, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AITODAY_REDIS_URL", redis_cluster.url)
    assert len(IDENTITIES) == 20
    failures = []
    for n, who in enumerate(IDENTITIES):
        for text in ("subscribe", f"time {6 + n % 4}:{15 * (n % 4):02d}", "topics add agents, robotics"):
            code = main(["chat", "--as", who, text])
            out, err = capsys.readouterr()
            if code != 0 or not out.strip() or err:
                failures.append((who, text, code, out, err))
    assert failures == []
    env = {**os.environ, "AITODAY_REDIS_URL": redis_cluster.url}
    listing = subprocess.run([sys.executable, "-m", "bot.cli", "subscribers"], capture_output=True, text=True,
                             env=env, timeout=180, check=False)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    for n, who in enumerate(IDENTITIES):
        row = next((line for line in lines if line.split()[0] == who), "")
        assert "active" in row and f"{6 + n % 4:02d}:{15 * (n % 4):02d}" in row, (who, listing.stdout)
    assert lines[-1] == "20 subscription(s)"

