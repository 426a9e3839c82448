"""``RawItem`` → ``Article``, and the fingerprint chain that dedupes articles across runs and sources.

The fingerprint chain (in this order; the first one an item has is its ``fingerprint``)::

    g:<hash(source id, GUID)>     the feed's own id for the item, scoped to the source (GUIDs are only
                                  unique within a feed); skipped when empty or repeated within the document
    u:<hash(canonical URL)>       tracking parameters, fragments, AMP and mobile variants removed
    t:<hash(title, text start)>   last resort for items with neither; scoped to the source when the item
                                  has no text, so two feeds' "Weekly update" items do not collide

Every item carries *all* the aliases it has, and an item is a duplicate when *any* alias is known. That is
what survives bad and changing GUIDs: a feed that regenerates its GUIDs still repeats its URLs, the URL alias
matches, and the store learns the new GUID as another alias of the same article.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from summaries.clean import (
    canonical_url,
    clean_title,
    count_words,
    detect_script_language,
    html_to_text,
    reading_minutes,
    sanitize_html,
)
from summaries.gist import is_standfirst
from summaries.models import Article, ParsedFeed, RawItem, Source
from summaries.parse import parse_feed

__all__ = [
    "MAX_FUTURE",
    "Candidate",
    "candidates",
    "feed_to_articles",
    "fingerprint_of",
    "normalize",
]

#: Dates further in the future than this are clamped to the first-seen time (clock skew is tolerated).
MAX_FUTURE = timedelta(minutes=10)
_MAX_TEXT = 100_000
_MAX_HTML = 200_000


def _digest(*parts: str) -> str:
    material = "\x1f".join(parts).encode("utf-8", errors="replace")
    return hashlib.blake2b(material, digest_size=10).hexdigest()


def fingerprint_of(aliases: Sequence[str]) -> str:
    """The article's fingerprint: the hash part of its first alias (20 hex characters)."""
    return aliases[0].partition(":")[2]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item with the aliases that can be computed cheaply (before any HTML work): GUID and URL."""

    item: RawItem
    url: str
    cheap_aliases: tuple[str, ...]


def candidates(feed: ParsedFeed, source: Source) -> list[Candidate]:
    """The document's items with their cheap aliases. Items without any http(s) link are dropped.

    A GUID that appears on more than one item of the same document is a broken GUID and is not used.
    """
    guids = Counter(item.guid for item in feed.items if item.guid)
    out: list[Candidate] = []
    for item in feed.items:
        link = item.link.strip()
        absolute = link.startswith(("http://", "https://"))  # no base: one cache entry however it was reached
        url = canonical_url(link, None if absolute else (item.base or None))
        if not url and item.guid.startswith(("http://", "https://")):
            url = canonical_url(item.guid)
        if not url:
            continue
        aliases: list[str] = []
        if item.guid and guids[item.guid] == 1:
            aliases.append("g:" + _digest(source.id, item.guid.strip()))
        aliases.append("u:" + _digest(url))
        out.append(Candidate(item, url, tuple(aliases)))
    return out


def normalize(
    candidate: Candidate, source: Source, feed: ParsedFeed, *, now: datetime
) -> tuple[Article, tuple[str, ...]]:
    """The cleaned ``Article`` and its full alias chain (cheap aliases + the title/content alias)."""
    item = candidate.item
    raw_html = item.content if len(item.content) >= len(item.summary) else item.summary
    html = sanitize_html(raw_html, item.base or candidate.url)[:_MAX_HTML]
    text = html_to_text(html)[:_MAX_TEXT]
    description = ""
    if item.content and item.summary and raw_html is item.content:
        description = html_to_text(sanitize_html(item.summary, item.base or candidate.url))
        description = description if is_standfirst(description, text) else ""
    title = clean_title(item.title) or clean_title(text[:120]) or candidate.url
    words, cjk = count_words(text)
    published = item.published or now
    if published > now + MAX_FUTURE:
        published = now
    language = (
        detect_script_language(title + " " + text[:500])
        or _language_tag(feed.language)
        or source.language
    )
    body_key = " ".join(text.split())[:500].casefold()
    title_alias = "t:" + (_digest(title.casefold(), body_key) if body_key else _digest(source.id, title.casefold()))
    aliases = (*candidate.cheap_aliases, title_alias)
    article = Article(
        fingerprint=fingerprint_of(aliases),
        source_id=source.id,
        source_name=source.name,
        category=source.category,
        url=candidate.url,
        title=title,
        published=published,
        first_seen=now,
        language=language,
        author=clean_title(item.author)[:200],
        text=text,
        html=html,
        word_count=words + cjk,
        reading_minutes=reading_minutes(text),
        guid=item.guid[:500],
        image_url=canonical_url(item.image_url, item.base or candidate.url) if item.image_url else "",
        standfirst=" ".join(description.split())[:1000],
    )
    return article, aliases


def _language_tag(tag: str) -> str:
    """``en-US`` → ``en``; empty for anything that is not a plausible language tag."""
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else ""


def feed_to_articles(body: bytes, source: Source, *, now: datetime, url: str = "") -> list[Article]:
    """Parse and normalize one document without any store: for tests, demos and the summary core.

    Items sharing an alias within the document are kept once. Raises ``summaries.errors.ParseError``.
    """
    feed = parse_feed(body, url=url or source.feed_url)
    seen: set[str] = set()
    out: list[Article] = []
    for candidate in candidates(feed, source):
        article, aliases = normalize(candidate, source, feed, now=now)
        if seen.intersection(aliases):
            continue
        seen.update(aliases)
        out.append(article)
    return out
