"""``aitoday demo`` and ``aitoday preview`` as a newcomer runs them: real processes, real files."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import httpx
import pytest

AITODAY = [sys.executable, "-m", "bot.cli"]


def run(data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    env["BROWSER"] = "true"  # webbrowser.open succeeds without opening anything
    return subprocess.run([*AITODAY, "--data-dir", str(data_dir), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo run for the module (it takes a few seconds): ingest, editions, delivery, no serving."""
    data = tmp_path_factory.mktemp("demo")
    result = run(data, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    (data / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return data


def test_demo_delivers_to_the_console_and_the_outbox_and_says_where_to_look(demo_dir: Path) -> None:
    out = (demo_dir / "stdout.txt").read_text(encoding="utf-8")
    assert "Introducing Lumen-4" in out
    assert "delivered to console:demo: sent" in out
    assert "delivered to email:reader@example.com: sent" in out
    assert "http://localhost:8000/" in out
    mails = list((demo_dir / "demo" / "outbox").glob("*.eml"))
    assert len(mails) == 1
    assert str(mails[0].resolve()) in out
    mail = message_from_bytes(mails[0].read_bytes(), policy=default_policy)
    assert mail["To"] == "reader@example.com"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mail.get_body(("html",))
    assert html is not None and "Lumen-4" in html.get_content()


def test_preview_prints_each_chat_channel_payload(demo_dir: Path) -> None:
    data = demo_dir / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    wanted = {"slack": ["--channel", "slack"], "telegram": ["--channel", "telegram"], "line": ["--channel", "line"],
              "text": ["--channel", "text", "--lang", "ja"]}
    running = {name: subprocess.Popen([*AITODAY, "--data-dir", str(data), "preview", *args], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for name, args in wanted.items()}  # in parallel: each start-up imports every SDK
    out = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        out[name] = stdout
    slack = json.loads(out["slack"])
    assert isinstance(slack, list) and slack[0]["blocks"]
    telegram = json.loads(out["telegram"])
    assert telegram[0]["parse_mode"] == "HTML" and "Lumen-4" in telegram[0]["text"]
    assert json.loads(out["line"])[0]["type"] == "flex"
    assert "Lumen-4" in out["text"]


def test_preview_writes_the_email_as_html_and_prints_its_path(demo_dir: Path) -> None:
    result = run(demo_dir / "demo", "preview", "--channel", "email")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1].removeprefix("wrote "))
    assert path.suffix == ".html" and path.exists()
    assert "<html" in path.read_text(encoding="utf-8").lower()


def test_preview_without_any_edition_says_what_to_run(tmp_path: Path) -> None:
    result = run(tmp_path, "preview", "--channel", "slack")
    assert result.returncode == 1
    assert "aitoday demo" in result.stderr and "Traceback" not in result.stderr
    assert run(tmp_path, "preview", "--channel", "fax").returncode == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_on_a_fresh_store_shows_the_sample_cards(tmp_path: Path) -> None:
    """What `make run` shows a newcomer offline: cards at once, labelled as samples (timed in README)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    server = subprocess.Popen([*AITODAY, "--data-dir", str(tmp_path), "run", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = ""
        for _ in range(600):
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            page = response.text
            break
        assert page.count('class="card"') == 6
        assert "sample stories from the demo" in page
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
