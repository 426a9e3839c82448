"""👍/👎 on Telegram: an inline keyboard under each digest message, its callback queries answered, the vote stored.

The digest goes through PTB to the Bot API stand-in; the presses come back as callback_query updates through the
real webhook (secret token checked), shaped like Telegram's own (``update_callback_query.json``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.app import open_services
from bot.redis_server import EmbeddedRedis
from bot.settings import load_settings
from bot.store.edition_store import EditionStore
from bot.store.feedback import FeedbackStore, Vote
from bot.store.models import Identity
from bot.web.app import create_app
from channels.base import Delivery, Recipient
from channels.telegram.channel import TelegramChannel
from channels.telegram.render import feedback_command, render_messages
from summaries.models import Card
from tests.channels.telegram.conftest import SECRET, TOKEN, Chat
from tests.conftest import PAYLOADS
from tests.sample_edition import sample_edition
from tests.stubs.loopback import serve
from tests.stubs.telegram_api import TelegramApiStub

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_every_digest_message_carries_thumbs_for_each_of_its_stories(
    channel: TelegramChannel, tg_stub: TelegramApiStub,
) -> None:
    long_card = Card(gist="g", what_happened="h" * 650, why_it_matters="m" * 650, what_to_watch="w" * 650)
    base = sample_edition()
    edition = replace(base, stories=tuple(replace(base.stories[i % 8], id=f"story{i:02d}", card=long_card)
                                          for i in range(12)))
    await channel.send(Delivery(delivery_id="d1", recipient=Recipient("telegram", "42", "en"), edition=edition))
    parts = tg_stub.messages_to(42)
    assert len(parts) >= 2
    rows = [row for part in parts for row in (part.reply_markup or {}).get("inline_keyboard", [])]
    assert [[b["text"] for b in row] for row in rows] == [[f"👍 {n}", f"👎 {n}"] for n in range(1, 13)]
    assert rows[4][1]["callback_data"] == "f:-:story04"
    for part in parts:  # a message's buttons are the stories it shows
        shown = [row[0]["text"].split()[1] for row in (part.reply_markup or {})["inline_keyboard"]]
        assert all(f"{n}. " in part.visible for n in shown)
    assert all(len(b["callback_data"].encode()) <= 64 for row in rows for b in row)


def test_only_the_buttons_we_render_become_commands() -> None:
    [message] = render_messages(sample_edition(), "en")
    data = [b["callback_data"] for row in message.to_params()["reply_markup"]["inline_keyboard"] for b in row]
    assert [feedback_command(d) for d in data[:2]] == ["like s01", "dislike s01"]
    for forged in ("f:+:", "f:*:s01", "f:+:s01 extra", "f:+:" + "a" * 80, "t:robotics", "Data from button callback"):
        assert feedback_command(forged) is None


async def test_a_press_is_answered_in_a_toast_counted_once_and_the_keyboard_stays(chat: Chat) -> None:
    await EditionStore(chat.services.runtime.redis).save(sample_edition())
    edits = len(chat.stub.markup_edits)
    for data in ("f:+:s02", "f:+:s02", "f:-:s01"):
        assert (await chat.post(chat.callback_update(data))).status_code == 200
    answers = [a["text"] for a in chat.stub.callback_answers[-3:]]
    assert answers[0].startswith("👍 Noted: more like “<!channel> Boston Dynamics")
    assert answers[1].startswith("👍 You already liked")
    assert answers[2].startswith("👎 Noted: less like “OpenAI releases GPT-6")
    assert all(len(a) <= 200 for a in answers)
    assert len(chat.stub.markup_edits) == edits  # the digest's own keyboard is left alone
    votes = await FeedbackStore(chat.services.runtime.redis).votes(Identity.parse("telegram:42").sid)
    assert votes == {"s02": Vote.UP, "s01": Vote.DOWN}
    [why] = await chat.say("/why")
    assert why.splitlines()[1].startswith("1. <!channel> Boston Dynamics")


async def test_japanese_reader_gets_the_toast_in_japanese(chat: Chat) -> None:
    await EditionStore(chat.services.runtime.redis).save(sample_edition("ja"))
    await chat.post(chat.callback_update("f:+:s03", language="ja"))
    assert chat.stub.callback_answers[-1]["text"].startswith("👍 了解しました。「NVIDIA unveils Rubin GPUs")


async def test_telegrams_own_callback_shape_and_forged_presses_change_nothing(chat: Chat) -> None:
    sample = json.loads((PAYLOADS / "telegram" / "update_callback_query.json").read_text())["body"]
    assert sample["callback_query"]["data"] == "f:+:s02"  # pressed on an inline message: no chat to vote for
    assert (await chat.post(sample)).status_code == 200
    answered = chat.stub.callback_answers[-1]  # always answered, or the client spins
    assert answered["callback_query_id"] == "4382bfdwdsb323b2d9" and "no longer works" in answered["text"]
    assert (await chat.post(chat.callback_update("f:+:s02"), secret="wrong")).status_code == 403
    assert (await chat.post(chat.callback_update("f:+:s02"), secret=None)).status_code == 401
    assert await FeedbackStore(chat.services.runtime.redis).votes(Identity.parse("telegram:42").sid) == {}


async def test_in_a_group_any_member_may_ask_why_but_only_admins_steer(chat: Chat) -> None:
    group, admin, member = -100123, 501, 502
    chat.stub.members[(group, admin)] = "creator"
    await EditionStore(chat.services.runtime.redis).save(sample_edition())
    await chat.say("/start", chat_id=group, user_id=admin)
    [why] = await chat.say("/why", chat_id=group, user_id=member)
    assert why.startswith("Why these stories (2026-11-27):")
    await chat.post(chat.callback_update("f:+:s02", chat_id=group, user_id=member))
    refused = chat.stub.callback_answers[-1]
    assert refused["show_alert"] == "true" and refused["text"].startswith("Only this group's admins")
    await chat.post(chat.callback_update("f:+:s02", chat_id=group, user_id=admin))
    assert chat.stub.callback_answers[-1]["text"].startswith("👍 Noted")
    group_sid = Identity("telegram", (str(group),)).sid
    assert await FeedbackStore(chat.services.runtime.redis).votes(group_sid) == {"s02": Vote.UP}


async def test_a_press_while_redis_is_down_is_refused_for_redelivery_and_counted_once_it_is_back(
    tg_stub: TelegramApiStub, tmp_path: Path,
) -> None:
    """Telegram delivers an update again after a non-2xx answer: a 503 loses nothing, and no toast lies."""
    server = EmbeddedRedis(tmp_path / "own-redis")
    settings = load_settings(env={
        "AITODAY_REDIS_URL": server.start(), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "AITODAY_TELEGRAM_API_URL": tg_stub.api_url, "AITODAY_DATA_DIR": str(tmp_path / "data"),
    })
    try:
        async with open_services(settings) as services, serve(create_app(services)) as url, \
                httpx.AsyncClient(base_url=url) as http:
            chat = Chat(http=http, stub=tg_stub, services=services)
            await EditionStore(services.runtime.redis).save(sample_edition())
            press = chat.callback_update("f:+:s02")
            server.stop(force=True)
            refused = await chat.post(press)
            assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
            assert tg_stub.callback_answers == []  # no toast claims a vote that was not stored
            server.start()
            for _ in range(2):  # Telegram's redelivery, then a stray second copy of it
                assert (await chat.post(press)).status_code == 200
            [answer] = tg_stub.callback_answers  # the stray copy is dropped: one toast, one vote
            assert answer["text"].startswith("👍 Noted: more like")
            votes = await FeedbackStore(services.runtime.redis).votes(Identity.parse("telegram:42").sid)
            assert votes == {"s02": Vote.UP}
    finally:
        server.stop(force=True)
