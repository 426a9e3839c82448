"""The digest as a reader sees it on LINE: one Flex bubble per story, within every LINE limit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from linebot.v3.messaging import FlexMessage, TextMessage

from channels.line.render import (
    MAX_ALT_TEXT,
    MAX_BUBBLE_BYTES,
    MAX_BUBBLES,
    MAX_CAROUSEL_BYTES,
    MAX_MESSAGES,
    json_size,
    render_digest,
    render_plain,
)
from summaries.models import Card, Edition, Story
from tests.sample_edition import sample_edition


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "text" else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


def _bubbles(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for m in messages if m["type"] == "flex" for b in m["contents"]["contents"]]


def _check_limits(messages: list[dict[str, Any]]) -> None:
    assert 1 <= len(messages) <= MAX_MESSAGES
    for message in messages:
        if message["type"] == "text":
            TextMessage.from_dict(message)
            continue
        FlexMessage.from_dict(message)  # the SDK's own model accepts it
        assert 1 <= len(message["altText"]) <= MAX_ALT_TEXT
        carousel = message["contents"]
        assert 1 <= len(carousel["contents"]) <= MAX_BUBBLES
        assert json_size(carousel) <= MAX_CAROUSEL_BYTES
        for bubble in carousel["contents"]:
            assert json_size(bubble) <= MAX_BUBBLE_BYTES


def test_each_story_is_a_bubble_with_title_meta_three_labelled_points_and_a_button() -> None:
    edition = sample_edition()
    messages = render_digest(edition, "en")
    _check_limits(messages)
    assert len(messages) == 1
    bubbles = _bubbles(messages)
    assert len(bubbles) == len(edition.stories)
    first, story = bubbles[0], edition.stories[0]
    texts = _texts(first)
    assert texts[0] == story.title
    assert texts[1] == "OpenAI · Jane Doe · 2h ago · 3 min read"
    for label, point in [("What happened", story.card.what_happened), ("Why it matters", story.card.why_it_matters),
                         ("What to watch", story.card.what_to_watch)]:
        assert texts[texts.index(label) + 1] == point
    button = first["footer"]["contents"][0]
    assert button["action"] == {"type": "uri", "label": "Read the article", "uri": story.url}
    assert messages[0]["altText"].startswith("AIToday 2026-11-27: OpenAI releases GPT-6")


def test_other_coverage_and_hostile_text_are_shown_as_plain_text() -> None:
    edition = sample_edition()
    bubbles = _bubbles(render_digest(edition, "en"))
    robots = _texts(bubbles[1])
    assert robots[0] == edition.stories[1].title  # Flex has no markup: "<!channel>" and "<script>" are just text
    assert robots[1] == "The Robot Report · 5h ago · 4 min read"
    assert robots[2] == "Also covered by Outlet 0"


def test_japanese_readers_get_japanese_labels() -> None:
    texts = _texts(_bubbles(render_digest(sample_edition("ja"), "ja"))[4])
    assert "何が起きたか" in texts and "なぜ重要か" in texts and "今後の注目点" in texts
    assert texts[1] == "日経クロステック · Jane Doe · 14時間前 · 7分"


def test_rendering_is_deterministic() -> None:
    edition = sample_edition()
    assert json.dumps(render_digest(edition, "en")) == json.dumps(render_digest(edition, "en"))


def test_an_empty_digest_is_one_text_message_saying_why() -> None:
    edition = replace(sample_edition(), stories=())
    messages = render_digest(edition, "en")
    assert [m["type"] for m in messages] == ["text"]
    assert "No stories for you today." in messages[0]["text"]


def test_a_link_line_would_refuse_gets_no_button() -> None:
    edition = sample_edition()
    bad = replace(edition.stories[0], url="javascript:alert(1)")
    long = replace(edition.stories[1], url="https://example.com/" + "a" * 1200)
    bubbles = _bubbles(render_digest(replace(edition, stories=(bad, long)), "en"))
    footers = [bubble["footer"]["contents"] for bubble in bubbles]
    assert all(not any(c.get("action", {}).get("type") == "uri" for c in footer) for footer in footers)


_NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=3000)


@st.composite
def _editions(draw: st.DrawFn) -> Edition:
    count = draw(st.integers(min_value=1, max_value=20))
    stories = []
    for index in range(count):
        stories.append(Story(
            id=f"s{index}", title=draw(_text), url=draw(st.sampled_from(["https://e.com/a", "ftp://x", "x" * 2000])),
            source_id="src", source_name=draw(st.text(max_size=300)),
            published=_NOW - timedelta(minutes=draw(st.integers(min_value=-100, max_value=100_000))),
            card=Card(gist="", what_happened=draw(_text), why_it_matters=draw(_text), what_to_watch=draw(_text)),
            reading_minutes=draw(st.integers(min_value=0, max_value=90)),
        ))
    return Edition(date=date(2026, 11, 27), language="en", generated_at=_NOW, stories=tuple(stories))


@settings(max_examples=40, deadline=None)
@given(edition=_editions(), language=st.sampled_from(["en", "ja"]))
def test_any_edition_stays_within_line_limits_and_keeps_story_order(edition: Edition, language: str) -> None:
    messages = render_digest(edition, language)
    _check_limits(messages)
    bubbles = _bubbles(messages)
    assert len(bubbles) == min(len(edition.stories), MAX_BUBBLES * MAX_MESSAGES)
    plain = render_plain(edition, language)
    _check_limits(plain)


def test_twenty_long_stories_split_into_several_carousels_in_one_push() -> None:
    base = sample_edition()
    long_card = Card(gist="", what_happened="仕" * 900, why_it_matters="事" * 900, what_to_watch="物" * 900)
    stories = tuple(replace(base.stories[i % 8], id=f"x{i}", title="長" * 500, card=long_card) for i in range(20))
    messages = render_digest(replace(base, stories=stories), "ja")
    _check_limits(messages)
    assert len(messages) >= 2
    assert len(_bubbles(messages)) == 20


def test_a_long_text_message_is_cut_as_line_counts_characters() -> None:
    from channels.line.render import MAX_TEXT_MESSAGE, text_message

    message = text_message("😀" * 4000)  # 8,000 UTF-16 units
    assert len(message["text"].encode("utf-16-le")) // 2 <= MAX_TEXT_MESSAGE
    assert message["text"].endswith("…")
    assert text_message("line one\nline two")["text"] == "line one\nline two"


def test_a_link_with_spaces_quotes_or_brackets_is_percent_encoded_into_a_valid_uri() -> None:
    edition = sample_edition()
    odd = replace(edition.stories[0], url='https://example.com/a b/"q"/<x>?k=v w&t=日本#frag')
    [bubble] = _bubbles(render_digest(replace(edition, stories=(odd,)), "en"))
    uri = bubble["footer"]["contents"][0]["action"]["uri"]
    assert uri == "https://example.com/a%20b/%22q%22/%3Cx%3E?k=v%20w&t=%E6%97%A5%E6%9C%AC#frag"
    assert FlexMessage.from_dict(render_digest(replace(edition, stories=(odd,)), "en")[0]) is not None
