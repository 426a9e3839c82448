"""Sending through the real SDK to the stand-in: one digest per delivery, LINE's answers mapped to our tree."""

from __future__ import annotations

import socket
import uuid

import pytest
from aiohttp import ClientSession, web

from channels.base import (
    Delivery,
    InstallBroken,
    QuotaExceeded,
    RateLimited,
    Recipient,
    RecipientGone,
    RenderBug,
    TransientError,
)
from channels.line.channel import LineChannel, retry_key
from tests.conftest import PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub
from tests.stubs.loopback import loopback_socket, url_of

USER = "U206d25c2ea6bd87c17655609a1c37cb8"


def _delivery(delivery_id: str = "sub1:2026-11-27:0730", *, plain: bool = False, language: str = "en") -> Delivery:
    return Delivery(delivery_id=delivery_id, recipient=Recipient("line", USER, language), edition=sample_edition(),
                    plain=plain)


async def test_a_delivery_is_one_flex_push_with_a_uuid_retry_key(channel: LineChannel, stub: LineApiStub) -> None:
    receipt = await channel.send(_delivery())
    [push] = stub.pushes_to(USER)
    assert push.endpoint == "push"
    assert [m["type"] for m in push.messages] == ["flex"]
    assert len(push.messages[0]["contents"]["contents"]) == 8
    assert push.retry_key == retry_key("sub1:2026-11-27:0730") == str(uuid.UUID(push.retry_key))
    assert receipt.provider_message_id and receipt.messages == 1


async def test_a_retried_delivery_is_shown_once_and_the_409_counts_as_delivered(
    channel: LineChannel, stub: LineApiStub
) -> None:
    first = await channel.send(_delivery())
    again = await channel.send(_delivery())
    assert len(stub.pushes_to(USER)) == 1
    assert again.provider_message_id == stub.sent[0].request_id  # X-Line-Accepted-Request-Id of the first try
    assert first.accepted_at is not None and again.accepted_at is not None
    await channel.send(_delivery("sub1:2026-11-28:0730"))
    assert len(stub.pushes_to(USER)) == 2  # another day is another delivery


def test_retry_keys_are_stable_and_distinct() -> None:
    assert retry_key("a") == retry_key("a") != retry_key("b")
    assert retry_key("a", 1) != retry_key("a", 2) != retry_key("a")


async def test_the_plain_fallback_is_text(channel: LineChannel, stub: LineApiStub) -> None:
    await channel.send(_delivery(plain=True))
    [push] = stub.sent
    assert {m["type"] for m in push.messages} == {"text"}
    assert "What happened: OpenAI released GPT-6" in push.messages[0]["text"]


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (429, {"message": "Too many requests"}, {"Retry-After": "7"}, RateLimited),
        (429, {"message": "You have reached your monthly limit."}, {}, QuotaExceeded),
        (500, {"message": "Internal server error"}, {}, TransientError),
        (503, {"message": "Service unavailable"}, {}, TransientError),
        (400, None, {}, RenderBug),
        (400, {"message": "Failed to send messages"}, {}, RecipientGone),
        (401, None, {}, InstallBroken),
        (403, None, {}, InstallBroken),
    ],
)
async def test_line_errors_become_our_error_classes(
    channel: LineChannel, stub: LineApiStub, status: int, body: dict[str, str] | None, headers: dict[str, str],
    error: type[Exception],
) -> None:
    stub.fail_next(status, body=body, headers=headers)
    with pytest.raises(error) as raised:
        await channel.send(_delivery())
    assert stub.sent == []
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 7.0
    await channel.send(_delivery())  # the failure did not poison the retry key
    assert len(stub.sent) == 1


async def test_the_shared_400_fixture_is_a_render_bug(channel: LineChannel, stub: LineApiStub) -> None:
    import json

    fixture = json.loads((PAYLOADS / "line" / "error_400_validation.json").read_text())["response"]
    stub.fail_next(400, body=fixture["body"], headers=fixture["headers"])
    with pytest.raises(RenderBug, match="The request body has 2 error"):
        await channel.send(_delivery())


async def test_a_wrong_access_token_is_a_broken_install(stub: LineApiStub, api_url: str) -> None:
    line = LineChannel("revoked-token", api_url)
    try:
        with pytest.raises(InstallBroken):
            await line.send(_delivery())
    finally:
        await line.aclose()
    assert stub.rejected == [("push", 401, "token")]


async def test_an_unreachable_api_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = LineChannel("token", f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(TransientError):
            await line.send(_delivery())
    finally:
        await line.aclose()


async def test_multicast_sends_batches_of_at_most_500_once(channel: LineChannel, stub: LineApiStub) -> None:
    users = [f"U{n:032x}" for n in range(1234)]
    messages = channel.render(sample_edition(), "en")
    receipts = await channel.multicast(users, messages, "fanout:2026-11-27:en:all")
    assert [len(p.to) for p in stub.sent] == [500, 500, 234]
    assert [r.messages for r in receipts] == [500, 500, 234]
    assert sorted(u for p in stub.sent for u in p.to) == sorted(users)
    await channel.multicast(users, messages, "fanout:2026-11-27:en:all")  # a retry of the whole fan-out
    assert len(stub.sent) == 3


async def test_a_multicast_failing_midway_resumes_without_duplicates(channel: LineChannel, stub: LineApiStub) -> None:
    users = [f"U{n:032x}" for n in range(1200)]
    messages = channel.render(sample_edition(), "en")
    await channel.multicast(users[:500], messages, "k")  # first batch accepted under the same key
    stub.fail_next(500, endpoint="multicast")
    with pytest.raises(TransientError):
        await channel.multicast(users, messages, "k")
    await channel.multicast(users, messages, "k")
    assert sorted(u for p in stub.sent for u in p.to) == sorted(users)


async def test_quota_reads_limit_and_consumption(channel: LineChannel, stub: LineApiStub) -> None:
    assert (await channel.quota()).remaining is None
    stub.quota_limit, stub.used = 500, 480
    quota = await channel.quota()
    assert (quota.limit, quota.used, quota.remaining) == (500, 480, 20)
    assert quota.covers(20) and not quota.covers(21)


async def test_profile_and_reply(channel: LineChannel, stub: LineApiStub) -> None:
    stub.profiles[USER] = {"displayName": "Aki", "language": "ja"}
    profile = await channel.profile(USER)
    assert (profile.display_name, profile.language) == ("Aki", "ja")
    with pytest.raises(RecipientGone):
        await channel.profile("Uunknown")
    await channel.reply("token-1", [{"type": "text", "text": "hi"}])
    with pytest.raises(RecipientGone):  # a reply token works once
        await channel.reply("token-1", [{"type": "text", "text": "hi"}])
    assert len(stub.replies) == 1


def test_rate_limits_name_the_push_bucket(channel: LineChannel) -> None:
    [limit] = channel.rate_limits(Recipient("line", USER))
    assert limit.bucket == "line:push" and limit.rate > 0


async def test_the_sdk_fixtures_401_reply_token_answer_is_handled(channel: LineChannel, stub: LineApiStub) -> None:
    import json

    fixture = json.loads((PAYLOADS / "line" / "error_401_invalid_reply_token_on_push.json").read_text())["response"]
    stub.fail_next(401, endpoint="reply", body=fixture["body"], headers=fixture["headers"])
    with pytest.raises(RecipientGone, match="reply token"):
        await channel.reply("expired", [{"type": "text", "text": "hi"}])


@pytest.mark.parametrize("proxied", [False, True])
async def test_the_api_goes_through_a_proxy_exactly_when_the_environment_names_one(
    stub: LineApiStub, api_url: str, monkeypatch: pytest.MonkeyPatch, proxied: bool
) -> None:
    """The SDK's per-request proxy and netrc lookups are skipped without a proxy variable (a third of the webhook
    route's time), so a deployment behind a proxy must still reach LINE through it."""
    forwarded: list[str] = []

    async def forward(request: web.Request) -> web.Response:  # a plain forwarding HTTP proxy
        forwarded.append(str(request.url))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with ClientSession() as session, session.request(
            request.method, str(request.url), data=await request.read(), headers=headers
        ) as answer:
            return web.Response(status=answer.status, body=await answer.read(), headers={
                k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "x-line-request-id")})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = loopback_socket()
    await web.SockSite(runner, sock).start()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    if proxied:
        monkeypatch.setenv("HTTP_PROXY", url_of(sock))
    line = LineChannel(stub.token, api_url)
    try:
        await line.send(_delivery())
    finally:
        await line.aclose()
        await runner.cleanup()
    assert len(stub.pushes_to(USER)) == 1
    assert len(forwarded) == (1 if proxied else 0)
