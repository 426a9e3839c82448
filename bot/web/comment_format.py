"""Reader-written text on a page: comments and display names, always shown as text.

A comment may contain anything a person can type or paste. It is escaped (autoescape would do that too);
in addition, characters that change how *surrounding* text is displayed — bidirectional overrides and
isolates (which can make ``evil.com/moc.elgoog`` read backwards) and control characters — are shown as
visible ``[U+202E]`` marks instead of acting. Only ``http(s)`` URLs become links, each with
``rel="nofollow ugc noopener"`` (no ranking credit for spam, no ``window.opener``); ``javascript:`` and
``data:`` stay text.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from channels.mail.render import safe_url

__all__ = ["LINK_REL", "comment_html", "visible_text"]

LINK_REL = "nofollow ugc noopener"

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"»」』。、"
_LINK = Markup('<a href="{}" rel="{}">{}</a>')  # every argument is escaped by Markup.format
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown(char: str) -> str:
    if char in "\n\t":
        return char
    if char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
        return f"[U+{ord(char):04X}]"
    return char


def visible_text(text: str) -> str:
    """``text`` with bidi and control characters replaced by visible ``[U+XXXX]`` marks."""
    return "".join(_shown(ch) for ch in text)


def comment_html(text: str) -> Markup:
    """A comment as safe HTML: escaped, marks for invisible controls, http(s) URLs as nofollow links."""
    shown = visible_text(text)
    parts: list[Markup] = []
    last = 0
    for match in _URL.finditer(shown):
        url = match.group(0).rstrip(_TRAILING)
        parts.append(escape(shown[last:match.start()]))
        href = safe_url(url)
        parts.append(_LINK.format(href, LINK_REL, url) if href else escape(url))
        last = match.start() + len(url)
    parts.append(escape(shown[last:]))
    return Markup("").join(parts)
