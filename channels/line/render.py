"""The digest as LINE messages: a Flex carousel of one bubble per story, within LINE's limits.

Pure and deterministic (``aitoday preview --channel line`` prints exactly this): the same edition and
language give the same list of message objects, as the JSON dicts the Messaging API takes. LINE's limits,
which the platform enforces by rejecting the whole request (a ``RenderBug`` for us), are kept here:

* ≤ 12 bubbles per carousel, ≤ 50 KB of JSON per carousel, ≤ 30 KB per bubble (``MAX_*`` below);
* ``altText`` ≤ 1,500 characters, a button label ≤ 40, a URI ≤ 1,000 and only ``http(s)``, postback data ≤ 300;
* every bubble ends with 👍/👎 postback buttons (``cmd=like <story id>``), which the webhook runs as commands;
* ≤ 5 message objects per push or reply: a digest that needs more carousels keeps the first five.

Sizes are measured as ``json.dumps`` with its defaults (ASCII-escaped, spaced separators): that is what the
SDK puts on the wire, and the largest form of the same object, so the limit holds however LINE counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from channels import labels
from summaries.models import KEY_POINT_ROLES, Edition, Story
from summaries.trim import MAX_HAPPENED_CHARS

__all__ = [
    "MAX_ALT_TEXT",
    "MAX_BUBBLES",
    "MAX_BUBBLE_BYTES",
    "MAX_CAROUSEL_BYTES",
    "MAX_MESSAGES",
    "MAX_TEXT_MESSAGE",
    "LineMessage",
    "json_size",
    "label",
    "render_digest",
    "render_plain",
    "text_message",
]

#: Characters kept as they are in a URI (RFC 3986 reserved + unreserved, and ``%`` of existing escapes).
_URI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
_URI_FORM = re.compile(r"[A-Za-z0-9:/?#\[\]@!$&'()*+,;=\-._~%]+")

MAX_BUBBLES = 12
MAX_CAROUSEL_BYTES = 50_000
MAX_BUBBLE_BYTES = 30_000
MAX_MESSAGES = 5
MAX_ALT_TEXT = 1_500
MAX_TEXT_MESSAGE = 5_000
MAX_BUTTON_LABEL = 40
MAX_POSTBACK_DATA = 300
MAX_URI = 1_000

# Long feed text is cut, not rejected: a bubble stays readable on a phone and far below 30 KB.
_TITLE_CHARS = 160
_POINT_CHARS = MAX_HAPPENED_CHARS  # the longest point a card has: What happened with a second sentence
_SOURCE_CHARS = 60

#: A LINE message object as the API's JSON (``{"type": "flex", ...}``).
LineMessage = dict[str, Any]

#: What a LINE notification shows of a carousel, in every language.
_ALT_TEXT = "AIToday {date}: {titles}"

#: The 👍/👎 postbacks under each story: (label key, command).
_FEEDBACK = (("like", "like"), ("dislike", "dislike"))

#: LINE's own words (the button, the topics hint); the digest's shared words are in ``channels.labels``,
#: so that LINE reads like every other channel.
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "read": "Read the article",
        "like": "👍 More like this",
        "dislike": "👎 Less like this",
        "empty_hint": "Send “topics” to see or change them.",
    },
    "ja": {
        "read": "記事を読む",
        "like": "👍 もっと",
        "dislike": "👎 減らす",
        "empty_hint": "「トピック」で確認・変更できます。",
    },
}


def label(language: str, key: str, **params: object) -> str:
    """A LINE-only label in ``language`` (English when the language is unknown)."""
    return labels.channel_word(_LABELS, language, key, **params)


def json_size(obj: Any) -> int:
    """Bytes of ``obj`` as the SDK serialises it (``json.dumps`` defaults: the largest form)."""
    return len(json.dumps(obj).encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _meta(story: Story, edition: Edition, language: str) -> str:
    return labels.byline(story, edition.generated_at, language, source_limit=_SOURCE_CHARS)


def _gist(story: Story) -> str:
    """The gist when it adds something to What happened ("" otherwise)."""
    gist = story.card.gist.strip()
    return "" if not gist or gist == story.card.what_happened.strip() else _cut(gist, _POINT_CHARS)


def _safe_uri(url: str) -> str | None:
    """``url`` as a URI LINE accepts (RFC 3986): spaces, quotes, ``<>`` and other unsafe characters
    percent-encoded (existing ``%XX`` escapes kept); None when it is not an http(s) URL or too long."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    encoded = quote(url.strip(), safe=_URI_SAFE)
    if len(encoded) > MAX_URI or not _URI_FORM.fullmatch(encoded):
        return None
    return encoded


def _bubble(story: Story, edition: Edition, language: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "text", "text": _cut(story.title, _TITLE_CHARS) or "—", "weight": "bold", "size": "md", "wrap": True},
    ]
    if gist := _gist(story):
        body.append({"type": "text", "text": gist, "size": "sm", "wrap": True, "margin": "sm"})
    body.append(
        {
            "type": "text",
            "text": _meta(story, edition, language),
            "size": "xxs",
            "color": "#8C8C8C",
            "wrap": True,
            "margin": "sm",
        }
    )
    if covered := labels.covered_by(story, language, names=3, name_limit=_SOURCE_CHARS):
        body.append({"type": "text", "text": covered, "size": "xxs", "color": "#8C8C8C", "wrap": True})
    body.append({"type": "separator", "margin": "md"})
    for role, point in zip(KEY_POINT_ROLES, story.card.key_points, strict=True):
        if not point.strip():
            continue
        body.append(
            {
                "type": "box",
                "layout": "vertical",
                "margin": "md",
                "spacing": "xs",
                "contents": [
                    {
                        "type": "text",
                        "text": labels.role_label(role, language),
                        "size": "xs",
                        "weight": "bold",
                        "color": "#0B7A55",
                    },
                    {
                        "type": "text",
                        "text": _cut(labels.point_text(point, language), _POINT_CHARS),
                        "size": "sm",
                        "wrap": True,
                    },
                ],
            }
        )
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "contents": body},
    }
    uri = _safe_uri(story.url)
    buttons: list[dict[str, Any]] = []
    if uri is not None:
        buttons.append({"type": "button", "style": "primary", "height": "sm", "color": "#0B7A55",
                        "action": {"type": "uri", "label": label(language, "read")[:MAX_BUTTON_LABEL], "uri": uri}})
    page = _safe_uri(story.page_url) if story.page_url else None
    if page is not None:
        buttons.append({"type": "button", "style": "link", "height": "sm",
                        "action": {"type": "uri", "label": labels.read_more(language)[:MAX_BUTTON_LABEL],
                                   "uri": page}})
    buttons.append({"type": "box", "layout": "horizontal", "spacing": "sm", "contents": [
        _feedback_button(label(language, kind), f"cmd={verb} {story.id}") for kind, verb in _FEEDBACK]})
    bubble["footer"] = {"type": "box", "layout": "vertical", "contents": buttons}
    return bubble


def _feedback_button(text: str, data: str) -> dict[str, Any]:
    """A 👍/👎 postback: the webhook reads ``cmd=like <story id>`` back as the command (``displayText`` is what the
    reader's chat shows)."""
    return {"type": "button", "style": "secondary", "height": "sm",
            "action": {"type": "postback", "label": text[:MAX_BUTTON_LABEL], "data": data[:MAX_POSTBACK_DATA],
                       "displayText": text[:MAX_BUTTON_LABEL]}}


def _alt_text(edition: Edition, stories: Sequence[Story], language: str) -> str:
    titles = " · ".join(_cut(s.title, 80) for s in stories)
    minutes = labels.digest_minutes(edition.reading_minutes, language)
    return _cut(
        _ALT_TEXT.format(date=edition.date.isoformat(), titles=titles if not minutes else f"{minutes} · {titles}"), 400
    )


def _carousels(bubbles: list[tuple[Story, dict[str, Any]]]) -> list[list[tuple[Story, dict[str, Any]]]]:
    """Pack bubbles in order into carousels of ≤ 12 bubbles and ≤ 50 KB, never reordering stories."""
    empty = json_size({"type": "carousel", "contents": []})
    groups: list[list[tuple[Story, dict[str, Any]]]] = []
    current: list[tuple[Story, dict[str, Any]]] = []
    size = empty
    for story, bubble in bubbles:
        extra = json_size(bubble) + 2  # ", " between bubbles
        if current and (len(current) >= MAX_BUBBLES or size + extra > MAX_CAROUSEL_BYTES - 2_000):
            groups.append(current)
            current, size = [], empty
        current.append((story, bubble))
        size += extra
    if current:
        groups.append(current)
    return groups


def text_message(text: str, quick_reply: dict[str, Any] | None = None) -> LineMessage:
    """One text message, cut to LINE's 5,000 characters."""
    message: LineMessage = {"type": "text", "text": _cut_keep_lines(text, MAX_TEXT_MESSAGE) or "—"}
    if quick_reply is not None:
        message["quickReply"] = quick_reply
    return message


def _cut_keep_lines(text: str, limit: int) -> str:
    """Cut to ``limit`` characters as LINE counts them (UTF-16 units: an emoji outside the BMP counts 2)."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    kept, units = [], 0
    for char in text:
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _empty(edition: Edition, language: str) -> str:
    return f"AIToday {edition.date.isoformat()}: {labels.no_stories(language, label(language, 'empty_hint'))}"


def render_digest(edition: Edition, language: str) -> list[LineMessage]:
    """The digest as ≤ 5 Flex carousel messages (or one text message when no story is left)."""
    if not edition.stories:
        return [text_message(_empty(edition, language))]
    bubbles = []
    for story in edition.stories:
        bubble = _bubble(story, edition, language)
        if json_size(bubble) <= MAX_BUBBLE_BYTES:
            bubbles.append((story, bubble))
    messages: list[LineMessage] = []
    for group in _carousels(bubbles)[:MAX_MESSAGES]:
        messages.append(
            {
                "type": "flex",
                "altText": _alt_text(edition, [story for story, _ in group], language),
                "contents": {"type": "carousel", "contents": [bubble for _, bubble in group]},
            }
        )
    return messages


def render_plain(edition: Edition, language: str) -> list[LineMessage]:
    """The one plain-text fallback after a ``RenderBug``: the same stories as ≤ 5 text messages."""
    if not edition.stories:
        return [text_message(_empty(edition, language))]
    blocks = []
    for story in edition.stories:
        lines = [
            _cut(story.title, _TITLE_CHARS),
            _gist(story),
            _meta(story, edition, language),
            labels.covered_by(story, language, names=3, name_limit=_SOURCE_CHARS),
        ]
        lines = [line for line in lines if line]
        for role, point in zip(KEY_POINT_ROLES, story.card.key_points, strict=True):
            if point.strip():
                text = _cut(labels.point_text(point, language), _POINT_CHARS)
                lines.append(f"{labels.role_label(role, language)}: {text}")
        if _safe_uri(story.url):
            lines.append(story.url.strip())
        if story.page_url and _safe_uri(story.page_url):
            lines.append(f"{labels.read_more(language)}: {story.page_url.strip()}")
        blocks.append("\n".join(lines))
    heading = labels.digest_title(edition.date.isoformat())
    if minutes := labels.digest_minutes(edition.reading_minutes, language):
        heading = f"{heading} · {minutes}"
    texts: list[str] = [heading]
    for block in blocks:
        candidate = f"{texts[-1]}\n\n{block}"
        if len(candidate) <= MAX_TEXT_MESSAGE:
            texts[-1] = candidate
        else:
            texts.append(block)
    return [text_message(text) for text in texts[:MAX_MESSAGES]]
