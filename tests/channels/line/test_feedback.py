"""👍/👎 on LINE: postback buttons in every Flex bubble, run as ``like``/``dislike <story id>`` by the webhook.

Real app over loopback HTTP, every request signed with LINE's algorithm; the reply goes through the real SDK to
the stand-in.
"""

from __future__ import annotations

from bot.app import Services
from bot.store.edition_store import EditionStore
from bot.store.feedback import FeedbackStore, Vote
from bot.store.models import Identity
from channels.line.render import MAX_BUTTON_LABEL, render_digest
from tests.channels.line.conftest import Post, event_body, make_event, sign
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub

USER = "U206d25c2ea6bd87c17655609a1c37cb8"
ME = Identity("line", (USER,))


def _postbacks(language: str) -> list[list[dict[str, str]]]:
    [flex] = render_digest(sample_edition(language), language)
    rows = [bubble["footer"]["contents"][-1]["contents"] for bubble in flex["contents"]["contents"]]
    return [[button["action"] for button in row] for row in rows]


def test_every_bubble_ends_with_thumbs_that_name_its_story() -> None:
    rows = _postbacks("en")
    assert len(rows) == 8
    assert rows[1] == [
        {"type": "postback", "label": "👍 More like this", "data": "cmd=like s02", "displayText": "👍 More like this"},
        {"type": "postback", "label": "👎 Less like this", "data": "cmd=dislike s02",
         "displayText": "👎 Less like this"}]
    assert [a["label"] for a in _postbacks("ja")[0]] == ["👍 もっと", "👎 減らす"]
    assert all(len(a["label"]) <= MAX_BUTTON_LABEL for row in rows for a in row)


def _press(data: str, event_id: str) -> bytes:
    return event_body(make_event("postback", USER, event_id, postback={"data": data}))


async def test_a_press_runs_the_command_and_replies_what_was_noted(
    post: Post, services: Services, stub: LineApiStub,
) -> None:
    await EditionStore(services.runtime.redis).save(sample_edition())
    await post(event_body(make_event("follow", USER, "e1")))
    for n, data in enumerate(("cmd=like s02", "cmd=like s02", "cmd=dislike s01"), start=2):
        assert (await post(_press(data, f"e{n}"))).status_code == 200
    texts = [reply.messages[0]["text"] for reply in stub.replies[-3:]]
    assert texts[0].startswith("👍 Noted: more like “<!channel> Boston Dynamics")
    assert texts[1].startswith("👍 You already liked")
    assert texts[2].startswith("👎 Noted: less like “OpenAI releases GPT-6")
    assert await FeedbackStore(services.runtime.redis).votes(ME.sid) == {"s02": Vote.UP, "s01": Vote.DOWN}
    await post(event_body(make_event("postback", USER, "e9", postback={"data": "cmd=why"})))
    assert stub.replies[-1].messages[0]["text"].splitlines()[1].startswith("1. <!channel> Boston Dynamics")


async def test_a_forged_press_is_refused_and_counts_nothing(post: Post, services: Services) -> None:
    body = _press("cmd=like s02", "e1")
    assert (await post(body, signature=sign(body, secret="not-the-channel-secret"))).status_code == 403
    assert (await post(body, sign_it=False)).status_code == 401
    assert await FeedbackStore(services.runtime.redis).votes(ME.sid) == {}
