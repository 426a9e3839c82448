"""Articles for the summary-core tests: the project's own sample feeds, and the shared snapshots when present.

``sample_articles(now)`` reads the bundled demo feeds (``summaries/data/samples``, written for the project:
six outlets, 25 items, several stories told by three or four of them, one outlet in Japanese), dated
relative to ``now``; every clone has them. ``all_articles``/``every_article`` read the real snapshots in
``../shared/feeds``; tests using them are marked ``needs_shared`` and skip where it is absent.
Both go through the ingestion pipeline's own parser and normaliser (``summaries.normalize.feed_to_articles``),
so the summary core is tested on exactly what ingestion stores.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from summaries.errors import ParseError
from summaries.models import Article, Source
from summaries.normalize import feed_to_articles
from summaries.sources import parse_opml
from tests.conftest import FEEDS

__all__ = ["AI_FEEDS", "all_articles", "every_article", "feed_articles", "make_article", "sample_articles"]

_SAMPLE_BASE = "https://samples.example"


@cache
def sample_articles(now: datetime) -> tuple[Article, ...]:
    """Every article of the bundled sample feeds, as ingested at ``now`` (their dates are hours before it)."""
    from bot.demo import render_sample  # the demo's own renderer of the sample files

    out: list[Article] = []
    for source in parse_opml(render_sample("sources.opml", base_url=_SAMPLE_BASE, now=now)):
        name = source.feed_url.rsplit("/", 1)[1]
        body = render_sample(name, base_url=_SAMPLE_BASE, now=now).encode("utf-8")
        out.extend(feed_to_articles(body, source, now=now))
    return tuple(out)

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
_FIRST_SEEN = datetime(2026, 12, 1, tzinfo=UTC)  # "now" for ingestion: after every item


@cache
def feed_articles(name: str) -> tuple[Article, ...]:
    source_name, category = AI_FEEDS.get(name, (name.split("_", 1)[0], "media"))
    source = Source(
        id=Path(name).stem.split("_", 1)[0],
        name=source_name,
        feed_url=f"https://feeds.example/{name}",
        category=category,
        language="ja" if category == "japan" else "en",
    )
    return tuple(feed_to_articles((FEEDS / name).read_bytes(), source, now=_FIRST_SEEN))


def all_articles() -> list[Article]:
    """Every English and Japanese article of the AI feeds that has a title."""
    return [a for name in AI_FEEDS for a in feed_articles(name) if a.title]


def every_article() -> list[Article]:
    """Every English and Japanese article of every document in shared/feeds that parses."""
    out: list[Article] = []
    for path in sorted(FEEDS.iterdir()):
        if path.suffix not in (".xml", ".json"):
            continue
        try:
            articles = feed_articles(path.name)
        except ParseError:
            continue  # the empty and malformed documents: ingestion's own tests cover them
        out.extend(a for a in articles if a.language in ("en", "ja"))
    return out


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
