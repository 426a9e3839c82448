"""SIGTERM (docker stop, systemd) stops every role the way Ctrl+C does: cleanly, exit code 0, no traceback,
whatever signal dispositions the process inherited, and its embedded Redis stops with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from bot import keys
from bot.redis_server import EmbeddedRedis

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


def _redis_servers_of(data: Path) -> list[psutil.Process]:
    """The redis-server processes serving this data dir (the embedded one writes its config there)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if any(str(data.resolve()) in part for part in cmdline) and "redis" in " ".join(cmdline):
            found.append(proc)
    return found


def _start_with_sigint_ignored(data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """What ``aitoday worker &`` in a script does: the process starts with SIGINT ignored."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    return subprocess.Popen([*AITODAY, "--data-dir", str(data), *args], env={**base, **(env or {})}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_worker_started_with_sigint_ignored_stops_and_stops_its_redis(tmp_path: Path, stop: signal.Signals) -> None:
    process = _start_with_sigint_ignored(tmp_path, "worker")
    _wait_for_line(process, "consuming with")
    assert _redis_servers_of(tmp_path), "the worker started its embedded Redis"
    process.send_signal(stop)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "Traceback" not in rest
    psutil.wait_procs(_redis_servers_of(tmp_path), timeout=10)
    assert _redis_servers_of(tmp_path) == []


class _Hanging(BaseHTTPRequestHandler):
    """A feed that accepts the request and never answers: an ingest in progress for as long as we like."""

    arrived = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        type(self).arrived.set()
        type(self).release.wait(60)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_run_ingests_at_once_and_a_stop_mid_ingest_is_clean(tmp_path: Path) -> None:
    handler = type("Hanging", (_Hanging,), {"arrived": threading.Event(), "release": threading.Event()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    opml = tmp_path / "sources.opml"
    opml.write_text('<opml version="2.0"><body><outline type="rss" text="Slow" '
                    f'xmlUrl="http://127.0.0.1:{server.server_address[1]}/feed.xml"/></body></opml>')
    env = {"AITODAY_SOURCES": str(opml), "AITODAY_FETCH_ALLOW": "127.0.0.1"}
    data = tmp_path / "data"
    process = _start_with_sigint_ignored(data, "run", "--port", str(_free_port()), env=env)
    try:
        assert handler.arrived.wait(60), "the first ingest starts at once"
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
    finally:
        handler.release.set()
        server.shutdown()
        server.server_close()
    assert process.returncode == 0, rest
    assert "Traceback" not in rest and "scheduled job ingest stopped by shutdown" in rest
    with EmbeddedRedis(data) as embedded, redis.Redis(unix_socket_path=str(embedded.socket_path)) as client:
        assert client.zcard(keys.article_index()) == 0
        assert client.exists(keys.edition(datetime.now(UTC).date().isoformat(), "en")) == 0  # nothing half-done
