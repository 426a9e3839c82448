"""A local stand-in of a messaging provider: records every message it accepts and misbehaves on request.

A small HTTP/1.1 server (keep-alive, asyncio streams, loopback only). ``POST /send`` with a JSON body
``{"to": address, "id": delivery id, "text": ...}`` and optionally an ``Idempotency-Key`` header answers like a
provider would:

* ``200 {"ok": true, "message_id": "m<n>"}`` — accepted (recorded in ``accepted``);
* ``429`` with ``Retry-After`` — to ``rate_limit_fraction`` of calls (seeded), or to addresses in ``wait`` for
  a given time; a later request for the same address before that time is counted in ``early``;
* ``500`` — to addresses in ``fail``; ``403 {"error": "blocked"}`` — to addresses in ``blocked``;
* hang past the client's timeout — for addresses in ``hang`` (after recording the message when ``hang_after``:
  the provider accepted it but the answer never came);
* with ``honour_keys``, a repeated ``Idempotency-Key`` gets the first answer again and records nothing new.

``GET /stats`` answers the counters as JSON (for the benchmark, where the stand-in runs as its own process:
``python -m tests.stubs.recording_provider --port N [--limit-global R] [--limit-per-address R]``, which
enforces real provider limits with 429s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Accepted", "RecordingProvider"]


@dataclass(frozen=True, slots=True)
class Accepted:
    address: str
    delivery_id: str
    at: float
    message_id: str


@dataclass
class RecordingProvider:
    host: str = "127.0.0.1"
    port: int = 0
    rate_limit_fraction: float = 0.0
    retry_after: float = 1.0
    seed: int = 7
    honour_keys: bool = False
    hang_seconds: float = 30.0
    delay: float = 0.0  # latency before every answer (keeps sends in flight long enough to kill a worker mid-send)
    record: bool = True
    limit_global: float = 0.0  # enforce a real limit: messages per second over all addresses (0: none)
    limit_per_address: float = 0.0
    fail: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    hang: set[str] = field(default_factory=set)
    hang_after: bool = True
    wait: dict[str, float] = field(default_factory=dict)  # address -> Retry-After seconds to answer once

    def __post_init__(self) -> None:
        self.accepted: list[Accepted] = []
        self.requests = 0
        self.accepted_count = 0
        self.statuses: Counter[int] = Counter()
        self.attempts: Counter[str] = Counter()  # address -> requests
        self.early = 0  # requests for an address before the Retry-After we gave it
        self.repeated = 0  # requests whose Idempotency-Key was already accepted (would-be duplicates)
        self.first_at = 0.0
        self.last_at = 0.0
        self._paused_until: dict[str, float] = {}
        self._keys: dict[str, str] = {}
        self._addresses: set[str] = set()  # every address that was accepted at least once (lost = asked - this)
        self._rng = random.Random(self.seed)
        self._server: asyncio.Server | None = None
        self._waiters: list[tuple[int, asyncio.Event]] = []
        self._window_start = 0.0
        self._window_count = 0
        self._last_by_address: dict[str, float] = {}

    # ------------------------------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> RecordingProvider:
        self._server = await asyncio.start_server(self._connection, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def wait_accepted(self, count: int, timeout: float = 60.0) -> None:
        """Return once ``count`` messages were accepted (raises TimeoutError otherwise)."""
        if self.accepted_count >= count:
            return
        event = asyncio.Event()
        self._waiters.append((count, event))
        await asyncio.wait_for(event.wait(), timeout)

    # ------------------------------------------------------------------------------------------ HTTP

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, extra, payload = await self._answer(method, path, headers, body)
                if status == 0:  # hang: never answer
                    await asyncio.sleep(self.hang_seconds)
                    return
                data = json.dumps(payload).encode()
                reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error", 403: "Forbidden",
                          400: "Bad Request", 404: "Not Found"}.get(status, "OK")
                head_out = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json",
                            f"Content-Length: {len(data)}", *extra, "", ""]
                writer.write("\r\n".join(head_out).encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, headers: dict[str, str],
                      body: bytes) -> tuple[int, list[str], object]:
        if method == "GET" and path == "/stats":
            return 200, [], self.stats()
        if method != "POST" or path != "/send":
            return 404, [], {"ok": False, "error": "not found"}
        message = json.loads(body or b"{}")
        address = str(message.get("to", ""))
        delivery_id = str(message.get("id", ""))
        now = time.monotonic()
        self.requests += 1
        self.attempts[address] += 1
        if address in self._paused_until and now < self._paused_until[address]:
            self.early += 1
        key = headers.get("idempotency-key", "")
        if self.delay:
            await asyncio.sleep(self.delay)
        if key and key in self._keys:
            self.repeated += 1
        if self.honour_keys and key and key in self._keys:
            return self._status(200), [], {"ok": True, "message_id": self._keys[key]}
        if address in self.wait:
            retry = self.wait.pop(address)
            return self._limited(address, retry, now)
        if self.rate_limit_fraction and self._rng.random() < self.rate_limit_fraction:
            return self._limited(address, self.retry_after, now)
        if self.limit_global or self.limit_per_address:
            limited = self._enforce(address, now)
            if limited is not None:
                return limited
        if address in self.blocked:
            return self._status(403), [], {"ok": False, "error": "blocked by the user"}
        if address in self.fail:
            return self._status(500), [], {"ok": False, "error": "internal error"}
        if address in self.hang:
            if self.hang_after:
                self._accept(address, delivery_id, key, now)
            self.statuses[0] += 1
            return 0, [], None
        message_id = self._accept(address, delivery_id, key, now)
        return self._status(200), [], {"ok": True, "message_id": message_id}

    def _status(self, status: int) -> int:
        self.statuses[status] += 1
        return status

    def _limited(self, address: str, retry: float, now: float) -> tuple[int, list[str], object]:
        self._paused_until[address] = now + retry
        return self._status(429), [f"Retry-After: {retry:g}"], {"ok": False, "retry_after": retry}

    def _enforce(self, address: str, now: float) -> tuple[int, list[str], object] | None:
        """Real provider limits: a fixed one-second window overall, a minimum spacing per address."""
        if self.limit_per_address:
            last = self._last_by_address.get(address)
            if last is not None and now - last < 1.0 / self.limit_per_address * 0.98:
                return self._limited(address, 1.0 / self.limit_per_address, now)
        if self.limit_global:
            if now - self._window_start >= 1.0:
                self._window_start, self._window_count = now, 0
            if self._window_count >= self.limit_global:
                return self._status(429), [f"Retry-After: {self._window_start + 1.0 - now:.3f}"], {"ok": False}
            self._window_count += 1
        self._last_by_address[address] = now
        return None

    def _accept(self, address: str, delivery_id: str, key: str, now: float) -> str:
        self.accepted_count += 1
        self._addresses.add(address)
        message_id = f"m{self.accepted_count}"
        if key:
            self._keys[key] = message_id
        if self.record:
            self.accepted.append(Accepted(address, delivery_id, now, message_id))
        if not self.first_at:
            self.first_at = now
        self.last_at = now
        for count, event in list(self._waiters):
            if self.accepted_count >= count:
                event.set()
                self._waiters.remove((count, event))
        return message_id

    def stats(self) -> dict[str, object]:
        return {"requests": self.requests, "accepted": self.accepted_count, "early": self.early,
                "repeated": self.repeated, "addresses": len(self._addresses),
                "first_at": self.first_at, "last_at": self.last_at,
                "statuses": {str(k): v for k, v in self.statuses.items()}}

    def reset_stats(self) -> None:
        self.requests = self.accepted_count = self.early = 0
        self.first_at = self.last_at = 0.0
        self.statuses.clear()
        self.accepted.clear()
        self._addresses.clear()


async def _serve(args: argparse.Namespace) -> None:
    provider = RecordingProvider(port=args.port, record=False, limit_global=args.limit_global,
                                 limit_per_address=args.limit_per_address)
    await provider.start()
    print(provider.port, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="run the recording provider stand-in on loopback")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limit-global", type=float, default=0.0)
    parser.add_argument("--limit-per-address", type=float, default=0.0)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
