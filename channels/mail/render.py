"""The digest and confirmation mails as words: subject, plain text and inlined, sanitised HTML.

Pure and deterministic: the same edition, language and links give the same mail (``aitoday preview`` and the
tests rely on it). Feed text is untrusted; every title, gist and key point passes through ``plain_text``
(nh3 strips markup and drops ``<script>``/``<style>`` content, then entities are decoded) and is escaped again
by Jinja2's autoescape, so the HTML part never carries feed markup. Links are kept only when they are http(s).

The HTML is table-based (Outlook's Word engine ignores most layout CSS), 600 px wide at most and fluid below,
with ``color-scheme`` hints and a ``prefers-color-scheme`` block for clients that support dark mode; every
other rule is inlined with css-inline because Gmail drops ``<style>`` in some views.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import css_inline
import jinja2
import nh3

from channels.labels import (
    byline,
    covered_by,
    digest_minutes,
    no_stories,
    point_text,
    read_more,
    role_labels,
)
from summaries.models import Edition, Story

__all__ = [
    "MailLinks", "RenderedMail", "plain_text", "render_confirmation", "render_digest", "render_login", "safe_url",
]

_SUBJECT_TITLE_MAX = 90
_STORY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")

#: The mail's own words (masthead, footer, confirmation). Key-point labels, age, reading time, coverage and
#: the empty digest's sentence are shared with every channel in ``channels.labels``.
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "brand": "AIToday",
        "tagline": "Your morning AI briefing",
        "view": "View in browser",
        "preferences": "Preferences",
        "like": "👍 More like this",
        "dislike": "👎 Less like this",
        "unsubscribe": "Unsubscribe",
        "why_you_get_this": "You get this because you subscribed to the AIToday digest.",
        "empty_hint": "Change your topics in your preferences.",
        "stories": "{n} stories",
        "confirm_subject": "Confirm your AIToday subscription",
        "confirm_intro": "Someone (hopefully you) asked to get the AIToday morning digest at this address.",
        "confirm_button": "Confirm my subscription",
        "confirm_ignore": "If it wasn't you, ignore this mail: nothing will be sent unless you confirm.",
        "login_subject": "Your AIToday sign-in link",
        "login_intro": "Someone (hopefully you) asked to sign in to AIToday with this address. The link works "
                       "once, for 15 minutes.",
        "login_button": "Sign in to AIToday",
        "login_ignore": "If it wasn't you, ignore this mail: nobody can sign in without the link.",
    },
    "ja": {
        "brand": "AIToday",
        "tagline": "毎朝のAIニュース要約",
        "view": "ブラウザで表示",
        "preferences": "配信設定",
        "like": "👍 似た記事をもっと",
        "dislike": "👎 似た記事を減らす",
        "unsubscribe": "配信停止",
        "why_you_get_this": "AIToday のダイジェストを購読しているため、このメールをお送りしています。",
        "empty_hint": "配信設定でトピックを変更できます。",
        "stories": "{n}件",
        "confirm_subject": "AIToday の購読を確認してください",
        "confirm_intro": "このアドレスで AIToday の朝のダイジェストを受け取る申し込みがありました。",
        "confirm_button": "購読を確認する",
        "confirm_ignore": "お心当たりがない場合はこのメールを無視してください。確認されるまで何も送信されません。",
        "login_subject": "AIToday ログイン用リンク",
        "login_intro": "このアドレスで AIToday へのログインが求められました。リンクは15分間、1回だけ有効です。",
        "login_button": "AIToday にログイン",
        "login_ignore": "お心当たりがない場合はこのメールを無視してください。リンクがなければ誰もログインできません。",
    },
}

_WEEKDAYS_JA = "月火水木金土日"


@dataclass(frozen=True, slots=True)
class MailLinks:
    """The per-recipient links a digest carries. ``unsubscribe_mailto`` is the List-Unsubscribe mailto;
    ``feedback_url`` the reader's signed 👍/👎 base (``<base>/<story id>/like|dislike``: a page with a button,
    never a vote on GET, since mail scanners follow links); empty: no 👍/👎 links."""

    view_url: str
    preferences_url: str
    unsubscribe_url: str
    unsubscribe_mailto: str = ""
    feedback_url: str = ""


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str

    def to_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "text": self.text, "html": self.html}


# ------------------------------------------------------------------------------------------- sanitising


def plain_text(value: str) -> str:
    """Feed text as plain text: no markup (script and style content dropped), entities decoded, one line."""
    cleaned = html.unescape(nh3.clean(value, tags=set()))
    return " ".join(cleaned.split())


def safe_url(value: str) -> str:
    """``value`` when it is an absolute http(s) URL, else "" (no ``javascript:``, ``data:`` or relative)."""
    candidate = value.strip()
    if any(ch in candidate for ch in "\r\n\t\x00 \"'<>`"):
        return ""
    parts = urlsplit(candidate)
    return candidate if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


# ------------------------------------------------------------------------------------------- rendering


def render_digest(edition: Edition, language: str, links: MailLinks) -> RenderedMail:
    """Subject, plain text and HTML of one digest for one recipient."""
    labels = _labels(language)
    feedback = safe_url(links.feedback_url)
    cards = [_card(story, edition.generated_at, language) | _thumbs(feedback, story) for story in edition.stories]
    context: dict[str, Any] = {
        "lang": language if language in _LABELS else "en",
        "l": labels,
        "date_long": _long_date(edition.date, language),
        "count": " · ".join(
            part
            for part in (digest_minutes(edition.reading_minutes, language), labels["stories"].format(n=len(cards)))
            if part
        ),
        "cards": cards,
        "links": _safe_links(links),
    }
    subject = _subject(edition, language, cards)
    return RenderedMail(
        subject=subject,
        text=_normalise_text(_env().get_template("digest.txt").render(context)),
        html=_inline(_env().get_template("digest.html").render(context | {"subject": subject})),
    )


def render_confirmation(confirm_url: str, language: str) -> RenderedMail:
    """The one mail an unconfirmed address may receive: a link that activates the subscription."""
    return _one_link_mail(confirm_url, language, _labels(language), "confirm_subject")


def render_login(login_url: str, language: str) -> RenderedMail:
    """The magic sign-in link of the site's discussion: the confirmation's layout with its own words."""
    labels = _labels(language)
    labels |= {"confirm_intro": labels["login_intro"], "confirm_button": labels["login_button"],
               "confirm_ignore": labels["login_ignore"]}
    return _one_link_mail(login_url, language, labels, "login_subject")


def _one_link_mail(url: str, language: str, labels: dict[str, str], subject_key: str) -> RenderedMail:
    """A mail whose whole point is one button (the ``confirm`` templates), in the words of ``labels``."""
    subject = labels[subject_key]
    context: dict[str, Any] = {
        "lang": language if language in _LABELS else "en",
        "l": labels,
        "confirm_url": safe_url(url),
        "subject": subject,
    }
    return RenderedMail(
        subject=subject,
        text=_normalise_text(_env().get_template("confirm.txt").render(context)),
        html=_inline(_env().get_template("confirm.html").render(context)),
    )


def _labels(language: str) -> dict[str, str]:
    table = _LABELS["en"] | _LABELS.get(language, {})
    return table | {"empty": no_stories(language, table["empty_hint"])}


def _card(story: Story, now: datetime, language: str) -> dict[str, Any]:
    card = story.card
    return {
        "title": plain_text(story.title) or "—",
        "url": safe_url(story.url),
        "page_url": safe_url(story.page_url),
        "read_more": read_more(language),
        "meta": plain_text(byline(story, now, language)),
        "gist": "" if plain_text(card.gist) == plain_text(card.what_happened) else plain_text(card.gist),
        "points": list(
            zip(role_labels(language), (plain_text(point_text(p, language)) for p in card.key_points), strict=True)
        ),
        "more": plain_text(covered_by(story, language, names=3)),
    }


def _thumbs(feedback_url: str, story: Story) -> dict[str, str]:
    """The story's 👍/👎 links ("" without a feedback base, or for an id no edition makes)."""
    if not feedback_url or not _STORY_ID.fullmatch(story.id):
        return {"like_url": "", "dislike_url": ""}
    base = feedback_url.rstrip("/")
    return {"like_url": f"{base}/{story.id}/like", "dislike_url": f"{base}/{story.id}/dislike"}


def _long_date(day: date, language: str) -> str:
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日（{_WEEKDAYS_JA[day.weekday()]}）"
    return f"{day:%A}, {day.day} {day:%B %Y}"


def _subject(edition: Edition, language: str, cards: list[dict[str, Any]]) -> str:
    if language == "ja":
        head = f"AIToday {edition.date.year}年{edition.date.month}月{edition.date.day}日"
    else:
        head = f"AIToday {edition.date.day} {edition.date:%b %Y}"
    if not cards:
        return head
    top = str(cards[0]["title"])
    if len(top) > _SUBJECT_TITLE_MAX:
        top = top[: _SUBJECT_TITLE_MAX - 1].rstrip() + "…"
    return f"{head}: {top}"


def _safe_links(links: MailLinks) -> dict[str, str]:
    return {
        "view": safe_url(links.view_url),
        "preferences": safe_url(links.preferences_url),
        "unsubscribe": safe_url(links.unsubscribe_url),
    }


def _normalise_text(text: str) -> str:
    """Plain-text part: no trailing spaces, at most one blank line in a row, ends with one newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


@cache
def _env() -> jinja2.Environment:
    """One environment per process: templates are read-only, so sharing the cache is safe."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("channels.mail", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def _inline(document: str) -> str:
    return str(_inliner().inline(document))
