"""SIGTERM (docker stop, systemd) stops every role the way Ctrl+C does: cleanly, exit code 0, no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

AITODAY = [sys.executable, "-m", "bot.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    return subprocess.Popen([*AITODAY, "--data-dir", str(data), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_line(process: subprocess.Popen[str], needle: str) -> None:
    """Read the log until ``needle`` shows (the role is up); the process must not have died."""
    assert process.stderr is not None
    for line in process.stderr:
        if needle in line:
            return
    raise AssertionError(f"the process exited before logging {needle!r}")


@pytest.mark.parametrize(("role", "ready"), [("worker", "consuming with"), ("scheduler", "scheduler started")])
def test_sigterm_stops_a_background_role_cleanly(tmp_path: Path, role: str, ready: str) -> None:
    process = _start(tmp_path, role)
    _wait_for_line(process, ready)
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Traceback" not in rest


def test_sigterm_stops_run_after_the_web_server_drains(tmp_path: Path) -> None:
    port = _free_port()
    process = _start(tmp_path, "run", "--port", str(port))
    _wait_for_line(process, "Uvicorn running")
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Traceback" not in rest and "Finished server process" in rest
