"""An edition as Slack Block Kit posts: pure, deterministic, always within Slack's limits.

Why a module of its own: the limits are where naive Slack bots break, so they are enforced here, once, and
tested with hostile feed text (``tests/sample_edition.py``) and generated editions:

* at most ``MAX_BLOCKS`` (50) blocks per message, so a long digest is split into several posts, always at a
  story boundary (a story's blocks never straddle two posts);
* a section's text at most ``MAX_SECTION`` (3,000) characters *after* escaping, a header at most 150,
  a button label at most 75, a ``block_id`` at most 255;
* feed text is untrusted: ``&``, ``<`` and ``>`` are escaped in every mrkdwn string (titles, gists, source
  names, the fallback ``text``) so that a title can never ping ``<!channel>`` or forge a link.

A post is ``{"text": fallback, "blocks": [...]}``; ``render`` returns the list of posts, which is exactly
what ``aitoday preview --channel slack`` prints and what ``chat.postMessage`` receives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from channels import labels
from summaries.models import KEY_POINT_ROLES, Edition, Story

__all__ = [
    "ACTION_DISLIKE",
    "ACTION_LIKE",
    "ACTION_MORE",
    "ACTION_MUTE",
    "MAX_BLOCKS",
    "MAX_HEADER",
    "MAX_SECTION",
    "escape",
    "posted_stories",
    "render_plain",
    "render_posts",
]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BLOCK_ID = 255
#: Fallback text is what notifications and screen readers show; Slack truncates past 40,000.
MAX_FALLBACK = 3000
#: Plain posts (the fallback after a RenderBug) stay well under ``msg_too_long``.
MAX_PLAIN = 3500

#: 👍 / 👎 under a story: the value is the story id, the bot runs ``like <id>`` / ``dislike <id>``.
ACTION_LIKE = "aitoday_like"
ACTION_DISLIKE = "aitoday_dislike"
#: Rendered by earlier versions (value: a topic, ``topics add``); still answered for digests already posted.
ACTION_MORE = "aitoday_more_like_this"
ACTION_MUTE = "aitoday_mute_source"

_BLOCKS_PER_STORY = 4  # section, context, actions, divider
_PER_POST = (MAX_BLOCKS - 1) // _BLOCKS_PER_STORY  # stories per post: one block is the header

#: What notifications and screen readers show of a post, in every language.
_FALLBACK = "AIToday {date}: {titles}"

#: Words only Slack shows (part numbers, buttons, the ``/aitoday`` hint); the digest's words are ``channels.labels``.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "part": " ({n}/{total})",
        "more": "👍 More like this",
        "less": "👎 Less like this",
        "mute": "Mute this source",
        "empty_hint": "Send `/aitoday topics` to widen them.",
    },
    "ja": {
        "part": "（{n}/{total}）",
        "more": "👍 似た記事をもっと",
        "less": "👎 似た記事を減らす",
        "mute": "このソースをミュート",
        "empty_hint": "`/aitoday topics` で広げられます。",
    },
}


def _w(language: str, key: str, **params: object) -> str:
    return labels.channel_word(_WORDS, language, key, **params)


def escape(text: str) -> str:
    """Slack's three control characters, escaped as Slack documents (``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _safe_url(url: str) -> str:
    """A URL that cannot close or split a ``<url|label>`` link: ``<``, ``>``, ``|`` and spaces are
    percent-encoded, and ``&`` is entity-escaped because Slack unescapes the whole text, links included."""
    return escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))


def _linkable(url: str) -> bool:
    """Only web links become links: an empty or ``javascript:``/``slack:`` URL shows the title alone."""
    return url.lower().startswith(("https://", "http://")) and len(url) <= 3000


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _date(edition: Edition, language: str) -> str:
    if language == "ja":
        return f"{edition.date.year}年{edition.date.month}月{edition.date.day}日"
    return edition.date.strftime("%a %d %b %Y")


def _section_text(story: Story, language: str) -> str:
    """Title link, gist and the three labelled key points, escaped, within ``MAX_SECTION``.

    The budget is spent on escaped text, so a title full of ``&`` cannot push the section over the limit;
    the longest part is shortened first until everything fits.
    """
    card = story.card
    parts = [story.title, card.gist, *(labels.point_text(p, language) for p in card.key_points)]
    limits = [300, 600, 700, 700, 700]
    while True:
        title, gist, happened, matters, watch = (escape(_clip(p, n)) for p, n in zip(parts, limits, strict=True))
        lines = [f"*<{_safe_url(story.url)}|{title}>*" if _linkable(story.url) else f"*{title}*"]
        if gist and gist != happened:
            lines.append(gist)
        for role, point in zip(KEY_POINT_ROLES, (happened, matters, watch), strict=True):
            if point:
                lines.append(f"*{labels.role_label(role, language)}:* {point}")
        text = "\n".join(lines)
        if len(text) <= MAX_SECTION:
            return text
        longest = max(range(len(limits)), key=lambda i: len(escape(_clip(parts[i], limits[i]))))
        limits[longest] = max(20, int(limits[longest] * 0.8))


def _context_elements(story: Story, now: datetime, language: str) -> list[dict[str, Any]]:
    """The byline, then "Also covered by …" naming up to five outlets (a context block has the room), then the
    link to the story's page."""
    texts = [escape(labels.byline(story, now, language, source_limit=200, author_limit=100)),
             escape(labels.covered_by(story, language, names=5, name_limit=80))]
    if _linkable(story.page_url):
        texts.append(f"<{_safe_url(story.page_url)}|{escape(labels.read_more(language))}>")
    return [{"type": "mrkdwn", "text": text} for text in texts if text]


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }


def _story_blocks(story: Story, now: datetime, language: str, key: str) -> list[dict[str, Any]]:
    block_id = f"story:{key}"[:MAX_BLOCK_ID - 2]
    buttons = [_button(_w(language, "more"), ACTION_LIKE, story.id),
               _button(_w(language, "less"), ACTION_DISLIKE, story.id),
               _button(_w(language, "mute"), ACTION_MUTE, story.source_name or story.source_id)]
    return [
        {"type": "section", "block_id": f"{block_id}:s",
         "text": {"type": "mrkdwn", "text": _section_text(story, language)}},
        {"type": "context", "block_id": f"{block_id}:c",
         "elements": _context_elements(story, now, language)},
        {"type": "actions", "block_id": f"{block_id}:a", "elements": buttons},
        {"type": "divider"},
    ]


def _header(edition: Edition, language: str, part: int, total: int) -> dict[str, Any]:
    text = labels.digest_title(_date(edition, language))
    if minutes := labels.digest_minutes(edition.reading_minutes, language):
        text += f" · {minutes}"
    if total > 1:
        text += _w(language, "part", n=part, total=total)
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER), "emoji": True}}


def _fallback(edition: Edition, stories: tuple[Story, ...] | list[Story], language: str) -> str:
    titles = "; ".join(_clip(s.title, 120) for s in stories)
    return escape(_clip(_FALLBACK.format(date=_date(edition, language), titles=titles), MAX_FALLBACK))


def render_posts(edition: Edition, language: str) -> list[dict[str, Any]]:
    """The posts of one digest: each ≤ ``MAX_BLOCKS`` blocks, split only between stories."""
    language = language if language in _WORDS else "en"
    now = edition.generated_at
    per_post = _PER_POST
    stories = list(edition.stories)
    if not stories:
        empty = labels.no_stories(language, _w(language, "empty_hint"))
        return [{
            "text": _fallback(edition, [], language),
            "blocks": [_header(edition, language, 1, 1),
                       {"type": "section", "text": {"type": "mrkdwn", "text": empty}}],
        }]
    chunks = [stories[i:i + per_post] for i in range(0, len(stories), per_post)]
    posts = []
    for index, chunk in enumerate(chunks, start=1):
        blocks = [_header(edition, language, index, len(chunks))]
        used: set[str] = set()
        for position, story in enumerate(chunk):
            key = story.id[:200] if story.id[:200] not in used else f"{story.id[:200]}~{position}"
            used.add(key)  # Slack rejects a whole message whose block_ids repeat
            blocks.extend(_story_blocks(story, now, language, key))
        if blocks[-1]["type"] == "divider":
            blocks.pop()  # no trailing rule at the bottom of a post
        posts.append({"text": _fallback(edition, chunk, language), "blocks": blocks})
    return posts


def posted_stories(edition: Edition, posts: int) -> int:
    """How many stories the first ``posts`` posts of ``render_posts`` hold."""
    return min(len(edition.stories), max(0, posts) * _PER_POST)


def render_plain(edition: Edition, language: str, *, after: int = 0) -> list[str]:
    """Text-only posts (no blocks): the one fallback after Slack rejected our blocks as ``invalid_blocks``.

    ``after``: the first ``after`` stories were posted already (rich posts before the failure); the posts hold
    the rest, without the title line that opened the digest."""
    language = language if language in _WORDS else "en"
    head = escape(labels.digest_title(_date(edition, language)))
    lines = [] if after > 0 else [f"*{head}*"]
    for story in edition.stories[max(0, after):]:
        title = escape(_clip(story.title, 300))
        link = f"<{_safe_url(story.url)}|{title}>" if _linkable(story.url) else title
        byline = escape(labels.byline(story, edition.generated_at, language))
        lines.append(f"• {link} — {escape(_clip(story.card.gist, 400))} _({byline})_")
    posts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > MAX_PLAIN:
            posts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        posts.append(current)
    return posts
