"""Sending through the real slack_sdk AsyncWebClient to the loopback stand-in, and Slack's errors translated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from channels.base import (
    ChannelError,
    Delivery,
    InstallBroken,
    RateLimited,
    Recipient,
    RecipientGone,
    RenderBug,
    TransientError,
)
from channels.slack.channel import SlackChannel
from tests.channels.slack.conftest import BOT_TOKEN
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub


@pytest.fixture
async def channel(slack_stub: SlackApiStub) -> AsyncIterator[SlackChannel]:
    tokens = {"T111": BOT_TOKEN, "TREVOKED": "xoxb-revoked"}
    slack_stub.revoked.add("xoxb-revoked")

    async def token_for(team: str) -> str | None:
        return tokens.get(team)

    adapter = SlackChannel(api_url=slack_stub.url, token_for=token_for)
    yield adapter
    await adapter.aclose()


def _delivery(address: str = "T111:C111", stories: int | None = None, plain: bool = False) -> Delivery:
    edition = sample_edition()
    if stories is not None:
        base = edition.stories
        edition = replace(edition, stories=tuple(
            replace(base[i % len(base)], id=f"n{i}") for i in range(stories)))
    return Delivery(delivery_id="d1", recipient=Recipient("slack", address, "en"), edition=edition, plain=plain)


async def test_digest_is_posted_as_block_kit_with_the_bot_token(
    channel: SlackChannel, slack_stub: SlackApiStub
) -> None:
    receipt = await channel.send(_delivery())
    assert len(slack_stub.posts) == 1
    post = slack_stub.posts[0]
    assert (post.channel, post.token) == ("C111", BOT_TOKEN)
    assert post.blocks[0]["type"] == "header" and len(post.blocks) == 32
    assert receipt.messages == 1 and receipt.provider_message_id == f"C111/{post.ts}"


async def test_a_long_digest_arrives_as_several_posts_in_order(channel: SlackChannel, slack_stub: SlackApiStub) -> None:
    receipt = await channel.send(_delivery(stories=20))
    assert receipt.messages == 2
    headers = [p.blocks[0]["text"]["text"] for p in slack_stub.posts]
    assert headers == ["AIToday · Fri 27 Nov 2026 (1/2)", "AIToday · Fri 27 Nov 2026 (2/2)"]
    ids = [b["block_id"] for p in slack_stub.posts for b in p.blocks if b.get("type") == "section"]
    assert ids == [f"story:n{i}:s" for i in range(20)]


async def test_plain_fallback_sends_text_without_blocks(channel: SlackChannel, slack_stub: SlackApiStub) -> None:
    await channel.send(_delivery(plain=True))
    assert slack_stub.posts[0].blocks == [] and "&lt;!channel&gt;" in slack_stub.posts[0].text


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("channel_not_found", RecipientGone),
        ("is_archived", RecipientGone),
        ("not_in_channel", RecipientGone),
        ("invalid_auth", InstallBroken),
        ("token_revoked", InstallBroken),
        ("account_inactive", InstallBroken),
        ("invalid_blocks", RenderBug),
        ("msg_too_long", RenderBug),
        ("internal_error", TransientError),
    ],
)
async def test_ok_false_answers_map_to_our_error_tree(
    channel: SlackChannel, slack_stub: SlackApiStub, code: str, error_type: type[ChannelError]
) -> None:
    slack_stub.fail_next(code)
    with pytest.raises(error_type) as caught:
        await channel.send(_delivery())
    assert code in caught.value.detail and BOT_TOKEN not in caught.value.detail
    assert slack_stub.posts == []


async def test_archived_channel_answer_from_the_stand_in_is_recipient_gone(
    channel: SlackChannel, slack_stub: SlackApiStub
) -> None:
    slack_stub.channel_errors["C999"] = "is_archived"
    with pytest.raises(RecipientGone):
        await channel.send(_delivery("T111:C999"))


async def test_long_retry_after_becomes_rate_limited_for_that_channel(
    channel: SlackChannel, slack_stub: SlackApiStub
) -> None:
    slack_stub.fail_next("ratelimited", status=429, retry_after=30)
    with pytest.raises(RateLimited) as caught:
        await channel.send(_delivery())
    assert caught.value.retry_after == 30
    assert caught.value.bucket == "slack:channel:T111:C111"
    assert slack_stub.calls == ["chat.postMessage"]  # no retry inside the worker for a long wait


async def test_short_retry_after_is_retried_once_by_the_sdk_handler(
    channel: SlackChannel, slack_stub: SlackApiStub
) -> None:
    slack_stub.fail_next("ratelimited", status=429, retry_after=0)
    receipt = await channel.send(_delivery())
    assert receipt.messages == 1
    assert slack_stub.calls == ["chat.postMessage", "chat.postMessage"]
    assert len(slack_stub.posts) == 1


async def test_revoked_token_and_missing_install_are_install_broken(channel: SlackChannel) -> None:
    with pytest.raises(InstallBroken):
        await channel.send(_delivery("TREVOKED:C1"))
    with pytest.raises(InstallBroken):
        await channel.send(_delivery("TNOPE:C1"))


async def test_unreachable_api_is_transient(slack_stub: SlackApiStub) -> None:
    async def token_for(team: str) -> str | None:
        return BOT_TOKEN

    url = slack_stub.url
    await slack_stub.stop()
    adapter = SlackChannel(api_url=url, token_for=token_for)
    try:
        with pytest.raises(TransientError):
            await adapter.send(_delivery())
    finally:
        await adapter.aclose()


def test_one_message_per_second_per_channel_and_300_a_minute_per_workspace(channel: SlackChannel) -> None:
    limits = channel.rate_limits(Recipient("slack", "T111:C111"))
    assert [(r.bucket, r.rate, r.per_seconds) for r in limits] == [
        ("slack:channel:T111:C111", 1.0, 1.0), ("slack:team:T111", 300.0, 60.0)]
