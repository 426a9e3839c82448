"""The digest as Telegram HTML: escaped, within 4,096 after entity parsing, split only between stories."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from channels.telegram.channel import TelegramChannel
from channels.telegram.render import MAX_MESSAGE, render_messages, utf16_len
from summaries.models import Card, Edition, Story
from tests.sample_edition import sample_edition
from tests.stubs.telegram_api import HtmlError, parse_telegram_html

_HOSTILE = st.lists(
    st.sampled_from([*"abc <>&\"';/=#", "&amp;", "<b>", "</a>", "😀", "日本", "\u200b", "&#", "word "]),
    min_size=1,
    max_size=200,
).map(lambda parts: "".join(parts) if "".join(parts).strip() else "x")


def _edition_of(stories: list[Story]) -> Edition:
    base = sample_edition()
    return replace(base, stories=tuple(stories))


def _story(index: int, title: str, point: str, url: str = "") -> Story:
    base = sample_edition().stories[0]
    card = Card(gist=point, what_happened=point, why_it_matters=point[::-1] or "x", what_to_watch=point + "!")
    return replace(base, id=f"h{index}", title=title, url=url or f"https://ex.com/{index}?q=<x>&y=\"1\"", card=card)


def test_sample_digest_parses_strictly_and_shows_feed_text_literally() -> None:
    for language in ("en", "ja"):
        messages = render_messages(sample_edition(language), language)
        visible = "\n".join(parse_telegram_html(m.text) for m in messages)
        assert "<script>alert(1)</script>" in visible  # shown as text, not markup
        assert "<!channel>" in visible
        assert "&" in visible and "<b>tool use</b>" in visible
        assert all("<script" not in m.text for m in messages)
        assert all(utf16_len(parse_telegram_html(m.text)) <= MAX_MESSAGE for m in messages)


def test_only_the_top_story_gets_a_link_preview() -> None:
    edition = _edition_of([_story(i, f"Story {i}", "p" * 690) for i in range(20)])
    messages = [m.to_params() for m in render_messages(edition, "en")]
    assert len(messages) > 1
    assert messages[0]["link_preview_options"] == {"url": edition.stories[0].url, "is_disabled": False}
    assert all(m["link_preview_options"] == {"is_disabled": True} for m in messages[1:])
    assert all(m["parse_mode"] == "HTML" for m in messages)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_HOSTILE, _HOSTILE), min_size=1, max_size=20), st.sampled_from(["en", "ja"]))
def test_hostile_digests_split_between_stories_within_the_limit(items: list[tuple[str, str]], language: str) -> None:
    stories = [_story(i, title * 3, point * 4) for i, (title, point) in enumerate(items)]
    messages = render_messages(_edition_of(stories), language)
    seen: list[int] = []
    for message in messages:
        try:
            visible = parse_telegram_html(message.text)
        except HtmlError as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"Telegram would reject: {exc}") from exc
        assert utf16_len(visible) <= MAX_MESSAGE
        # every story starts with its bold number; its three key points are in the same message
        numbers = [int(n) for n in re.findall(r"<b>(\d+)\. ", message.text)]
        assert message.text.count("•") == 3 * len(numbers)
        seen.extend(numbers)
    assert seen == list(range(1, len(stories) + 1))


def test_plain_fallback_has_no_markup_and_writes_links_out() -> None:
    messages = render_messages(sample_edition(), "en", plain=True, late=True)
    params = [m.to_params() for m in messages]
    assert all("parse_mode" not in p for p in params)
    assert "https://news.example.com/story-1?a=1&b=2" in params[0]["text"]
    assert "<script>alert(1)</script>" in params[0]["text"]
    assert "Sent late" in params[0]["text"]


def test_an_empty_digest_says_why_and_a_long_one_stays_whole() -> None:
    empty = render_messages(_edition_of([]), "ja")
    assert len(empty) == 1 and "/topics" in empty[0].text
    huge = _story(1, "T" * 5000, "P" * 9000, url="https://ex.com/" + "u" * 3000)
    [message] = render_messages(_edition_of([huge]), "en")
    visible = parse_telegram_html(message.text)
    assert utf16_len(visible) <= MAX_MESSAGE and "…" in visible
    assert "<a " not in message.text  # an absurd URL is not linked


def test_channel_render_is_deterministic_json() -> None:
    channel = TelegramChannel("1:x")
    edition = replace(sample_edition(), date=date(2026, 1, 2))
    assert channel.render(edition, "en") == channel.render(edition, "en")
