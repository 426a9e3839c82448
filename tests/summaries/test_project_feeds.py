"""The summary core and the parser on feeds written for the project: what the shared-corpus tests check, on a
fresh clone too (no ``../shared``).

The edition tests read the bundled sample feeds (``tests.summaries.feeds.sample_articles``); the parser
tests read ``tests/fixtures/feeds`` and variants of them built here (legacy encodings without a declaration,
a broken document the lxml path refuses, an empty body).
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from summaries.edition import build_edition
from summaries.errors import EmptyDocument
from summaries.faithfulness import check_card
from summaries.normalize import feed_to_articles
from summaries.parse import parse_feed
from summaries.sources import make_source
from summaries.summarize import GIST_MAX, NO_DETAIL, OfflineSummarizer
from summaries.topics import TOPICS, assign_topics
from tests.conftest import FIXTURE_FEEDS
from tests.summaries.feeds import sample_articles

NOW = datetime(2025, 7, 17, 22, 0, tzinfo=UTC)
DAY = NOW.date()
SOURCE = make_source("https://feeds.example.org/feed.xml", name="Example", category="lab", language="en")
_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-z]+;|&#\d+;")


async def test_the_sample_edition_has_everything_a_channel_needs() -> None:
    articles = list(sample_articles(NOW))
    edition = await build_edition(articles, day=DAY, language="en", now=NOW)
    assert 3 <= len(edition.stories) <= 30
    by_url = {a.url: a for a in articles}
    for story in edition.stories:
        assert story.title and story.url.startswith("http") and story.source_name
        assert NOW - story.published < timedelta(hours=72)
        assert set(story.topics) <= set(TOPICS) and story.reading_minutes >= 1
        assert len(story.card.gist) <= GIST_MAX and all(story.card.key_points)
        assert check_card(story.card, by_url[story.url]) == []
    assert [s.score for s in edition.stories] == sorted((s.score for s in edition.stories), reverse=True)


async def test_a_story_told_by_several_outlets_is_one_card_with_also_covered_by() -> None:
    edition = await build_edition(list(sample_articles(NOW)), day=DAY, language="en", now=NOW)
    covered = [s for s in edition.stories if s.also_covered_by]
    assert covered, "the samples tell several stories from three or four outlets"
    lead = covered[0]
    assert lead.source_name not in {c.source_name for c in lead.also_covered_by}
    assert edition.stories[0].also_covered_by  # more sources rank higher


async def test_same_input_same_edition() -> None:
    articles = list(sample_articles(NOW))
    first = await build_edition(articles, day=DAY, language="en", now=NOW)
    random.Random(7).shuffle(articles)
    second = await build_edition(articles, day=DAY, language="en", now=NOW)
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)


async def test_a_japanese_edition_has_japanese_cards_for_japanese_news() -> None:
    edition = await build_edition(list(sample_articles(NOW)), day=DAY, language="ja", now=NOW)
    ja = [s for s in edition.stories if s.card.language == "ja"]
    assert ja and all("japan" in s.topics for s in ja)


async def test_old_news_is_not_in_a_later_edition() -> None:
    later = NOW + timedelta(days=8)
    edition = await build_edition(list(sample_articles(NOW)), day=later.date(), language="en", now=later)
    assert not edition.stories


def test_every_sample_and_fixture_article_gets_a_clean_checked_card() -> None:
    articles = [*sample_articles(NOW)]
    for path in sorted(FIXTURE_FEEDS.iterdir()):
        articles.extend(feed_to_articles(path.read_bytes(), SOURCE, now=NOW))
    assert {a.language for a in articles} == {"en", "ja"}
    summarizer = OfflineSummarizer()
    for article in articles:
        card = summarizer.card(article)
        assert card.summarizer == "offline" and 0 < len(card.gist) <= GIST_MAX
        assert len(set(card.key_points)) == 3 or NO_DETAIL[card.language] in card.key_points, article.title
        for text in (card.gist, *card.key_points):
            assert not _HTML.search(text), (article.title, text)
        assert check_card(card, article) == [], article.title
        assert list(assign_topics(article)) == [t for t in TOPICS if t in assign_topics(article)]


# --------------------------------------------------------------------------------------------- the parser

LAB = (FIXTURE_FEEDS / "lab-news_rss2.xml").read_bytes()
ATOM = (FIXTURE_FEEDS / "research-blog_atom.xml").read_bytes()
JA = (FIXTURE_FEEDS / "ja-news_rss2_no-guid.xml").read_bytes()


def _undeclared(document: bytes, encoding: str) -> bytes:
    """The document re-encoded with its XML declaration removed: only the bytes tell the encoding."""
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", document.decode("utf-8"))
    return text.encode(encoding)


@pytest.mark.parametrize(("name", "body", "fmt", "items", "first_title"), [
    ("rss2", LAB, "rss2.0", 6, "Northwind Labs releases Orca-3, a 12B open-weights model"),
    ("atom", ATOM, "atom", 4, "Sparse attention that survives long contexts"),
    ("ja", JA, "rss2.0", 3, "国内AI企業、日本語特化の新モデルを公開"),
    ("shift_jis undeclared", _undeclared(JA, "shift_jis"), "rss2.0", 3, "国内AI企業、日本語特化の新モデルを公開"),
])  # fmt: skip
def test_project_feeds_parse(name: str, body: bytes, fmt: str, items: int, first_title: str) -> None:
    feed = parse_feed(body, url=SOURCE.feed_url)
    assert (feed.format, len(feed.items)) == (fmt, items)
    assert feed.items[0].title == first_title
    got = feed_to_articles(body, SOURCE, now=NOW)
    assert len(got) == items
    for article in got:
        assert article.url.startswith("https://") and article.published <= NOW
        assert not re.search(r"<script|\son\w+\s*=|javascript:", article.html, re.IGNORECASE)


def test_a_feed_without_guids_dedupes_by_url_and_keeps_its_language() -> None:
    got = feed_to_articles(JA, make_source("https://ja.example/rss", name="JA", language="ja"), now=NOW)
    assert len({a.fingerprint for a in got}) == 3 and all(a.language == "ja" for a in got)
    assert all(a.word_count > len(a.text.split()) for a in got)  # CJK reading time counts characters


def test_an_unescaped_ampersand_is_salvaged_by_the_fallback_parser() -> None:
    broken = LAB.replace(b"https://northwind.example/news/1<", b"https://northwind.example/news/1?a=1&b=2<")
    feed = parse_feed(broken, url=SOURCE.feed_url)
    assert feed.parser == "feedparser" and feed.items[0].link == "https://northwind.example/news/1?a=1&b=2"


def test_an_empty_document_is_a_classified_failure() -> None:
    with pytest.raises(EmptyDocument):
        parse_feed(b"")


def test_missing_dates_take_the_first_seen_time_and_tracking_parameters_go() -> None:
    undated = re.sub(rb"<pubDate>[^<]*</pubDate>", b"", LAB)
    tracked = undated.replace(b"/news/2</link>", b"/news/2?utm_source=rss&amp;utm_medium=feed</link>")
    got = feed_to_articles(tracked, SOURCE, now=NOW)
    assert {a.published for a in got} == {NOW}
    assert all("utm_" not in a.url for a in got)
    assert date(2025, 7, 17) == got[0].published.date()
