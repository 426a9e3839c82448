"""The hostile-XML pre-check's reading of a document's prolog, and libxml2's refusals that mean "hostile".

Why a module: a regex for the first ``<name`` is fooled by ``<!DOCTYPE rss [ <!-- <rss --> <!ENTITY …> ]>``:
the comment's ``<rss`` looks like the root element, the entity declarations after it look like content, and a
billion-laughs document passes the check and falls to feedparser (1.8 s and 130 MB for 661 bytes). Here the
prolog is read as XML reads it, each part matched whole.
"""

from __future__ import annotations

import re

from summaries.errors import HostileFeed

__all__ = ["prolog_end", "refused_for_limits"]

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
#: libxml2's refusals that mean "built to hurt", never "broken": they must not reach feedparser's loose parser
_LIMIT_HIT = re.compile(r"depth|huge|amplification|entity reference loop|exceeded|memory", re.IGNORECASE)
#: The prolog's parts: comments, processing instructions and the DOCTYPE (with quoted strings and its
#: internal subset), each matched whole so that ``<rss`` inside one is not taken for the root element.
_PROLOG_PART = re.compile(
    r"""\s+|<!--.*?-->|<\?.*?\?>|<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*"""
    r"""(?:\[(?:<!--.*?-->|<\?.*?\?>|"[^"]*"|'[^']*'|[^\]"'<]|<(?!!--|\?))*\](?:\s*))?>""",
    re.DOTALL | re.IGNORECASE,
)
_PROLOG_SCAN = 1_000_000


def refused_for_limits(message: str) -> bool:
    """True when an lxml error means the document hit a parser limit (depth, size, entity amplification or
    loops): built to hurt, not merely broken, so it must not get a second chance in feedparser."""
    return _LIMIT_HIT.search(message) is not None


def prolog_end(text: str) -> int:
    """Where the prolog ends: after the leading comments, PIs and DOCTYPE, read as XML reads them. A DOCTYPE
    that does not end within the scan window is ``HostileFeed``."""
    pos = 0
    while pos < len(text):
        part = _PROLOG_PART.match(text, pos, min(len(text), pos + _PROLOG_SCAN))
        if part is None or part.end() == pos:
            if _DOCTYPE.match(text, pos):
                raise HostileFeed("a DOCTYPE that never ends (or an unterminated internal subset); refused")
            return pos
        pos = part.end()
    return pos
