"""The full byline on every channel: source · author · age · reading time, and the other outlets by name.

A reader on any channel sees the same facts under a title (issue 16): who published it and who wrote it, how old
it is, how long it takes, and which other outlets carried it ("Also covered by A, B, C +N"), in English or
Japanese. The story below has an author, five other outlets and an English card, read by both.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace

import pytest

from channels.console import render_text
from channels.line.render import render_digest as line_render
from channels.line.render import render_plain as line_plain
from channels.mail.render import MailLinks
from channels.mail.render import render_digest as mail_render
from channels.slack.render import render_plain as slack_plain
from channels.slack.render import render_posts
from channels.telegram.render import render_messages
from summaries.models import Coverage, Edition
from tests.sample_edition import sample_edition

_OUTLETS = ("The Verge", "Wired", "TechCrunch", "Ars Technica", "ITmedia")


def _edition(language: str) -> Edition:
    edition = sample_edition(language)
    story = replace(
        edition.stories[0],
        also_covered_by=tuple(Coverage(name, f"https://{i}.example.com/a") for i, name in enumerate(_OUTLETS)),
        card=replace(edition.stories[0].card, language="en"),
    )
    return replace(edition, stories=(story, *edition.stories[1:]))


_LINKS = MailLinks(view_url="https://x.example/v", preferences_url="https://x.example/p",
                   unsubscribe_url="https://x.example/u")


def _renders(language: str) -> dict[str, str]:
    edition = _edition(language)
    mail = mail_render(edition, language, _LINKS)
    return {
        "email html": html.unescape(mail.html),
        "email text": mail.text,
        "slack": html.unescape(json.dumps(render_posts(edition, language), ensure_ascii=False)),
        "slack plain": html.unescape("\n".join(slack_plain(edition, language))),
        "line": json.dumps(line_render(edition, language), ensure_ascii=False),
        "line plain": json.dumps(line_plain(edition, language), ensure_ascii=False),
        "telegram": html.unescape("\n".join(m.text for m in render_messages(edition, language))),
        "telegram plain": "\n".join(m.text for m in render_messages(edition, language, plain=True)),
        "text": render_text(edition, language),
    }


@pytest.mark.parametrize("channel", ["email html", "email text", "slack", "line", "line plain", "telegram",
                                     "telegram plain", "text"])
def test_every_channel_shows_the_full_byline_and_names_the_other_outlets(channel: str) -> None:
    en = _renders("en")[channel]
    assert "OpenAI · Jane Doe · 2h ago · 3 min read" in en
    assert "Euractiv · 11h ago · 6 min read" in en  # no author: no empty slot
    assert "Also covered by The Verge, Wired, TechCrunch" in en
    ja = _renders("ja")[channel]
    assert "OpenAI · Jane Doe · 2時間前 · 3分 · 英語の記事" in ja  # an English card is marked for a Japanese reader
    assert "日経クロステック · Jane Doe · 14時間前 · 7分" in ja
    assert "ほかの報道: The Verge、Wired、TechCrunch" in ja


def test_the_slack_plain_fallback_keeps_the_byline() -> None:
    assert "OpenAI · Jane Doe · 2h ago · 3 min read" in _renders("en")["slack plain"]


@pytest.mark.parametrize(("channel", "shown"), [("email html", 3), ("line", 3), ("telegram", 3), ("slack", 5),
                                                ("text", 5)])
def test_outlets_beyond_the_room_are_counted(channel: str, shown: int) -> None:
    en = _renders("en")[channel]
    named = ", ".join(_OUTLETS[:shown])
    more = len(_OUTLETS) - shown
    assert f"Also covered by {named}" + (f" +{more}" if more else "") in en
    ja = _renders("ja")[channel]
    assert "ほかの報道: " + "、".join(_OUTLETS[:shown]) + (f" 他{more}件" if more else "") in ja
