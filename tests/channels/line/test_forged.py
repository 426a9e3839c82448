"""Forged and replayed LINE webhooks, generated: every one rejected or deduplicated, none ≥ 500, nothing changed.

A forger has everything but the channel secret: a real captured request, its signature, LINE's JSON shape.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import Services, open_services
from bot.redis_server import EmbeddedRedis
from bot.settings import load_settings
from bot.store.models import Identity
from bot.web.app import create_app
from channels.line.inbound import MAX_BODY
from tests.channels.line.conftest import SECRET, Post, event_body, fixture, make_event, sign, text_event
from tests.redis_state import redis_state
from tests.stubs.line_api import LineApiStub
from tests.stubs.loopback import serve

USER = "U206d25c2ea6bd87c17655609a1c37cb8"


def _forgeries(body: bytes, rng: random.Random) -> list[tuple[str, bytes, dict[str, str]]]:
    """(name, body, headers) of requests that must all be refused."""
    good = sign(body)
    cases: list[tuple[str, bytes, dict[str, str]]] = [
        ("missing signature", body, {}),
        ("empty signature", body, {"x-line-signature": ""}),
        ("LINE's invalid example", body, {"x-line-signature": fixture("signature_test_vector.json")
                                          ["invalid_signature_example"]}),
        ("other secret", body, {"x-line-signature": sign(body, "not-the-secret")}),
        ("random signature", body, {"x-line-signature": base64.b64encode(rng.randbytes(32)).decode()}),
        ("signature of another body", body, {"x-line-signature": sign(body + b" ")}),
        ("lower-cased signature", body, {"x-line-signature": good.lower()}),
        ("truncated body", body[:-1], {"x-line-signature": good}),
        ("appended byte", body + b"\n", {"x-line-signature": good}),
    ]
    parsed = json.loads(body)
    for name, variant in [
        ("re-serialised (spaced)", json.dumps(parsed, indent=1)),
        ("re-serialised (ascii)", json.dumps(parsed, ensure_ascii=True)),
        ("re-serialised (sorted keys)", json.dumps(parsed, sort_keys=True, separators=(",", ":"))),
        ("re-serialised (compact)", json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)),
    ]:
        if variant.encode() != body:
            cases.append((name, variant.encode(), {"x-line-signature": good}))
    for position in [*sorted(rng.sample(range(len(body)), 40)), 0, len(body) - 1]:
        changed = bytearray(body)
        changed[position] ^= 1 << rng.randrange(8)
        cases.append((f"1-byte change at {position}", bytes(changed), {"x-line-signature": good}))
    huge = event_body(text_event(USER, "x" * (MAX_BODY + 10), "huge"))
    cases.append(("oversize, validly signed", huge, {"x-line-signature": sign(huge)}))
    cases.append(("oversize, forged", huge, {"x-line-signature": good}))
    return cases


async def test_forged_webhooks_are_all_rejected_without_5xx_or_state_change(
    post: Post, services: Services, stub: LineApiStub
) -> None:
    await post(event_body(make_event("follow", USER, "setup")))
    replies_before = len(stub.replies)
    body = event_body(text_event(USER, "topics add robotics", "forge-target"))
    before = await redis_state(services.runtime.redis)
    statuses: dict[str, int] = {}
    for name, forged, headers in _forgeries(body, random.Random(6)):
        response = await post(forged, headers={"content-type": "application/json", **headers}, sign_it=False)
        statuses[name] = response.status_code
    assert len(statuses) >= 50
    assert {name: s for name, s in statuses.items() if s not in (401, 403, 413)} == {}
    assert await redis_state(services.runtime.redis) == before
    assert len(stub.replies) == replies_before
    sub = await services.store.get(Identity("line", (USER,)))
    assert sub is not None and sub.topics == ()


async def test_a_streamed_oversize_body_without_length_is_cut_off(app_url: str, services: Services) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 4096 + 4):
            yield b"x" * 4096

    async with httpx.AsyncClient(base_url=app_url) as client:
        response = await client.post("/line/webhook", content=chunks(), headers={"x-line-signature": "abc"})
    assert response.status_code == 413


async def test_validly_signed_garbage_is_a_400_not_a_500(post: Post) -> None:
    vector = fixture("signature_test_vector.json")
    for body in (vector["raw_body"].encode(), b'{"destination":"U1"}', b'{"events": "nope"}', b"[]",
                 b'{"events":[{"type":"message"}]}', "\u00ff".encode("latin-1")):
        response = await post(body)
        assert response.status_code in (400, 403), body


@pytest.mark.both_redis
async def test_the_same_event_twice_is_handled_once(post: Post, services: Services, stub: LineApiStub) -> None:
    body = event_body(text_event(USER, "pause 3 days", "evt-1"))
    await post(event_body(make_event("follow", USER, "follow-1")))
    first = await post(body)
    again = await post(body)
    assert (first.status_code, again.status_code) == (200, 200)
    redelivered = json.loads(body)
    redelivered["events"][0]["deliveryContext"]["isRedelivery"] = True
    redelivered["events"][0]["replyToken"] = "another-token"
    third = await post(json.dumps(redelivered).encode())
    assert third.status_code == 200
    assert [r.to for r in stub.replies] == [["reply-follow-1"], ["reply-evt-1"]]


async def test_concurrent_replays_are_handled_once(post: Post, services: Services, stub: LineApiStub) -> None:
    await post(event_body(make_event("follow", USER, "follow-1")))
    body = event_body(text_event(USER, "items 9", "evt-concurrent"))
    responses = await asyncio.gather(*(post(body) for _ in range(25)))
    assert [r.status_code for r in responses] == [200] * 25
    assert [r.to for r in stub.replies] == [["reply-follow-1"], ["reply-evt-concurrent"]]
    sub = await services.store.get(Identity("line", (USER,)))
    assert sub is not None and sub.items == 9


async def test_with_redis_down_a_genuine_event_asks_line_to_retry_and_a_forged_one_is_still_refused(
    stub: LineApiStub, api_url: str, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    url = server.start()
    settings = load_settings(env={
        "AITODAY_REDIS_URL": url, "AITODAY_DATA_DIR": str(tmp_path / "data"),
        "AITODAY_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": stub.token, "AITODAY_LINE_API_URL": api_url,
    })
    try:
        async with open_services(settings) as services, serve(create_app(services)) as app_url, \
                httpx.AsyncClient(base_url=app_url) as client:
            server.stop()
            body = event_body(text_event(USER, "time 07:00", "while-down"))
            genuine = await client.post("/line/webhook", content=body, headers={"x-line-signature": sign(body)})
            forged = await client.post("/line/webhook", content=body, headers={"x-line-signature": sign(b"x")})
    finally:
        server.stop()
    assert genuine.status_code == 503  # LINE redelivers a non-2xx answer
    assert forged.status_code == 403
    assert stub.replies == []
