"""Transcripts: what a reader types in Telegram, what the bot answers, what is stored."""

from __future__ import annotations

from datetime import time

from tests.channels.telegram.conftest import Chat

GROUP = -100123
ADMIN, MEMBER = 501, 502


async def test_private_chat_transcript(chat: Chat) -> None:
    [greeting] = await chat.say("/start")
    assert greeting.startswith("Welcome to AIToday")
    assert "Subscribed: your digest arrives daily at 07:30 (UTC)." in greeting
    assert (await chat.say("/time 07:30"))[0].startswith("Delivery time set to 07:30 (UTC).")
    assert (await chat.say("/topics add robotics")) == ["Added robotics. Your topics: robotics."]
    assert (await chat.say("items 8")) == ["You will get 8 stories per digest."]  # plain text works too
    assert (await chat.say("/time@AITodayBot 6pm"))[0].startswith("Delivery time set to 18:00")
    assert (await chat.say("/time 25:00")) == ["“25:00” is not a time of day (00:00–23:59). Try: time 07:30"]
    sub = await chat.sub()
    assert sub is not None and sub.active
    assert (sub.delivery_time, sub.topics, sub.items) == (time(18, 0), ("robotics",), 8)
    assert (await chat.say("/stop")) == ["Unsubscribed: no more digests here. Send “subscribe” to come back."]
    assert not (await chat.sub()).active  # type: ignore[union-attr]


async def test_start_reactivates_a_chat_that_had_blocked_the_bot(chat: Chat) -> None:
    await chat.say("/start")
    store = chat.services.store
    sub = await chat.sub()
    assert sub is not None
    await store.save(sub.with_changes(active=False, deactivated_reason="blocked by the user"))
    [again] = await chat.say("/start")
    assert "Subscribed" in again
    sub = await chat.sub()
    assert sub is not None and sub.active and sub.deactivated_reason == ""


async def test_japanese_reader_is_answered_in_japanese(chat: Chat) -> None:
    [greeting] = await chat.say("/start", language="ja")
    assert greeting.startswith("AIToday へようこそ") and "登録しました" in greeting
    assert (await chat.say("時間 7:30", language="ja"))[0].startswith("配信時刻を 07:30")


async def test_settings_keyboard_toggles_topics_and_language(chat: Chat) -> None:
    await chat.say("/start")
    before = len(chat.stub.sent)
    await chat.say("/settings")
    keyboard = chat.stub.sent[before].reply_markup
    assert keyboard is not None
    buttons = [b for row in keyboard["inline_keyboard"] for b in row]
    assert {"text": "robotics", "callback_data": "t:robotics"} in buttons
    assert {"text": "✓ English", "callback_data": "l:en"} in buttons

    assert (await chat.post(chat.callback_update("t:robotics"))).status_code == 200
    assert chat.stub.callback_answers[-1]["text"].startswith("Added robotics")
    edited = [b for row in chat.stub.markup_edits[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert {"text": "✓ robotics", "callback_data": "t:robotics"} in edited
    await chat.post(chat.callback_update("t:robotics"))
    assert chat.stub.callback_answers[-1]["text"].startswith("Removed robotics")
    await chat.post(chat.callback_update("l:ja"))
    assert chat.stub.callback_answers[-1]["text"] == "言語を日本語にしました。"
    sub = await chat.sub()
    assert sub is not None and sub.topics == () and sub.language == "ja"


async def test_forged_button_data_changes_nothing(chat: Chat) -> None:
    await chat.say("/start")
    for data in ("t:<script>", "l:fr", "x" * 64, "t:", ""):
        assert (await chat.post(chat.callback_update(data))).status_code == 200
        assert chat.stub.callback_answers[-1]["text"] == "This button no longer works; send /settings for a fresh one."
    sub = await chat.sub()
    assert sub is not None and sub.topics == () and sub.language == ""
    assert chat.stub.markup_edits == []


async def test_group_admin_may_change_the_group_subscription(chat: Chat) -> None:
    chat.stub.members[(GROUP, ADMIN)] = "administrator"
    [greeting] = await chat.say("/start@AITodayBot", chat_id=GROUP, user_id=ADMIN)
    assert "Subscribed" in greeting
    assert (await chat.say("/time 09:00", chat_id=GROUP, user_id=ADMIN))[0].startswith("Delivery time set to 09:00")
    sub = await chat.sub(GROUP)
    assert sub is not None and sub.active and sub.delivery_time == time(9, 0)


async def test_group_members_get_a_polite_refusal_in_their_language(chat: Chat) -> None:
    chat.stub.members[(GROUP, ADMIN)] = "creator"
    await chat.say("/start", chat_id=GROUP, user_id=ADMIN)
    refusal = await chat.say("/time 05:00", chat_id=GROUP, user_id=MEMBER)
    assert refusal == ["Only this group's admins can change its digest. You can still use /settings and /help."]
    assert (await chat.say("/stop", chat_id=GROUP, user_id=MEMBER, language="ja"))[0].startswith(
        "このグループの配信設定を変えられるのは管理者だけです")
    shown = await chat.say("/settings", chat_id=GROUP, user_id=MEMBER)  # reading is fine
    assert shown[0].startswith("Status: subscribed")
    sub = await chat.sub(GROUP)
    assert sub is not None and sub.active and sub.delivery_time == time(7, 30)

    await chat.post(chat.callback_update("l:ja", chat_id=GROUP, user_id=MEMBER))
    answer = chat.stub.callback_answers[-1]
    assert answer["show_alert"] == "true" and answer["text"].startswith("Only this group's admins")
    assert (await chat.sub(GROUP)).language == ""  # type: ignore[union-attr]


async def test_group_members_cannot_change_the_digest_in_plain_words(chat: Chat) -> None:
    chat.stub.members[(GROUP, ADMIN)] = "administrator"
    await chat.say("/start", chat_id=GROUP, user_id=ADMIN)
    for text in ("/no@AITodayBot more OpenAI News", "/yes@AITodayBot", "/please@AITodayBot send it at 6am"):
        refusal = await chat.say(text, chat_id=GROUP, user_id=MEMBER)
        assert refusal[0].startswith("Only this group's admins"), text
    sub = await chat.sub(GROUP)
    assert sub is not None and sub.muted_sources == () and sub.delivery_time == time(7, 30)


async def test_group_conversation_and_other_bots_commands_are_ignored(chat: Chat) -> None:
    chat.stub.members[(GROUP, ADMIN)] = "administrator"
    assert await chat.say("good morning everyone", chat_id=GROUP, user_id=MEMBER) == []
    assert await chat.say("/time@OtherBot 9:00", chat_id=GROUP, user_id=ADMIN) == []
    assert await chat.say("/weather tokyo", chat_id=GROUP, user_id=ADMIN) == []
    assert await chat.sub(GROUP) is None
    assert (await chat.say("/weather@AITodayBot", chat_id=GROUP, user_id=ADMIN))[0].startswith(
        "I don't know the command")


async def test_anonymous_group_admin_posting_as_the_group_is_an_admin(chat: Chat) -> None:
    [reply] = await chat.say("/start", chat_id=GROUP, sender_chat=True)
    assert "Subscribed" in reply
    assert "getChatMember" not in chat.stub.calls


async def test_blocking_the_bot_stops_the_digest_and_start_brings_it_back(chat: Chat) -> None:
    await chat.say("/start")
    chat.next_update += 1
    blocked = {"update_id": chat.next_update, "my_chat_member": {
        "chat": {"id": 42, "type": "private", "first_name": "Ada"}, "date": 1764223200,
        "from": {"id": 42, "is_bot": False, "first_name": "Ada"},
        "old_chat_member": {"status": "member", "user": {"id": 7000001, "is_bot": True, "first_name": "AIToday"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 7000001, "is_bot": True, "first_name": "AIToday"}},
    }}
    assert (await chat.post(blocked)).status_code == 200
    sub = await chat.sub()
    assert sub is not None and not sub.active and sub.deactivated_reason == "recipient gone: blocked by the user"
    assert await chat.services.store.next_send_of(sub.identity) is None
    [back] = await chat.say("/start")
    assert "Subscribed" in back
    assert (await chat.sub()).active  # type: ignore[union-attr]


async def test_a_japanese_telegram_reader_starts_in_japanese_on_tokyo_time(chat: Chat) -> None:
    [greeting] = await chat.say("/start", chat_id=77, user_id=77, language="ja")
    assert "登録しました。毎日 07:30（Asia/Tokyo）" in greeting
    sub = await chat.sub(77)
    assert sub is not None and (sub.language, sub.timezone) == ("ja", "Asia/Tokyo")
