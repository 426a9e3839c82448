"""Webhook round trip (signed request → reply) at a steady request rate on loopback. Prints ONE JSON object.

    python bench/webhooks.py --json [--rate 200] [--seconds 10]

The real app (``bot.web.app.create_app``) runs under uvicorn in a child process, with a real Redis (the
embedded one, or ``--redis-url``), the Slack Web API and LINE API stand-ins on loopback, and Slack/LINE
configured as in production. The parent sends an open-loop stream at ``--rate`` requests/s (each request is
scheduled at a fixed instant whatever happened before, so a slow server shows up as latency instead of
quietly slowing the load), alternating:

* Slack: ``/aitoday <command>`` slash commands signed with Slack's v0 algorithm; the reply is the response;
* LINE (when its route exists): a text-message webhook signed with ``X-Line-Signature``; the route answers
  after the reply was sent through the reply API.

``load_1m`` (the machine's 1-minute load average at the end) tells whether other work shared the cores.
Commands rotate over ``settings``, ``time 07:30``, ``topics add robotics``, ``help`` for 500 distinct users,
so most requests read and write a subscription. Latency is measured from each request's scheduled instant
to its response. ``errors`` counts non-200 answers and transport failures. ``app_cpu_ms_per_request`` is the app
process's CPU time per request (Linux): the figure to compare across runs on a shared machine, where latency
also measures the neighbours.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLACK_SECRET = "bench-slack-signing-secret"
SLACK_TOKEN = "xoxb-test-token"
LINE_SECRET = "bench-line-channel-secret"
LINE_TOKEN = "line-test-token"
COMMANDS = ("settings", "time 07:30", "topics add robotics", "help")
USERS = 500


# ------------------------------------------------------------------ the server (child process)


async def _stubs() -> None:
    """The providers' stand-ins, in a process of their own so their work is not billed to the app's loop."""
    import uvicorn

    from tests.stubs.slack_api import SlackApiStub

    slack = SlackApiStub(tokens={SLACK_TOKEN: "T111"})
    await slack.start()
    ports = {"slack": slack.url}
    line_server = None
    if (ROOT / "channels" / "line" / "inbound.py").exists() or (ROOT / "bot" / "web" / "line.py").exists():
        from tests.stubs.line_api import LineApiStub

        line = LineApiStub(token=LINE_TOKEN)
        config = uvicorn.Config(line.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                                access_log=False)
        line_server = uvicorn.Server(config)
        task = asyncio.get_running_loop().create_task(line_server.serve())
        while not line_server.started:
            await asyncio.sleep(0.01)
        ports["line"] = f"http://127.0.0.1:{line_server.servers[0].sockets[0].getsockname()[1]}"
    print("READY " + json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    if line_server is not None:
        line_server.should_exit = True
        await task
    await slack.stop()


async def _serve(port: int, data_dir: str, redis_url: str, provider_urls: dict[str, str]) -> None:
    import uvicorn

    from bot.app import open_services
    from bot.settings import load_settings
    from bot.web.app import create_app

    env = {
        "AITODAY_DATA_DIR": data_dir,
        "AITODAY_SECRET_KEY": "bench-secret-key-bench-secret-key",
        "AITODAY_SLACK_API_URL": provider_urls["slack"],
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
    }
    if redis_url:
        env["AITODAY_REDIS_URL"] = redis_url
    if "line" in provider_urls:
        env.update(LINE_CHANNEL_SECRET=LINE_SECRET, LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
                   AITODAY_LINE_API_URL=provider_urls["line"])
    async with open_services(load_settings(env=env)) as services:
        app = create_app(services)
        channels = sorted(r.path for r in app.routes if getattr(r, "path", "").endswith(("/events", "/webhook")))
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.get_running_loop().create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        # the parent ends the run with SIGTERM: stop serving so that open_services stops its embedded Redis
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: setattr(server, "should_exit", True))
        print("READY " + json.dumps(channels), flush=True)
        await task


# ------------------------------------------------------------------ the load (parent process)


def _slack_request(i: int) -> tuple[str, bytes, dict[str, str]]:
    body = urlencode({
        "token": "x", "team_id": "T111", "team_domain": "bench", "channel_id": "D0BENCH",
        "channel_name": "directmessage", "user_id": f"W{i % USERS:05d}", "user_name": "bench",
        "command": "/aitoday", "text": COMMANDS[i % len(COMMANDS)],
        "response_url": "http://127.0.0.1:9/unused", "trigger_id": uuid.uuid4().hex,
    }).encode()
    ts = str(int(time.time()))
    digest = hmac.new(SLACK_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": f"v0={digest}"}
    return "/slack/events", body, headers


def _line_request(i: int) -> tuple[str, bytes, dict[str, str]]:
    event = {
        "replyToken": uuid.uuid4().hex, "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"U{i % USERS:032x}"}, "webhookEventId": uuid.uuid4().hex.upper(),
        "deliveryContext": {"isRedelivery": False},
        "message": {"id": str(i), "type": "text", "text": COMMANDS[i % len(COMMANDS)], "quoteToken": "q"},
    }
    body = json.dumps({"destination": "U123", "events": [event]}, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return "/line/webhook", body, {"Content-Type": "application/json", "X-Line-Signature": signature}


async def _load(base: str, routes: list[str], rate: float, seconds: float) -> dict[str, Any]:
    makers = [m for path, m in (("/slack/events", _slack_request), ("/line/webhook", _line_request)) if path in routes]
    latencies: dict[str, list[float]] = {path: [] for path in routes}
    errors = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int, scheduled: float, record: bool) -> None:
            nonlocal errors
            path, body, headers = makers[i % len(makers)](i)
            try:
                async with session.post(base + path, data=body, headers=headers) as response:
                    text = await response.read()
                    # an apology in a 200 (internal failure, answer past the deadline) is an error too
                    ok = response.status == 200 and b"went wrong" not in text and b"too long" not in text
            except aiohttp.ClientError:
                ok = False
            if record:
                latencies[path].append((time.perf_counter() - scheduled) * 1000)
                errors += 0 if ok else 1

        warm = [one(i, time.perf_counter(), False) for i in range(40)]
        await asyncio.gather(*warm)
        total = int(rate * seconds)
        start = time.perf_counter() + 0.05
        tasks = []
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i + 1000, scheduled, True)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    every = sorted(x for values in latencies.values() for x in values)
    result: dict[str, Any] = {
        "p50_ms": round(_pct(every, 50), 2),
        "p99_ms": round(_pct(every, 99), 2),
        "rps": round(len(every) / elapsed, 1),
        "errors": errors,
        "requests": len(every),
        "target_rps": rate,
        "seconds": seconds,
        "load_1m": round(os.getloadavg()[0], 2),  # the machine's load: other processes share these cores
        "cpus": os.cpu_count(),
    }
    for path, values in latencies.items():
        values.sort()
        name = path.strip("/").split("/")[0]
        result[name] = {"p50_ms": round(_pct(values, 50), 2), "p99_ms": round(_pct(values, 99), 2),
                        "requests": len(values)}
    return result


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


def _ready(process: subprocess.Popen[str]) -> Any:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        raise SystemExit(json.dumps({"error": "a bench process did not start"}))
    return json.loads(line.removeprefix("READY "))


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process has used (Linux ``/proc``); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the only output form)")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--only", choices=("slack", "line"), default="", help="measure one channel's webhook")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--stubs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--providers", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stubs:
        asyncio.run(_stubs())
        return 0
    if args.serve:
        asyncio.run(_serve(args.serve, args.data_dir, args.redis_url, json.loads(args.providers)))
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AITODAY_", "SLACK_", "LINE_"))}
    with tempfile.TemporaryDirectory() as data_dir:
        stubs = subprocess.Popen([sys.executable, __file__, "--stubs"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, env=env, cwd=str(ROOT), text=True)
        child: subprocess.Popen[str] | None = None
        try:
            providers = _ready(stubs)
            port = _free_port()
            child = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port), "--data-dir", data_dir, "--redis-url",
                 args.redis_url, "--providers", json.dumps(providers)],
                stdout=subprocess.PIPE, env=env, cwd=str(ROOT), text=True)
            routes = [r for r in _ready(child) if args.only in r]
            cpu_before = _cpu_seconds(child.pid)
            result = asyncio.run(_load(f"http://127.0.0.1:{port}", routes, args.rate, args.seconds))
            cpu_after = _cpu_seconds(child.pid)
            if cpu_before is not None and cpu_after is not None:
                # the app's own CPU per request (warm-up included): steady under a shared machine's noise
                result["app_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / (result["requests"] + 40), 2)
        finally:
            for process in (child, stubs):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
