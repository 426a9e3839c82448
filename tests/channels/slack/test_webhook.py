"""Chatting with the bot on Slack: slash commands, DMs, mentions and buttons, through the real ASGI app."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import httpx
import pytest

from bot.app import Services
from bot.store.client import RedisClient
from bot.store.edition_store import EditionStore
from bot.store.feedback import FeedbackStore, Vote
from bot.store.models import Identity
from channels.slack.render import ACTION_DISLIKE, ACTION_LIKE, render_posts
from tests.channels.slack.conftest import TEAM, event_body, post_signed, sign, slash
from tests.conftest import PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import SlackApiStub

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


async def test_url_verification_answers_the_challenge(client: httpx.AsyncClient) -> None:
    fixture = json.loads((PAYLOADS / "slack" / "url_verification.json").read_text())
    response = await post_signed(client, json.dumps(fixture["request"]["body"]).encode(), JSON)
    assert response.status_code == 200
    assert response.json() == fixture["expected_response"]["body_json"]


async def test_slash_command_in_a_dm_subscribes_the_person_with_an_ephemeral_reply(
    client: httpx.AsyncClient, services: Services
) -> None:
    response = await post_signed(client, slash("subscribe"), FORM)
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral",
                               "text": "Subscribed: your digest arrives daily at 07:30 (UTC). "
                                       "Change it with “time 8:00” or “timezone Europe/London”."}
    sub = await services.store.get(Identity.parse(f"slack:{TEAM}:W111"))
    assert sub is not None and sub.active


async def test_a_first_subscribe_starts_on_the_persons_slack_time_zone_and_language(
    client: httpx.AsyncClient, services: Services, slack_stub: SlackApiStub,
) -> None:
    slack_stub.users["W444"] = {"tz": "America/Los_Angeles", "tz_label": "Pacific Standard Time",
                               "tz_offset": -28800, "locale": "en-US"}
    slack_stub.users["W555"] = {"tz": "Asia/Tokyo", "tz_label": "Japan Standard Time", "tz_offset": 32400,
                               "locale": "ja-JP"}
    english = await post_signed(client, slash("subscribe", user="W444", channel="D444"), FORM)
    assert "07:30 (America/Los_Angeles)" in english.json()["text"]
    japanese = await post_signed(client, slash("subscribe", user="W555", channel="D555"), FORM)
    assert japanese.json()["text"].startswith("登録しました。毎日 07:30（Asia/Tokyo）")
    unknown = await post_signed(client, slash("subscribe", user="W666", channel="D666"), FORM)
    assert "07:30 (UTC)" in unknown.json()["text"]  # users.info said user_not_found: the default stays
    assert slack_stub.calls.count("users.info") == 3
    again = await post_signed(client, slash("subscribe", user="W444", channel="D444"), FORM)
    assert "already subscribed" in again.json()["text"]
    assert slack_stub.calls.count("users.info") == 3  # only a first subscribe asks


async def test_in_a_channel_any_member_changes_the_channel_and_the_channel_sees_who(
    client: httpx.AsyncClient, services: Services
) -> None:
    first = await post_signed(client, slash("subscribe", channel="C111", user="W111"), FORM)
    assert first.json()["response_type"] == "in_channel"
    assert first.json()["text"].startswith("<@W111> changed this channel's digest: Subscribed")
    second = await post_signed(client, slash("time 9am", channel="C111", user="W222"), FORM)
    assert second.json()["response_type"] == "in_channel"
    assert second.json()["text"].startswith("<@W222> changed this channel's digest: Delivery time set to 09:00")
    channel_sub = await services.store.get(Identity.parse(f"slack:{TEAM}:C111"))
    assert channel_sub is not None and channel_sub.active and channel_sub.delivery_time.hour == 9
    assert await services.store.get(Identity.parse(f"slack:{TEAM}:W222")) is None
    shown = await post_signed(client, slash("settings", channel="C111", user="W333"), FORM)
    assert shown.json()["response_type"] == "ephemeral"  # looking changes nothing, so only the asker sees it


async def test_a_bad_command_gets_one_line_with_an_example(client: httpx.AsyncClient) -> None:
    response = await post_signed(client, slash("time 25:99"), FORM)
    text = response.json()["text"]
    assert response.json()["response_type"] == "ephemeral"
    assert "\n" not in text and "Try: time 07:30" in text


async def test_typed_text_cannot_ping_the_channel_through_a_reply(client: httpx.AsyncClient) -> None:
    response = await post_signed(client, slash("<!channel> hello", channel="C111"), FORM)
    assert "<!channel>" not in response.json()["text"]
    assert "&lt;!channel&gt;" in response.json()["text"]


async def test_a_direct_message_is_answered_in_the_dm(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services
) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "D0DM", "user": "W111", "text": "topics add robotics",
             "ts": "1.1", "team": TEAM}
    response = await post_signed(client, event_body(event), JSON)
    assert response.status_code == 200
    posts = await slack_stub.wait_for_posts(1)
    assert posts[0].channel == "D0DM" and posts[0].text.startswith("Added robotics.")
    sub = await services.store.get(Identity.parse(f"slack:{TEAM}:W111"))
    assert sub is not None and sub.topics == ("robotics",)


async def test_a_mention_in_a_channel_changes_the_channel(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services
) -> None:
    fixture = json.loads((PAYLOADS / "slack" / "event_callback_app_mention.json").read_text())
    body = fixture["body"]
    body["event"]["text"] = "<@W111> subscribe"
    response = await post_signed(client, json.dumps(body).encode(), JSON)
    assert response.status_code == 200
    posts = await slack_stub.wait_for_posts(1)
    assert posts[0].channel == "C111"
    assert posts[0].text.startswith("<@W222> changed this channel's digest: Subscribed")
    sub = await services.store.get(Identity.parse("slack:T111:C111"))
    assert sub is not None and sub.active


def _button_body(action_id: str, value: str, channel: str = "C111", press: int = 0) -> bytes:
    fixture = json.loads((PAYLOADS / "slack" / "block_actions_button.json").read_text())
    payload = fixture["payload"]
    payload["trigger_id"] += f".{press}"  # Slack's is unique per press
    payload["actions"][0].update(action_id=action_id, value=value)
    payload["channel"]["id"] = channel
    payload["container"]["channel_id"] = channel
    return ("payload=" + quote(json.dumps(payload))).encode()


async def test_buttons_change_preferences(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services
) -> None:
    more = await post_signed(client, _button_body("aitoday_more_like_this", "robotics"), FORM)
    assert more.status_code == 200
    mute = await post_signed(client, _button_body("aitoday_mute_source", "ScienceDaily: Robotics"), FORM)
    assert mute.status_code == 200
    posts = await slack_stub.wait_for_posts(2)
    assert {p.text.split(":", 1)[0] for p in posts} == {"<@W111> changed this channel's digest"}
    sub = await services.store.get(Identity.parse("slack:T111:C111"))
    assert sub is not None
    assert sub.topics == ("robotics",) and sub.muted_sources == ("ScienceDaily: Robotics",)


async def test_a_button_in_the_dm_changes_the_person(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services
) -> None:
    await post_signed(client, _button_body("aitoday_more_like_this", "chips", channel="D0DM"), FORM)
    posts = await slack_stub.wait_for_posts(1)
    assert posts[0].channel == "D0DM" and posts[0].text.startswith("Added chips.")
    sub = await services.store.get(Identity.parse("slack:T111:W111"))
    assert sub is not None and sub.topics == ("chips",)


async def test_thumbs_on_a_card_steer_the_readers_digest_and_why_says_so(
    client: httpx.AsyncClient, slack_stub: SlackApiStub, services: Services
) -> None:
    await EditionStore(services.runtime.redis).save(sample_edition())
    posts = render_posts(sample_edition(), "en")
    buttons = [e for b in posts[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    like = next(b for b in buttons if b["action_id"] == ACTION_LIKE and b["value"] == "s02")
    dislike = next(b for b in buttons if b["action_id"] == ACTION_DISLIKE and b["value"] == "s01")
    for press, button in enumerate((like, dislike, like)):  # the same 👍 twice: counted once
        body = _button_body(button["action_id"], button["value"], "D0DM", press)
        response = await post_signed(client, body, FORM)
        assert response.status_code == 200
    texts = sorted(p.text for p in await slack_stub.wait_for_posts(3))  # answered by lazy listeners, any order
    assert texts[0].startswith("👍 Noted: more like “&lt;!channel&gt; Boston Dynamics")  # escaped: no ping
    assert texts[1].startswith("👍 You already liked")
    assert texts[2].startswith("👎 Noted: less like “OpenAI releases GPT-6")
    assert all(p.channel == "D0DM" for p in await slack_stub.wait_for_posts(3))
    reader = Identity.parse("slack:T111:W111").sid
    assert await FeedbackStore(services.runtime.redis).votes(reader) == {"s02": Vote.UP, "s01": Vote.DOWN}
    why = await post_signed(client, slash("why", channel="D0DM", user="W111"), FORM)
    lines = why.json()["text"].splitlines()
    assert lines[1].startswith("1. &lt;!channel&gt; Boston Dynamics") and "from a source you liked" in lines[1]


async def test_a_forged_or_stale_button_press_is_refused_and_counts_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = _button_body(ACTION_LIKE, "s02", "D0DM")
    forged = await client.post("/slack/events", content=body,
                               headers={"Content-Type": FORM, **sign(body, secret="not-the-signing-secret")})
    stale = await post_signed(client, body, FORM, timestamp=int(time.time()) - 600)
    unsigned = await client.post("/slack/events", content=body, headers={"Content-Type": FORM})
    assert (forged.status_code, stale.status_code, unsigned.status_code) == (403, 403, 401)
    assert await FeedbackStore(services.runtime.redis).votes(Identity.parse("slack:T111:W111").sid) == {}


async def _subscribe(client: httpx.AsyncClient, channel: str, user: str) -> None:
    response = await post_signed(client, slash("subscribe", channel=channel, user=user), FORM)
    assert "Subscribed" in response.json()["text"]


@pytest.mark.both_redis
async def test_app_uninstalled_deactivates_that_workspace_only(
    client: httpx.AsyncClient, services: Services
) -> None:
    await _subscribe(client, "C111", "W111")
    await _subscribe(client, "D0DM", "W222")
    other = slash("subscribe", channel="C999", user="W9", team="T999")
    await post_signed(client, other, FORM)
    body = event_body({"type": "app_uninstalled"}, event_id="EvUn1")
    assert (await post_signed(client, body, JSON)).status_code == 200
    for address in ("T111:C111", "T111:W222"):
        sub = await services.store.get(Identity.parse(f"slack:{address}"))
        assert sub is not None and not sub.active and sub.deactivated_reason == "slack_app_uninstalled"
    assert await services.store.next_send_of(Identity.parse("slack:T111:C111")) is None
    kept = await services.store.get(Identity.parse("slack:T999:C999"))
    assert kept is not None and kept.active
    again = await post_signed(client, slash("subscribe", channel="C111"), FORM)  # reinstalled: comes back
    assert "Subscribed" in again.json()["text"]


async def test_bot_token_revoked_deactivates_but_user_tokens_alone_do_not(
    client: httpx.AsyncClient, services: Services
) -> None:
    await _subscribe(client, "C111", "W111")
    users_only = event_body({"type": "tokens_revoked", "tokens": {"oauth": ["W111"]}}, event_id="EvTr1")
    await post_signed(client, users_only, JSON)
    sub = await services.store.get(Identity.parse("slack:T111:C111"))
    assert sub is not None and sub.active
    bot = event_body({"type": "tokens_revoked", "tokens": {"oauth": ["W111"], "bot": ["W222"]}}, event_id="EvTr2")
    await post_signed(client, bot, JSON)
    sub = await services.store.get(Identity.parse("slack:T111:C111"))
    assert sub is not None and not sub.active and sub.deactivated_reason == "slack_token_revoked"


async def test_org_uninstall_fixture_without_team_id_deactivates_the_orgs_workspaces(
    client: httpx.AsyncClient, services: Services
) -> None:
    body = slash("subscribe", channel="C111").decode() + "&enterprise_id=E111&enterprise_name=Org+Name"
    await post_signed(client, body.encode(), FORM)
    fixture = json.loads((PAYLOADS / "slack" / "event_callback_tokens_revoked_and_app_uninstalled.json").read_text())
    response = await post_signed(client, json.dumps(fixture["app_uninstalled"]).encode(), JSON)
    assert response.status_code == 200
    sub = await services.store.get(Identity.parse("slack:T111:C111"))
    assert sub is not None and not sub.active


@pytest.mark.slow
async def test_a_stalled_store_still_gets_an_answer_before_slacks_3_second_deadline(
    client: httpx.AsyncClient, redis_client: RedisClient
) -> None:
    """Redis stops taking writes (CLIENT PAUSE): a command is answered in time, an event asks for a retry."""
    await redis_client.execute_command("CLIENT", "PAUSE", "4000", "WRITE")
    try:
        started = time.monotonic()
        response = await post_signed(client, slash("time 8am"), FORM)
        assert response.status_code == 200 and time.monotonic() - started < 3.0
        assert response.json() == {"response_type": "ephemeral", "text": "That took too long to answer. "
                                   "Send `/aitoday settings` to see what is set now."}
        await redis_client.execute_command("CLIENT", "UNPAUSE")
        await redis_client.execute_command("CLIENT", "PAUSE", "4000", "WRITE")
        mention = {"type": "app_mention", "user": "W1", "channel": "C1", "text": "<@U1> help", "ts": "1.1"}
        event = await post_signed(client, event_body(mention, event_id="EvStall"), JSON)
        assert event.status_code == 503  # Slack will deliver it again
    finally:
        await redis_client.execute_command("CLIENT", "UNPAUSE")
