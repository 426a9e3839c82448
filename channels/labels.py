"""The fixed words of the digest, in English and Japanese, shared by every channel's renderer.

Why one module: the same story should read the same on Email, LINE, Slack, Telegram and the console. When each
renderer kept its own table the copies drifted ("何が起きた" on one channel, "何が起きたか" on another; "+1 sources"
next to "+1 source"). The words every channel shows live here once: the three key-point labels, the reading
time, the other-coverage note, the relative age, the title line and the "no stories for you today" sentence
(never "matched your topics": a reader may have none).
``byline`` and ``covered_by`` build the two lines under every story's title (source · author · 11h ago · 3 min
read; "Also covered by A, B, C +N"), so every channel shows the same facts in the same order.

Words that only make sense on one platform stay in that renderer: button labels, LINE's alt text, command hints
such as ``/aitoday topics`` or ``/topics``, mail footers. Unknown languages fall back to English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from summaries.edition import relative_age
from summaries.models import KEY_POINT_ROLES, Story
from summaries.summarize import NO_DETAIL, NO_MATTERS, NO_WATCH

__all__ = [
    "LANGUAGES",
    "age",
    "also_covered",
    "byline",
    "channel_word",
    "covered_by",
    "digest_minutes",
    "digest_title",
    "known_language",
    "more_sources",
    "no_stories",
    "point_text",
    "read_more",
    "reading_time",
    "role_label",
    "role_labels",
]

#: The languages the digest is written in; anything else reads the English words.
LANGUAGES: Final = ("en", "ja")

_ROLES: Final[dict[str, tuple[str, str, str]]] = {
    "en": ("What happened", "Why it matters", "What to watch"),
    "ja": ("何が起きたか", "なぜ重要か", "今後の注目点"),
}

_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "reading": "{n} min read",
        "source": "+1 source",
        "sources": "+{n} sources",
        "also": "Also: {names}",
        "covered": "Also covered by {names}",
        "minutes": "{n}-minute read",
        "covered_more": "+{n}",
        "english": "",
        "no_stories": "No stories for you today.",
        "read_more": "Read more",
    },
    "ja": {
        "reading": "{n}分",
        "source": "他1件のソース",
        "sources": "他{n}件のソース",
        "also": "関連: {names}",
        "covered": "ほかの報道: {names}",
        "minutes": "{n}分で読めます",
        "covered_more": "他{n}件",
        "english": "英語の記事",
        "no_stories": "今日お届けする記事はありません。",
        "read_more": "続きを読む",
    },
}


def known_language(language: str) -> str:
    """``language`` when the digest has words for it, else ``"en"``."""
    return language if language in LANGUAGES else "en"


def _word(language: str, key: str) -> str:
    return _WORDS[known_language(language)][key]


def digest_title(day: str) -> str:
    """ "AIToday · 2026-11-27": the digest's title line, the same in every language (``day`` already formatted)."""
    return f"AIToday · {day}"


def digest_minutes(minutes: int, language: str) -> str:
    """ "5-minute read" / "5分で読めます": a digest's reading time of its cards; "" for a whole edition (0)."""
    return _word(language, "minutes").format(n=minutes) if minutes > 0 else ""


def role_labels(language: str) -> tuple[str, str, str]:
    """The three key-point labels in ``KEY_POINT_ROLES`` order (what happened, why it matters, what to watch)."""
    return _ROLES[known_language(language)]


def role_label(role: str, language: str) -> str:
    """The label of one key-point role (one of ``summaries.models.KEY_POINT_ROLES``)."""
    return role_labels(language)[KEY_POINT_ROLES.index(role)]


def read_more(language: str) -> str:
    """ "Read more" / "続きを読む": the link to a story's own web page (``Story.page_url``) beside the original."""
    return _word(language, "read_more")


def reading_time(minutes: int, language: str) -> str:
    """ "3 min read" / "3分で読めます"; a story is never shown as taking less than a minute."""
    return _word(language, "reading").format(n=max(1, minutes))


def more_sources(others: int, language: str) -> str:
    """ "+3 sources" / "他3件のソース" for ``others`` further outlets covering the story; "" when there are none."""
    if others <= 0:
        return ""
    if others == 1:
        return _word(language, "source")
    return _word(language, "sources").format(n=others)


def also_covered(names: Sequence[str], language: str) -> str:
    """ "Also: A, B" / "関連: A, B", naming the other outlets; "" when there are none."""
    return _word(language, "also").format(names=", ".join(names)) if names else ""


def age(published: datetime, now: datetime, language: str) -> str:
    """ "11h ago" / "11時間前": the story's age when the edition was made (``summaries.edition.relative_age``)."""
    return relative_age(published, now, known_language(language))


def channel_word(table: Mapping[str, Mapping[str, str]], language: str, key: str, **params: object) -> str:
    """A word from a channel's own per-language ``table`` (button labels, command hints), filled in with
    ``params``; it falls back to English exactly as the shared words do."""
    return table[known_language(language)][key].format(**params)


def no_stories(language: str, hint: str = "") -> str:
    """The sentence an empty digest shows, then the channel's own ``hint`` on how to change topics."""
    sentence = _word(language, "no_stories")
    if not hint:
        return sentence
    return f"{sentence}{hint}" if known_language(language) == "ja" else f"{sentence} {hint}"


def byline(
    story: Story, now: datetime, language: str, *, source_limit: int = 60, author_limit: int = 40
) -> str:
    """ "OpenAI · Jane Doe · 11h ago · 3 min read" / "… · 11時間前 · 3分": who, when, how long.

    The author is left out when the feed names none or names the outlet itself. A Japanese reader is told when
    the card is in English (英語の記事): offline cards stay in the article's language. Plain text: a channel
    escapes it for its own markup.
    """
    source = _cut(story.source_name, source_limit)
    author = _cut(story.author, author_limit)
    if author.casefold() == source.casefold():
        author = ""
    parts = [source, author, age(story.published, now, language), reading_time(story.reading_minutes, language)]
    if known_language(language) == "ja" and story.card.language not in ("", "ja"):
        parts.append(_word(language, "english"))
    return " · ".join(part for part in parts if part)


def covered_by(story: Story, language: str, *, names: int = 3, name_limit: int = 40) -> str:
    """ "Also covered by A, B, C +2" / "ほかの報道: A、B、C 他2件"; "" when no other outlet carried it.

    ``names`` is how many outlets a channel has room to name; the rest are counted.
    """
    outlets = list(dict.fromkeys(c.source_name for c in story.also_covered_by if c.source_name))
    if not outlets:
        return ""
    shown = [_cut(name, name_limit) for name in outlets[: max(0, names)]]
    rest = len(outlets) - len(shown)
    ja = known_language(language) == "ja"
    text = _word(language, "covered").format(names=("、" if ja else ", ").join(shown)) if shown else ""
    if rest:
        more = _word(language, "covered_more").format(n=rest)
        text = f"{text} {more}" if text else more_sources(rest, language)
    return text


def point_text(point: str, language: str) -> str:
    """A key point as the reader sees it: the "the article does not say" lines in the reader's language."""
    for table in (NO_DETAIL, NO_MATTERS, NO_WATCH):
        if point in table.values():
            return table.get(known_language(language), point)
    return point


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
