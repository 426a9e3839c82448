"""Forged and replayed webhooks: every one refused or deduplicated, never a 5xx, never a state change.

Requests are built with Slack's real v0 algorithm (``conftest.sign``) and then broken one way each; the app
is the real ASGI app over HTTP with a real Redis. "No state change" is checked on every Redis key but the
rejection counters, and on the Web API stand-in (no reply was posted).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Services
from bot.store.client import RedisClient
from channels.slack.inbound import MAX_BODY
from channels.slack.verify import SlackSignature
from tests.channels.slack.conftest import SIGNING_SECRET, TEAM, event_body, post_signed, sign, slash
from tests.conftest import HAS_SHARED, PAYLOADS, SHARED_PAYLOADS
from tests.redis_state import redis_state
from tests.stubs.slack_api import SlackApiStub

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
VECTOR = json.loads((PAYLOADS / "slack" / "slash_command_signed_official_vector.json").read_text())
#: Slack's own published vector, from the shared corpus when it is there.
VECTORS = [
    pytest.param(PAYLOADS, id="project"),
    pytest.param(SHARED_PAYLOADS, id="slack-official",
                 marks=pytest.mark.skipif(not HAS_SHARED, reason="Slack's official vector lives in ../shared")),
]


def _dm(text: str = "subscribe", event_id: str = "EvF1") -> bytes:
    return event_body({"type": "message", "channel_type": "im", "channel": "D0DM", "user": "W111", "text": text,
                       "ts": "1.1", "team": TEAM}, event_id=event_id)


def _forgeries() -> list[tuple[str, bytes, dict[str, str | bytes]]]:
    """(name, body, headers) of requests Slack did not send, each from a correctly signed original."""
    body = slash("subscribe")
    good = sign(body)
    now = int(time.time())
    flipped = bytearray(body)
    flipped[len(body) // 2] ^= 0x01
    cases: list[tuple[str, bytes, dict[str, str | bytes]]] = [
        ("no signature", body, {"X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"]}),
        ("no timestamp", body, {"X-Slack-Signature": good["X-Slack-Signature"]}),
        ("no headers", body, {}),
        ("wrong secret", body, sign(body, secret="not-the-secret")),
        ("wrong signature", body, {**good, "X-Slack-Signature": "v0=" + "0" * 64}),
        ("v1 scheme", body, {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")}),
        ("upper-case hex", body, {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()}),
        ("non-ascii signature", body, {**good, "X-Slack-Signature": ("v0=é" + "0" * 63).encode()}),
        ("1 byte changed", bytes(flipped), good),
        ("1 byte appended", body + b"&", good),
        ("1 byte removed", body[:-1], good),
        ("official tamper: '------' appended", body + b"------", good),
        ("timestamp +301 s", body, sign(body, timestamp=now + 301)),
        ("timestamp -301 s", body, sign(body, timestamp=now - 301)),
        ("timestamp from 2018", body, sign(body, timestamp=1531420618)),
        ("timestamp header moved but body signed with old", body,
         {**good, "X-Slack-Request-Timestamp": str(now - 1)}),
    ]
    for bad_ts in ("abc", "", "1e9", "-5", " 123", "１２３", "12345678901234567890", str(now) + ".5", "0x10"):
        digest = SlackSignature(SIGNING_SECRET).sign(body, bad_ts) if bad_ts.isascii() else "v0=" + "0" * 64
        cases.append((f"timestamp {bad_ts!r}", body, {"X-Slack-Request-Timestamp": bad_ts.encode(),
                                                      "X-Slack-Signature": digest}))
    return cases


@pytest.mark.parametrize("where", VECTORS)
async def test_the_official_signing_vector_is_valid_only_at_its_own_time(client: httpx.AsyncClient,
                                                                        where: Path) -> None:
    vector = json.loads((where / "slack" / "slash_command_signed_official_vector.json").read_text())
    headers = vector["headers"]
    body = vector["raw_body"].encode()
    vector_time = float(vector["expected"]["signature_valid_when_clock_is"])
    at_its_time = SlackSignature(vector["signing_secret"], clock=lambda: vector_time)
    assert at_its_time.check(body, {k.lower(): v for k, v in headers.items()}) is None
    assert at_its_time.check(body + b"------", {k.lower(): v for k, v in headers.items()}) is not None
    response = await client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 403  # the real clock is years past the 5-minute window


async def test_every_forgery_is_refused_without_a_trace(
    client: httpx.AsyncClient, redis_client: RedisClient, slack_stub: SlackApiStub, services: Services
) -> None:
    before = await redis_state(redis_client)
    statuses: Counter[int] = Counter()
    cases = _forgeries()
    for _name, body, headers in cases:
        response = await client.post("/slack/events", content=body, headers={"Content-Type": FORM, **headers})
        statuses[response.status_code] += 1
    assert set(statuses) <= {401, 403} and sum(statuses.values()) == len(cases)  # unsigned 401, forged 403
    assert await redis_state(redis_client) == before
    assert slack_stub.posts == [] and slack_stub.calls == []
    rejected = await redis_client.hgetall("aitoday:v1:{g}:counter:webhook_rejections")
    assert sum(int(v) for v in rejected.values()) == len(cases)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7), skew=st.integers(-1000, 1000))
async def test_any_single_bit_flip_or_skew_beyond_the_window_is_refused(
    client: httpx.AsyncClient, position: int, bit: int, skew: int
) -> None:
    body = _dm(event_id=f"EvBit{position}-{bit}-{skew}")
    headers = sign(body, timestamp=int(time.time()) + skew)
    tampered = bytearray(body)
    tampered[position % len(body)] ^= 1 << bit
    response = await post_signed_raw(client, bytes(tampered), headers)
    assert response.status_code in (400, 403)
    if abs(skew) > 301:
        assert (await post_signed_raw(client, body, headers)).status_code == 403


async def post_signed_raw(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/slack/events", content=body, headers={"Content-Type": JSON, **headers})


async def test_timestamps_just_inside_the_window_are_accepted(client: httpx.AsyncClient) -> None:
    for skew in (-299, 299):
        response = await post_signed(client, slash("help"), FORM, timestamp=int(time.time()) + skew)
        assert response.status_code == 200


async def test_oversize_bodies_are_refused_before_reading_them_whole(
    client: httpx.AsyncClient, redis_client: RedisClient
) -> None:
    before = await redis_state(redis_client)
    big = slash("subscribe") + b"&pad=" + b"a" * MAX_BODY
    assert (await post_signed(client, big, FORM)).status_code == 413

    async def chunks() -> object:  # no Content-Length: the cap applies to what actually arrives
        for _ in range(MAX_BODY // 8192 + 2):
            yield b"a" * 8192

    headers = {"Content-Type": FORM, **sign(b"")}
    response = await client.post("/slack/events", content=chunks(), headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 413
    assert await redis_state(redis_client) == before


async def test_signed_but_malformed_bodies_get_400_not_500(client: httpx.AsyncClient) -> None:
    assert (await post_signed(client, b"\xff\xfe{not utf-8", JSON)).status_code == 400
    assert (await post_signed(client, b"{not json", JSON)).status_code == 400
    assert (await post_signed(client, b"[1, 2]", JSON)).status_code < 500
    assert (await post_signed(client, b"payload=%7Bbroken", FORM)).status_code < 500
    assert (await post_signed(client, b"", FORM)).status_code < 500


@pytest.mark.both_redis
async def test_an_exact_replay_is_refused(client: httpx.AsyncClient, services: Services) -> None:
    body = slash("subscribe")
    headers = {"Content-Type": FORM, **sign(body)}
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 200
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 403


@pytest.mark.both_redis
async def test_slack_retrying_the_same_event_is_answered_once(
    client: httpx.AsyncClient, slack_stub: SlackApiStub
) -> None:
    fixture = json.loads((PAYLOADS / "slack" / "event_callback_app_mention.json").read_text())
    body = fixture["body"]
    body["event"]["text"] = "<@W111> help"
    raw = json.dumps(body).encode()
    first = await post_signed(client, raw, JSON)
    retry = await post_signed(client, raw, JSON, timestamp=int(time.time()) + 1,
                              extra=fixture["retry_variant"]["extra_headers"])
    assert first.status_code == retry.status_code == 200
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    await slack_stub.wait_for_posts(1)
    await asyncio.sleep(0)  # let any wrongly started second listener run before counting
    assert len(slack_stub.posts) == 1


@pytest.mark.parametrize("kind", ["event", "slash"])
@pytest.mark.both_redis
async def test_concurrent_replays_take_effect_once(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services, kind: str
) -> None:
    if kind == "event":
        body, content_type = _dm("topics add robotics", event_id="EvConc"), JSON
        # Slack's own retries carry fresh timestamps (distinct signatures); attackers replay exact copies
        variants = [sign(body, timestamp=int(time.time()) + i % 3) for i in range(30)]
    else:
        body, content_type = slash("topics add robotics"), FORM
        variants = [sign(body)] * 30
    responses = await asyncio.gather(*(
        client.post("/slack/events", content=body, headers={"Content-Type": content_type, **h}) for h in variants))
    statuses = Counter(r.status_code for r in responses)
    assert all(code < 500 for code in statuses)
    if kind == "event":
        assert statuses == Counter({200: 3, 403: 27})  # 3 distinct signatures, 27 exact copies
        await slack_stub.wait_for_posts(1)
        await asyncio.sleep(0)
        assert len(slack_stub.posts) == 1
    else:
        assert statuses[200] == 1 and statuses[403] == 29
        accepted = [r for r in responses if r.status_code == 200]
        assert accepted[0].json()["text"].startswith("Added robotics")
