"""The digest as Telegram messages: HTML parse mode, every piece of feed text escaped, split within 4,096.

Why this module is careful:

* Telegram rejects the whole message on one stray ``<`` or ``&`` ("can't parse entities"), and feed text is
  untrusted. Every feed string passes through ``html.escape`` exactly once, after it has been cut to size, so a
  cut can never land inside an entity or a tag.
* The 4,096 limit counts the text *after* entity parsing, in UTF-16 code units (the unit Telegram's entity
  offsets use; an emoji counts two). Each block is built as HTML and as the text Telegram will see, so the
  visible length is known exactly without parsing our own output.
* Messages are split only between stories; one story is capped (title, key points, coverage list) so that it
  always fits one message on its own.
* Link previews are off, except on the first message, which previews the top story.
* Each message carries an inline keyboard with 👍/👎 for each story in it (``feedback_keyboard``), whose callback
  data (``f:+:<story id>`` / ``f:-:<story id>``, within Telegram's 64 bytes) the inbound reads back with
  ``feedback_command`` into ``like <story id>`` / ``dislike <story id>``.

The plain variant (``plain=True``) is the fallback after a ``RenderBug``: no parse mode, links written out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.labels import (
    byline,
    covered_by,
    digest_minutes,
    digest_title,
    no_stories,
    point_text,
    read_more,
    role_labels,
)
from summaries.models import Edition, Story

__all__ = [
    "MAX_MESSAGE", "TelegramMessage", "feedback_command", "feedback_keyboard", "render_messages", "shown_stories",
    "utf16_len",
]

#: Telegram's limit on a message's text after entity parsing, in UTF-16 code units.
MAX_MESSAGE = 4096

_MAX_TITLE = 300
_MAX_POINT = 700
_MAX_SOURCE = 80
_MAX_URL = 1000
_MAX_ALSO = 3
_SEPARATOR = "\n\n"

#: Callback data of a 👍/👎 button: ``f:+:<story id>``; a story id as editions make them, within 64 bytes in all.
_FEEDBACK_DATA = re.compile(r"f:([+-]):([A-Za-z0-9_-]{3,56})")

#: Telegram's header, footer and command hints. Key-point labels, reading time, other coverage and the empty
#: digest's sentence are shared with every channel in ``channels.labels``.
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "count": "{n} stories for you",
        "count_one": "1 story for you",
        "late": "Sent late: we could not deliver at your usual time.",
        "empty_hint": "Send /topics to see or widen them.",
        "footer": "/settings to change topics, time or language · /stop to unsubscribe",
        "date": "%A, %d %B %Y",
    },
    "ja": {
        "count": "今日のニュース {n}本",
        "count_one": "今日のニュース 1本",
        "late": "いつもの時刻に届けられなかったため、遅れて送っています。",
        "empty_hint": "/topics で確認・追加できます。",
        "footer": "/settings でトピック・時刻・言語を変更 · /stop で配信停止",
        "date": "%Y年%m月%d日",
    },
}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One ``sendMessage`` call. ``preview_url`` empty means link previews are off."""

    text: str
    html: bool
    preview_url: str = ""
    #: ``(number shown, story id)`` of each story in this message: its 👍/👎 row.
    stories: tuple[tuple[int, str], ...] = ()

    def to_params(self) -> dict[str, Any]:
        """The Bot API parameters (JSON-able), as ``aitoday preview`` shows them."""
        params: dict[str, Any] = {"text": self.text}
        if self.stories:
            params["reply_markup"] = {"inline_keyboard": feedback_keyboard(self)}
        if self.html:
            params["parse_mode"] = "HTML"
        if self.preview_url:
            params["link_preview_options"] = {"url": self.preview_url, "is_disabled": False}
        else:
            params["link_preview_options"] = {"is_disabled": True}
        return params


@dataclass(frozen=True, slots=True)
class _Frag:
    """A piece of a message as sent (``markup``) and as Telegram shows it (``visible``)."""

    markup: str
    visible: str

    def __add__(self, other: _Frag) -> _Frag:
        return _Frag(self.markup + other.markup, self.visible + other.visible)


class _Writer:
    """Builds fragments in HTML or plain mode; the only place that escapes."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain

    def text(self, value: str, limit: int = 0) -> _Frag:
        value = _cut(" ".join(value.split()), limit) if limit else value
        return _Frag(value if self.plain else html.escape(value, quote=False), value)

    def bold(self, inner: _Frag) -> _Frag:
        return inner if self.plain else _Frag(f"<b>{inner.markup}</b>", inner.visible)

    def italic(self, inner: _Frag) -> _Frag:
        return inner if self.plain else _Frag(f"<i>{inner.markup}</i>", inner.visible)

    def link(self, label: _Frag, url: str) -> _Frag:
        if not _safe_url(url):
            return label
        if self.plain:
            return label + self.text("\n" + url)
        return _Frag(f'<a href="{html.escape(url, quote=True)}">{label.markup}</a>', label.visible)

    def join(self, frags: Iterable[_Frag], sep: str = "\n") -> _Frag:
        items = list(frags)
        glue = self.text(sep)
        out = _Frag("", "")
        for index, frag in enumerate(items):
            out = out + (glue + frag if index else frag)
        return out


def render_messages(
    edition: Edition, language: str, *, plain: bool = False, late: bool = False, after: int = 0
) -> list[TelegramMessage]:
    """The digest as one or more messages, each within ``MAX_MESSAGE`` after entity parsing.

    ``after``: the first ``after`` stories were shown already (by rich messages before a plain fallback); the
    messages hold the rest, numbered as in the whole digest, without the header that went with story 1."""
    labels = _LABELS.get(language, _LABELS["en"])
    writer = _Writer(plain)
    head = [_header(writer, edition, labels, late, language)]
    stories = [
        _story(writer, index, story, language, edition.generated_at)
        for index, story in enumerate(edition.stories, start=1)
    ]
    if not stories:
        stories = [writer.text(no_stories(language, labels["empty_hint"]))]
    footer = writer.italic(writer.text(labels["footer"]))
    skip = min(max(0, after), len(edition.stories))
    chunks = _pack([head[0] + writer.text(_SEPARATOR) + stories[0], *stories[1:], footer][skip:])
    top = edition.stories[0].url if edition.stories and _safe_url(edition.stories[0].url) and not skip else ""
    ids = [story.id for story in edition.stories]
    return [
        TelegramMessage(text=chunk, html=not plain, preview_url=top if index == 0 else "",
                        stories=tuple((skip + n + 1, ids[skip + n]) for n in blocks if skip + n < len(ids)))
        for index, (chunk, blocks) in enumerate(chunks)
    ]


def shown_stories(messages: Sequence[TelegramMessage], parts: int) -> int:
    """How many stories the first ``parts`` messages held (messages split only between stories, in order)."""
    return max((n for message in messages[:parts] for n, _ in message.stories), default=0)


def feedback_keyboard(message: TelegramMessage) -> list[list[dict[str, str]]]:
    """One row per story of ``message``: ``👍 N`` and ``👎 N`` (N as numbered in the digest)."""
    return [[{"text": f"👍 {n}", "callback_data": f"f:+:{story}"}, {"text": f"👎 {n}", "callback_data": f"f:-:{story}"}]
            for n, story in message.stories]


def feedback_command(data: str) -> str | None:
    """The command a 👍/👎 button's callback data stands for, or None when it is not one we render."""
    match = _FEEDBACK_DATA.fullmatch(data)
    if match is None:
        return None
    return f"{'like' if match.group(1) == '+' else 'dislike'} {match.group(2)}"


def _pack(blocks: Sequence[_Frag]) -> list[tuple[str, list[int]]]:
    """Greedy packing at block boundaries: a block never straddles two messages. Each message with the indexes
    of the blocks it holds."""
    messages: list[tuple[str, list[int]]] = []
    current: _Frag | None = None
    held: list[int] = []
    for index, block in enumerate(blocks):
        if current is None:
            current, held = block, [index]
            continue
        joined = _Frag(current.markup + _SEPARATOR + block.markup, current.visible + _SEPARATOR + block.visible)
        if utf16_len(joined.visible) <= MAX_MESSAGE:
            current = joined
            held.append(index)
        else:
            messages.append((current.markup, held))
            current, held = block, [index]
    if current is not None:
        messages.append((current.markup, held))
    return messages


def _header(writer: _Writer, edition: Edition, labels: dict[str, str], late: bool, language: str) -> _Frag:
    title = writer.bold(writer.text(digest_title(edition.date.strftime(labels["date"]))))
    count = len(edition.stories)
    lines = [title]
    if count:
        counted = labels["count_one"] if count == 1 else labels["count"].format(n=count)
        minutes = digest_minutes(edition.reading_minutes, language)
        lines.append(writer.text(f"{minutes} · {counted}" if minutes else counted))
    if late:
        lines.append(writer.italic(writer.text(labels["late"])))
    return writer.join(lines)


def _story(writer: _Writer, index: int, story: Story, language: str, now: datetime) -> _Frag:
    """One story: numbered linked title, the gist when it adds something, the byline, "also covered by",
    three key points."""
    title = writer.bold(writer.text(f"{index}. ") + writer.link(writer.text(story.title, _MAX_TITLE), story.url))
    lines = [title]
    card = story.card
    if card.gist.strip() and card.gist.strip() != card.what_happened.strip():
        lines.append(writer.text(card.gist, _MAX_POINT))
    lines.append(writer.italic(writer.text(byline(story, now, language, source_limit=_MAX_SOURCE))))
    if covered := covered_by(story, language, names=_MAX_ALSO, name_limit=_MAX_SOURCE):
        lines.append(writer.italic(writer.text(covered)))
    for label, point in zip(role_labels(language), card.key_points, strict=True):
        if point.strip():
            lines.append(writer.text("• ") + writer.bold(writer.text(label + ":")) + writer.text(" ")
                         + writer.text(point_text(point, language), _MAX_POINT))
    if _safe_url(story.page_url):
        lines.append(writer.link(writer.text(read_more(language) + " →"), story.page_url))
    return writer.join(lines)


def _cut(value: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut (before escaping: never inside an entity)."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _safe_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and len(url) <= _MAX_URL and not any(c.isspace() for c in url)
