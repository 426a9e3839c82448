"""Articles built from the real feed snapshots in shared/feeds, for the summary-core tests.

Until the ingestion parser is the one place that turns feed items into ``Article``s, this helper does the
minimum with feedparser and lxml: text from the item's content or summary, language from its script, UTC
dates (a fixed first-seen time when the item has none), a fingerprint from the GUID or link.
"""

from __future__ import annotations

import hashlib
from calendar import timegm
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import feedparser
import lxml.html

from summaries.models import Article
from tests.conftest import FEEDS

__all__ = ["AI_FEEDS", "all_articles", "feed_articles", "make_article"]

#: The AI-news snapshots (rows 1–10 of shared/feeds/README.md) with the category their source has.
AI_FEEDS: dict[str, tuple[str, str]] = {
    "openai-news_rss2_cdata_full-history.xml": ("OpenAI News", "lab"),
    "google-deepmind-blog_rss2_media-rss.xml": ("Google DeepMind Blog", "lab"),
    "google-blog-ai_rss2_escaped-html-description.xml": ("Google AI Blog", "lab"),
    "arxiv-derived_rss_no-version_lowercase-pubdate.xml": ("arXiv cs.AI", "research"),
    "huggingface-daily-papers_generated_atom_non-uri-id.xml": ("Hugging Face Daily Papers", "research"),
    "anthropic-news_generated_rss2_oldest-first_missing-descriptions.xml": ("Anthropic News", "lab"),
    "microsoft-ai-blog_rss2_wordpress_empty-guid.xml": ("Microsoft AI Blog", "lab"),
    "hackernews_generated_rss2_huge-content-encoded.xml": ("Hacker News", "community"),
    "ledge-ai_ja_generated_rss2_no-guid.xml": ("Ledge.ai", "japan"),
}
_FIRST_SEEN = datetime(2025, 7, 20, tzinfo=UTC)


def _text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        root = lxml.html.fromstring(html)
    except Exception:
        return html
    for bad in root.xpath("//script|//style|//figure|//figcaption"):
        bad.drop_tree()
    blocks = [" ".join(el.text_content().split()) for el in root.iter("p", "li", "h2", "h3")]
    blocks = [b for b in blocks if b]
    return "\n\n".join(blocks) if blocks else " ".join(root.text_content().split())


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


@cache
def feed_articles(name: str) -> tuple[Article, ...]:
    source_name, category = AI_FEEDS.get(name, (name.split("_", 1)[0], "media"))
    parsed = feedparser.parse((FEEDS / name).read_bytes())
    out: list[Article] = []
    for entry in parsed.entries:
        title = " ".join(str(entry.get("title", "")).split())
        link = str(entry.get("link", ""))
        html = ""
        if entry.get("content"):
            html = str(entry.content[0].get("value", ""))
        html = html or str(entry.get("summary", ""))
        text = _text(html)
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(timegm(stamp), tz=UTC) if stamp else _FIRST_SEEN
        key = str(entry.get("id") or link or title)
        words = len(text.split())
        out.append(
            Article(
                fingerprint=hashlib.sha1(f"{name}|{key}".encode()).hexdigest()[:20],
                source_id=Path(name).stem.split("_", 1)[0],
                source_name=source_name,
                category=category,
                url=link,
                title=title,
                published=published,
                first_seen=published,
                language="ja" if _is_japanese(title + text[:200]) else "en",
                author=str(entry.get("author", "")),
                text=text,
                word_count=words,
                reading_minutes=max(1, round(words / 220)),
                guid=str(entry.get("id", "")),
            )
        )
    return tuple(out)


def all_articles() -> list[Article]:
    """Every English and Japanese article of the AI feeds that has a title."""
    return [a for name in AI_FEEDS for a in feed_articles(name) if a.title]


def feeds_dir() -> Path:
    return FEEDS


def make_article(
    text: str,
    *,
    title: str = "Acme launches Widget 2",
    fingerprint: str = "f1",
    language: str = "en",
    published: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    source_name: str = "Acme Blog",
    category: str = "lab",
    url: str = "https://acme.example/widget",
) -> Article:
    """A hand-written article for tests that need exact text."""
    return Article(
        fingerprint=fingerprint,
        source_id=source_name.casefold().replace(" ", "-"),
        source_name=source_name,
        category=category,
        url=url,
        title=title,
        published=published,
        first_seen=published,
        language=language,
        text=text,
        word_count=len(text.split()),
    )
