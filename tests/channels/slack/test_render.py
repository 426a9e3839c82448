"""Block Kit rendering: within Slack's limits for any edition, split at story boundaries, feed text escaped."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from channels.slack.channel import render
from channels.slack.render import ACTION_DISLIKE, ACTION_LIKE, ACTION_MUTE, MAX_BLOCKS, render_plain
from summaries.models import Card, Edition, Story
from tests.sample_edition import sample_edition
from tests.stubs.slack_api import _block_problem


def _mrkdwn_texts(posts: list[dict]) -> list[str]:
    texts = [p["text"] for p in posts]
    for post in posts:
        for block in post["blocks"]:
            if block["type"] == "section":
                texts.append(block["text"]["text"])
            if block["type"] == "context":
                texts.extend(e["text"] for e in block["elements"])
    return texts


def test_sample_edition_is_one_valid_post_with_header_stories_and_buttons() -> None:
    posts = render(sample_edition(), "en")
    assert len(posts) == 1
    blocks = posts[0]["blocks"]
    assert _block_problem(blocks) == ""
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "AIToday · Fri 27 Nov 2026",
                                                    "emoji": True}}
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 8
    first = sections[0]["text"]["text"]
    assert first.startswith("*<https://news.example.com/story-1?a=1&amp;b=2|OpenAI releases GPT-6")
    assert "*What happened:*" in first and "*Why it matters:*" in first and "*What to watch:*" in first
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert contexts[0] == "OpenAI · Jane Doe · 2h ago · 3 min read"
    assert contexts[3] == "Euractiv · 11h ago · 6 min read"
    also = [b["elements"][1]["text"] for b in blocks if b["type"] == "context" and len(b["elements"]) > 1]
    assert also[-1] == "Also covered by Outlet 0, Outlet 1, Outlet 2"
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[1]["elements"]] == [ACTION_LIKE, ACTION_DISLIKE, ACTION_MUTE]
    assert [e["text"]["text"] for e in actions[1]["elements"][:2]] == ["👍 More like this", "👎 Less like this"]
    assert [e["value"] for e in actions[1]["elements"]] == ["s02", "s02", "The Robot Report"]
    assert posts[0]["text"].startswith("AIToday Fri 27 Nov 2026: OpenAI releases GPT-6")


def test_a_title_can_never_ping_the_channel_or_inject_markup() -> None:
    posts = render(sample_edition(), "en")
    for text in _mrkdwn_texts(posts):
        assert "<!" not in text
        assert "<script" not in text and "<b>" not in text
    robot = [b for b in posts[0]["blocks"] if b["type"] == "section"][1]["text"]["text"]
    assert "&lt;!channel&gt; Boston Dynamics" in robot
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in robot


def test_japanese_labels_and_date() -> None:
    posts = render(sample_edition("ja"), "ja")
    blocks = posts[0]["blocks"]
    assert blocks[0]["text"]["text"] == "AIToday · 2026年11月27日"
    assert "*何が起きたか:*" in blocks[1]["text"]["text"]
    assert "時間前" in blocks[2]["elements"][0]["text"]


def test_rendering_is_deterministic() -> None:
    assert json.dumps(render(sample_edition(), "en")) == json.dumps(render(sample_edition(), "en"))


def test_empty_digest_says_so() -> None:
    posts = render(replace(sample_edition(), stories=()), "en")
    assert len(posts) == 1 and _block_problem(posts[0]["blocks"]) == ""
    assert "No stories for you today." in posts[0]["blocks"][1]["text"]["text"]


def test_the_same_story_twice_still_gives_valid_blocks() -> None:
    base = sample_edition()
    twice = replace(base, stories=(base.stories[0], base.stories[0]))
    assert _block_problem(render(twice, "en")[0]["blocks"]) == ""


def test_only_web_links_become_links() -> None:
    base = sample_edition()
    odd = replace(base, stories=(replace(base.stories[0], url="javascript:alert(1)"),
                                 replace(base.stories[1], url="")))
    sections = [b["text"]["text"] for b in render(odd, "en")[0]["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*OpenAI releases GPT-6") and "javascript" not in sections[0]
    assert sections[1].startswith("*&lt;!channel&gt; Boston Dynamics")


def test_plain_fallback_is_text_only_and_escaped() -> None:
    posts = render_plain(sample_edition(), "en")
    assert len(posts) == 1 and "&lt;!channel&gt;" in posts[0] and "<!channel>" not in posts[0]


_PIECES = st.sampled_from([*"ab <>&|*_~`!@#\n日本語", "<!channel>", "<!here>", "&amp;", "<https://evil|x>"])
_HOSTILE = st.lists(_PIECES, max_size=60).map("".join).flatmap(
    lambda s: st.sampled_from([s, s * 40]))  # short, or long enough to hit every limit


def _story(index: int, title: str, text: str, source: str) -> Story:
    now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    return Story(
        id=f"s{index}", title=title or "untitled", url=f"https://x.example/{index}?q=<a>|b&c", source_id=f"src{index}",
        source_name=source or "src", published=now - timedelta(minutes=7 * index),
        card=Card(gist=text, what_happened=text, why_it_matters=text[::-1], what_to_watch=text[:50]),
        topics=("robotics",) if index % 2 else (),
    )


@settings(max_examples=60, deadline=None)
@given(titles=st.lists(_HOSTILE, min_size=1, max_size=40), text=_HOSTILE, source=_HOSTILE,
       language=st.sampled_from(["en", "ja", "xx"]))
def test_any_edition_renders_within_limits_split_at_story_boundaries(
    titles: list[str], text: str, source: str, language: str
) -> None:
    stories = tuple(_story(i, t, text, source[:300]) for i, t in enumerate(titles))
    edition = Edition(date=date(2026, 11, 27), language="en", generated_at=datetime(2026, 11, 27, 6, tzinfo=UTC),
                      stories=stories)
    posts = render(edition, language)
    seen: list[str] = []
    for post in posts:
        blocks = post["blocks"]
        assert len(blocks) <= MAX_BLOCKS
        assert _block_problem(blocks) == "", _block_problem(blocks)
        assert len(post["text"]) <= 3000
        # every story's section, context and actions sit in the same post
        ids = [b["block_id"].rsplit(":", 1)[0] for b in blocks if "block_id" in b]
        for story_id in dict.fromkeys(ids):
            assert ids.count(story_id) == 3
        seen.extend(dict.fromkeys(ids))
        for text_value in _mrkdwn_texts([post]):
            assert "<!" not in text_value
    assert seen == [f"story:s{i}" for i in range(len(titles))]
    assert len(posts) == -(-len(titles) // 12)
