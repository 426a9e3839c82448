"""The acceptance story on LINE: follow, set ``time 07:30`` and ``topics add robotics`` by chat, the clock reaches
07:30 in the reader's zone, and the stand-in records exactly one Flex digest holding only robotics stories.

Everything is real: the signed webhook over HTTP, Redis, the planner, the delivery worker, the SDK and the
stand-in (the story's common steps: ``tests/channels/acceptance.py``).
"""

from __future__ import annotations

from bot.app import Services
from bot.store.models import Identity
from tests.channels.acceptance import delivering, morning, planned_once_at_0730
from tests.channels.line.conftest import Post, event_body, make_event, text_event
from tests.clock import Clock
from tests.sample_edition import sample_edition
from tests.stubs.line_api import LineApiStub

USER = "U4af4980629e1c3d6a6e6b5fa7e4e6a3b"


async def test_a_line_reader_gets_exactly_one_flex_digest_of_their_topics_at_0730(
    post: Post, services: Services, stub: LineApiStub, clock: Clock
) -> None:
    day = morning(clock)
    assert (await post(event_body(make_event("follow", USER, "e1")))).status_code == 200
    for n, text in enumerate([f"timezone {day.zone}", "time 07:30", "topics add robotics"], start=2):
        response = await post(event_body(text_event(USER, text, f"e{n}")))
        assert response.status_code == 200
    me = Identity("line", (USER,))
    await planned_once_at_0730(services, me, day, clock)

    async with delivering(services, me, "line-e2e"):
        [push] = await stub.wait_for_sends(1)

    assert stub.pushes_to(USER) == [push] and len(stub.sent) == 1
    [message] = push.messages
    assert message["type"] == "flex"
    bubbles = message["contents"]["contents"]
    titles = [bubble["body"]["contents"][0]["text"] for bubble in bubbles]
    robotics = [s.title for s in sample_edition().stories if "robotics" in s.topics]
    assert titles == robotics
    assert push.retry_key  # the delivery id became the X-Line-Retry-Key
