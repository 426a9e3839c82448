"""A reader on LINE, as a transcript: follow, chat, tap buttons, block, come back. Real app, real HTTP, signed."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from linebot.v3.webhook import SignatureValidator

from bot.app import Services
from bot.store.edition_store import EditionStore
from bot.store.models import Identity
from tests.channels.line.conftest import Post, event_body, fixture, make_event, sign, text_event
from tests.conftest import HAS_SHARED, PAYLOADS, SHARED_PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub

USER = "U206d25c2ea6bd87c17655609a1c37cb8"
ME = Identity("line", (USER,))


def _reply_text(stub: LineApiStub, index: int = -1) -> str:
    message = stub.replies[index].messages[0]
    assert message["type"] == "text"
    return str(message["text"])


@pytest.mark.parametrize("where", [
    pytest.param(PAYLOADS, id="project"),
    pytest.param(SHARED_PAYLOADS, id="line-official",
                 marks=pytest.mark.skipif(not HAS_SHARED, reason="LINE's official vector lives in ../shared")),
])
def test_our_signer_matches_lines_official_vector(where: Path) -> None:
    vector = json.loads((where / "line" / "signature_test_vector.json").read_text(encoding="utf-8"))
    assert sign(vector["raw_body"].encode(), vector["channel_secret"]) == vector["x_line_signature"]
    assert SignatureValidator(vector["channel_secret"]).validate(vector["raw_body"], vector["x_line_signature"])


async def test_the_verify_button_webhook_answers_200(post: Post, stub: LineApiStub) -> None:
    body = json.dumps(fixture("webhook_url_verification_empty_events.json")["body"]).encode()
    response = await post(body)
    assert response.status_code == 200
    assert stub.replies == []


async def test_lines_own_signed_fixtures_are_accepted(post: Post, services: Services, stub: LineApiStub) -> None:
    follow = fixture("webhook_follow.json")
    signature = follow["x_line_signature_for_raw_body_compact"]
    response = await post(follow["raw_body_compact"].encode(), signature=signature)
    assert response.status_code == 200
    sub = await services.store.get(ME)
    assert sub is not None and sub.active
    assert "Welcome to AIToday" in _reply_text(stub)


async def test_follow_subscribes_and_welcomes_in_the_profile_language_with_buttons(
    post: Post, services: Services, stub: LineApiStub
) -> None:
    stub.profiles[USER] = {"displayName": "Aki", "language": "ja"}
    response = await post(event_body(make_event("follow", USER, "e1", follow={"isUnblocked": False})))
    assert response.status_code == 200
    sub = await services.store.get(ME)
    assert sub is not None and sub.active and sub.language == "ja" and sub.timezone == "Asia/Tokyo"
    [reply] = stub.replies
    assert reply.to == ["reply-e1"]
    message = reply.messages[0]
    assert message["text"].startswith("AIToday へようこそ")
    assert "07:30（Asia/Tokyo）" in message["text"]
    actions = [item["action"] for item in message["quickReply"]["items"]]
    assert [a["label"] for a in actions] == ["配信時刻", "トピック", "English", "今日のダイジェスト"]
    assert actions[0]["type"] == "datetimepicker" and actions[0]["mode"] == "time"
    assert stub.sent == []  # replies only: nothing counted against the quota


async def test_follow_without_a_profile_language_is_english(post: Post, services: Services, stub: LineApiStub) -> None:
    await post(event_body(make_event("follow", USER, "e1")))
    sub = await services.store.get(ME)
    assert sub is not None and sub.active and sub.effective_language == "en" and sub.timezone == "UTC"
    assert _reply_text(stub).startswith("Welcome to AIToday")


async def test_unfollow_deactivates_and_refollow_reactivates(post: Post, services: Services, stub: LineApiStub) -> None:
    await post(event_body(make_event("follow", USER, "e1")))
    await post(event_body(text_event(USER, "topics add robotics", "e2")))
    await post(event_body(make_event("unfollow", USER, "e3")))
    sub = await services.store.get(ME)
    assert sub is not None and not sub.active and sub.deactivated_reason == "unfollowed"
    assert await services.store.next_send_of(ME) is None
    await post(event_body(make_event("follow", USER, "e4", follow={"isUnblocked": True})))
    sub = await services.store.get(ME)
    assert sub is not None and sub.active and sub.deactivated_reason == ""
    assert sub.topics == ("robotics",)  # coming back keeps what they chose
    assert await services.store.next_send_of(ME) is not None


async def test_text_commands_run_and_reply_with_the_reply_token(post: Post, services: Services,
                                                                stub: LineApiStub) -> None:
    await post(event_body(make_event("follow", USER, "e1")))
    await post(event_body(text_event(USER, "time 07:30", "e2")))
    assert _reply_text(stub).startswith("Delivery time set to 07:30 (UTC).")
    assert stub.replies[-1].to == ["reply-e2"]
    await post(event_body(text_event(USER, "topics add robotics", "e3")))
    assert "Your topics: robotics" in _reply_text(stub)
    await post(event_body(text_event(USER, "時間 8:15", "e4")))
    sub = await services.store.get(ME)
    assert sub is not None and sub.delivery_time == time(8, 15) and sub.topics == ("robotics",)


async def test_a_malformed_command_gets_one_line_and_an_example(post: Post, stub: LineApiStub) -> None:
    await post(event_body(text_event(USER, "time 25:99", "e1")))
    text = _reply_text(stub)
    assert "\n" not in text and "Try:" in text


async def test_postbacks_from_the_buttons_run_commands(post: Post, services: Services, stub: LineApiStub) -> None:
    await post(event_body(make_event("follow", USER, "e1")))
    picked = make_event("postback", USER, "e2", postback={"data": "cmd=time", "params": {"time": "06:45"}})
    await post(event_body(picked))
    language = make_event("postback", USER, "e3", postback={"data": "cmd=language ja"})
    await post(event_body(language))
    sub = await services.store.get(ME)
    assert sub is not None and sub.delivery_time == time(6, 45) and sub.language == "ja"
    assert _reply_text(stub) == "言語を日本語にしました。"


async def test_a_foreign_postback_is_ignored(post: Post, services: Services, stub: LineApiStub) -> None:
    postback = fixture("webhook_postback.json")
    response = await post(postback["raw_body_compact"].encode(),
                          signature=postback["x_line_signature_for_raw_body_compact"])
    assert response.status_code == 200
    assert stub.replies == [] and await services.store.get(ME) is None


async def test_today_button_answers_with_the_digest_as_a_free_reply(post: Post, services: Services,
                                                                   stub: LineApiStub) -> None:
    await EditionStore(services.runtime.redis).save(sample_edition())
    await post(event_body(make_event("follow", USER, "e1")))
    await post(event_body(text_event(USER, "topics add robotics", "e2")))
    await post(event_body(make_event("postback", USER, "e3", postback={"data": "cmd=now"})))
    digest = stub.replies[-1].messages
    assert [m["type"] for m in digest] == ["flex"]
    bubbles = digest[0]["contents"]["contents"]
    assert len(bubbles) == 1 and "Atlas" in bubbles[0]["body"]["contents"][0]["text"]
    assert stub.sent == []


async def test_a_non_text_message_gets_the_help(post: Post, stub: LineApiStub) -> None:
    sticker = make_event("message", USER, "e1", message={"id": "1", "type": "sticker", "packageId": "1",
                                                         "stickerId": "1", "stickerResourceType": "STATIC",
                                                         "quoteToken": "q"})
    await post(event_body(sticker))
    assert _reply_text(stub).startswith("AIToday commands:")


async def test_a_failed_reply_does_not_undo_the_change(post: Post, services: Services, stub: LineApiStub) -> None:
    stub.fail_next(400, endpoint="reply", body={"message": "Invalid reply token"})
    response = await post(event_body(text_event(USER, "time 06:00", "e1")))
    assert response.status_code == 200
    sub = await services.store.get(ME)
    assert sub is not None and sub.delivery_time == time(6, 0)


async def test_today_before_any_edition_says_so(post: Post, stub: LineApiStub) -> None:
    await post(event_body(make_event("postback", USER, "e1", postback={"data": "cmd=now"})))
    assert _reply_text(stub) == "There is no digest yet today; try again in a little while."
    assert stub.sent == []


async def test_events_in_standby_mode_are_left_to_the_active_module(post: Post, services: Services,
                                                                   stub: LineApiStub) -> None:
    event = text_event(USER, "subscribe", "e1")
    event["mode"] = "standby"
    assert (await post(event_body(event))).status_code == 200
    assert stub.replies == [] and await services.store.get(ME) is None


async def test_a_group_subscribes_as_the_group(post: Post, services: Services, stub: LineApiStub) -> None:
    event = text_event(USER, "subscribe", "e1")
    event["source"] = {"type": "group", "groupId": "Cgroup0123456789", "userId": USER}
    await post(event_body(event))
    group = await services.store.get(Identity("line", ("Cgroup0123456789",)))
    assert group is not None and group.active
    assert await services.store.get(ME) is None
    assert _reply_text(stub).startswith("Subscribed")


async def test_a_command_runs_once_whatever_its_reply_does(post: Post, services: Services, stub: LineApiStub) -> None:
    """LINE answers the reply with a body the SDK cannot read (not our error tree): the change stays made, and
    LINE's redelivery of the same event does not run the command again."""
    stub.fail_next(200, endpoint="reply", body={"sentMessages": "not a list"})
    body = event_body(text_event(USER, "items 7", "once-1"))
    assert (await post(body)).status_code == 200
    sub = await services.store.get(ME)
    assert sub is not None and sub.items == 7
    await services.commands.handle(ME, "items 3")
    assert (await post(body)).status_code == 200  # redelivered: taken already, not run again
    sub = await services.store.get(ME)
    assert sub is not None and sub.items == 3
