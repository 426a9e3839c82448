"""The ``aitoday`` CLI as a user runs it: real processes, the embedded Redis, exit codes 0/1/2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

AITODAY = [sys.executable, "-m", "bot.cli"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    return subprocess.run([*AITODAY, "--data-dir", str(data_dir), *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_chat_prints_the_reply_and_subscribers_lists_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run(data, "chat", "--as", "telegram:42", "subscribe")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("Subscribed: your digest arrives daily at 07:30 (UTC). "
                                     "Change it with “time 8:00” or “timezone Europe/London”.")
    assert run(data, "chat", "--as", "slack:T1:U1", "time 6am").returncode == 0
    listing = run(data, "subscribers")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert any(line.startswith("telegram:42") and "active" in line and "07:30" in line for line in lines)
    assert any(line.startswith("slack:T1:U1") and "inactive" in line and "06:00" in line for line in lines)
    assert lines[-1] == "2 subscription(s)"


def test_bad_usage_exits_2_with_a_message(tmp_path: Path) -> None:
    bad_identity = run(tmp_path, "chat", "--as", "fax:1", "help")
    assert bad_identity.returncode == 2
    assert "unknown channel 'fax'" in bad_identity.stderr
    missing_part = run(tmp_path, "chat", "--as", "slack:T1", "help")
    assert missing_part.returncode == 2 and "slack:T1:U1" in missing_part.stderr
    not_an_address = run(tmp_path, "chat", "--as", "email:notanemail", "subscribe")
    assert not_an_address.returncode == 2
    assert "'notanemail' is not an email address, e.g. email:a@example.com" in not_an_address.stderr
    assert run(tmp_path, "no-such-verb").returncode == 2


def test_invalid_setting_exits_2_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "SMTP_PORT": "lots"}
    result = subprocess.run([*AITODAY, "--data-dir", str(tmp_path), "subscribers"], capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    assert result.returncode == 2
    assert "SMTP_PORT" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_redis_is_a_runtime_failure(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "AITODAY_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    result = subprocess.run([*AITODAY, "--data-dir", str(tmp_path), "subscribers"], capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("aitoday run did not become healthy")


def test_restarting_run_keeps_subscriptions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    for attempt in range(2):
        port = _free_port()
        server = subprocess.Popen([*AITODAY, "--data-dir", str(data), "run", "--port", str(port)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _wait_healthy(f"http://127.0.0.1:{port}/healthz", server)
            if attempt == 0:
                # the CLI joins the running service's embedded Redis
                assert run(data, "chat", "--as", "email:reader@example.com", "subscribe").returncode == 0
                assert run(data, "chat", "--as", "email:reader@example.com", "time 8:15").returncode == 0
            else:
                listing = run(data, "subscribers").stdout
                assert "email:reader@example.com" in listing and "08:15" in listing, listing
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
