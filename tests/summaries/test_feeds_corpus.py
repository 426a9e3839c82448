"""Every document of shared/feeds, and what must come out of it (shared/feeds/README.md says why each is there)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from summaries.errors import EmptyDocument
from summaries.models import Article
from summaries.normalize import feed_to_articles
from summaries.parse import parse_feed
from summaries.sources import make_source
from tests.conftest import FEEDS, needs_shared

pytestmark = needs_shared  # the real snapshots; tests/summaries/test_project_feeds.py covers the same on ours

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SOURCE = make_source("https://feeds.example.org/feed.xml", name="Example", category="lab", language="en")

# file, format, parser, encoding, items in the document, articles after in-document dedupe,
# first article's title (prefix), its published time (None: first-seen time), its language
CORPUS = [
    ("allthingsrss-feedburner_atom_stylesheet-pi.xml", "atom", "lxml", "utf-8", 3, 3,
     "How to Read RSS Feeds in Emacs", "2010-11-05T17:36:14+00:00", "en"),
    ("anthropic-news_generated_rss2_oldest-first_missing-descriptions.xml", "rss2.0", "lxml", "utf-8", 267, 267,
     "Anthropic raises $124 million to build more reliable", "2021-05-28T07:00:00+00:00", "en"),
    ("arxiv-derived_rss_no-version_lowercase-pubdate.xml", "rss", "lxml", "utf-8", 31, 17,
     "From Binary to Bilingual: How the National", "2025-10-17T04:00:00+00:00", "en"),
    ("arxiv-physics_rss2_empty-channel_holiday.xml", "rss2.0", "lxml", "utf-8", 0, 0, None, None, None),
    ("bbc-chinese_atom_cjk.xml", "atom", "lxml", "utf-8", 2, 2,
     "白宫提名艾伦为北约最高司令官", "2013-01-23T20:40:21+00:00", "zh"),
    ("bbc-urdu_rss2_rtl_cdata.xml", "rss2.0", "lxml", "utf-8", 26, 26,
     "امریکی عسکری امداد کی بندش کی وجوہات", "2018-01-05T16:51:00+00:00", "ur"),
    ("feedparser-test_atom_shift-jis_no-declaration.xml", "atom", "lxml", "shift_jis", 1, 0, None, None, None),
    ("feedparser-test_rss_euc-jp_no-declaration.xml", "rss", "lxml", "euc_jp", 1, 0, None, None, None),
    ("feedparser-test_rss_incomplete-cdata.xml", "rss20", "feedparser", "utf-8", 1, 0, None, None, None),
    ("feedparser-test_rss_unescaped-ampersand-in-link.xml", "rss20", "feedparser", "utf-8", 1, 1,
     "http://link/get?a=1&b=2", None, "en"),
    ("gmane_rss10-rdf_dc-date.xml", "rss1.0", "lxml", "utf-8", 5, 5,
     "split massive package into modules", "2012-11-13T14:36:22+00:00", "en"),
    ("golem-de_rss2_iso-8859-1.xml", "rss2.0", "lxml", "iso8859-1", 40, 40,
     "Red Dead Redemption 2: Hinweise auf PC-U", "2018-10-28T12:48:00+00:00", "de"),
    ("google-blog-ai_rss2_escaped-html-description.xml", "rss2.0", "lxml", "utf-8", 20, 20,
     "Web Guide: An experimental AI-organized search results page", "2025-07-24T16:00:00+00:00", "en"),
    ("google-deepmind-blog_rss2_media-rss.xml", "rss2.0", "lxml", "utf-8", 100, 100,
     "Aeneas transforms how historians connect", "2025-07-23T14:59:00+00:00", "en"),
    ("hackernews_generated_rss2_huge-content-encoded.xml", "rss2.0", "lxml", "utf-8", 50, 49,
     "Canada suspends trade negotiations with", "2026-08-22T10:26:09+00:00", "en"),
    ("heise-online_rss090-rdf_no-dates.xml", "rss0.90", "lxml", "utf-8", 60, 60,
     "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen", None, "en"),
    ("huggingface-daily-papers_generated_atom_non-uri-id.xml", "atom", "lxml", "utf-8", 12, 12,
     "Adam's Law: Textual Frequency Law on Lar", "2026-04-01T20:00:00+00:00", "en"),
    ("ibash-org-ru_rss2_windows-1251.xml", "rss2.0", "lxml", "cp1251", 50, 50,
     "Цитата #17703", "2018-03-21T07:27:32+00:00", "ru"),
    ("jsonfeed-org_jsonfeed-v1.json", "json1", "json", "utf-8", 1, 1,
     "Announcing JSON Feed", "2017-05-17T15:02:12+00:00", "en"),
    ("le-cercle-psy_rss2_no-xml-declaration_latin1-bytes.xml", "rss2.0", "lxml", "cp1252", 10, 9,
     "Perturbateurs endocriniens : quels effets", "2018-10-17T10:30:00+00:00", "en"),
    ("ledge-ai_ja_generated_rss2_no-guid.xml", "rss2.0", "lxml", "utf-8", 18, 18,
     "Google Meet、対面会議でもGeminiが自動メモ", "2026-08-18T22:50:00+00:00", "ja"),
    ("microsoft-ai-blog_rss2_wordpress_empty-guid.xml", "rss2.0", "lxml", "utf-8", 10, 10,
     "Driving the grid of the future: How Micr", "2025-07-28T15:00:00+00:00", "en"),
    ("openai-news_rss2_cdata_full-history.xml", "rss2.0", "lxml", "utf-8", 599, 599,
     "Resolving digital threats 100x faster with OpenAI", "2025-07-24T00:00:00+00:00", "en"),
    ("quiltville-blogger_atom_large_single-quoted-xml.xml", "atom", "lxml", "utf-8", 25, 25,
     "Bloom, Baby, Bloom!", "2021-03-25T12:06:00+00:00", "en"),
    ("rainmeter-forum_atom_cdata-html-titles_xml-base.xml", "atom", "lxml", "utf-8", 10, 10,
     "Help: Rainmeter Skins • Re: Cannot change font", "2015-10-11T14:52:35+00:00", "en"),
    ("slickdeals_rss2_double-escaped-titles_misleading-extension.xml", "rss2.0", "lxml", "utf-8", 79, 79,
     "PC Games: Tomb Raider: Game of the Year $6", "2014-09-13T18:13:44+00:00", "en"),
    ("youtube-channel_atom_yt-media-namespaces.xml", "atom", "lxml", "utf-8", 15, 15,
     "SecDSM 2017 March - Talk 01", "2017-06-15T02:36:17+00:00", "en"),
    ("zeuhl_rss2_iso-8859-1_tiny.xml", "rss2.0", "lxml", "iso8859-1", 1, 1,
     "Mëkanïk Zaïn", "2016-11-21T16:00:10+00:00", "en"),
]  # fmt: skip


def articles(name: str) -> list[Article]:
    return feed_to_articles((FEEDS / name).read_bytes(), SOURCE, now=NOW)


def test_the_table_covers_every_file() -> None:
    files = {p.name for p in FEEDS.iterdir() if p.name != "README.md"}
    assert files == {row[0] for row in CORPUS} | {"feedparser-test_empty-document.xml"}


@pytest.mark.parametrize(
    ("name", "fmt", "parser", "encoding", "items", "count", "title", "published", "language"), CORPUS
)
def test_corpus_document(
    name: str, fmt: str, parser: str, encoding: str, items: int, count: int, title: str | None,
    published: str | None, language: str | None,
) -> None:  # fmt: skip
    feed = parse_feed((FEEDS / name).read_bytes(), url=SOURCE.feed_url)
    assert (feed.format, feed.parser, feed.encoding, len(feed.items)) == (fmt, parser, encoding, items)
    got = articles(name)
    assert len(got) == count
    for article in got:
        assert article.url.startswith(("http://", "https://")) and "#" not in article.url
        assert article.title and len(article.title) <= 300 and "<" not in article.title
        assert article.published <= NOW and article.published.tzinfo is not None
        assert article.category == "lab" and article.source_name == "Example"
        assert not re.search(r"<script|\son\w+\s*=|javascript:", article.html, re.IGNORECASE)
        assert article.reading_minutes >= 1
    if count:
        first = got[0]
        assert title is not None and first.title.startswith(title)
        assert first.published == (datetime.fromisoformat(published) if published else NOW)
        assert first.language == language


def test_empty_document_is_a_classified_failure() -> None:
    with pytest.raises(EmptyDocument):
        parse_feed((FEEDS / "feedparser-test_empty-document.xml").read_bytes())


def test_undeclared_legacy_japanese_encodings_are_detected() -> None:
    sjis = parse_feed((FEEDS / "feedparser-test_atom_shift-jis_no-declaration.xml").read_bytes())
    assert sjis.items[0].title == "DrecomRSSに記事投稿が反映されない…"
    eucjp = parse_feed((FEEDS / "feedparser-test_rss_euc-jp_no-declaration.xml").read_bytes())
    assert eucjp.items[0].title == "ゲーム三昧な正月"


def test_latin1_bytes_without_declaration_keep_their_accents() -> None:
    text = " ".join(a.text for a in articles("le-cercle-psy_rss2_no-xml-declaration_latin1-bytes.xml"))
    assert "troubles neuro-développementaux chez l'enfant" in text
    assert "Ã" not in text and "\ufffd" not in text


def test_legacy_single_byte_encodings_decode() -> None:
    assert any("Porträt" in a.title for a in articles("golem-de_rss2_iso-8859-1.xml"))
    assert articles("ibash-org-ru_rss2_windows-1251.xml")[0].title == "Цитата #17703"


def test_double_escaped_titles_are_unescaped_once_more() -> None:
    titles = [a.title for a in articles("slickdeals_rss2_double-escaped-titles_misleading-extension.xml")]
    assert titles[0] == "PC Games: Tomb Raider: Game of the Year $6, Hitman Absolution: Elite Edition $5 & More"
    assert not any("&amp;" in t for t in titles)


def test_escaped_html_descriptions_become_sanitized_html_and_plain_text() -> None:
    first = articles("google-blog-ai_rss2_escaped-html-description.xml")[0]
    assert first.html.startswith('<img src="https://storage.googleapis.com/')
    assert first.text.startswith("We’re launching Web Guide") and "&lt;" not in first.text
    assert first.image_url.endswith("WebGuide_Hero.max-600x600.format-webp.webp")


def test_cdata_html_titles_and_xml_base_links() -> None:
    first = articles("rainmeter-forum_atom_cdata-html-titles_xml-base.xml")[0]
    assert first.title == "Help: Rainmeter Skins • Re: Cannot change font for Simple Launcher"
    hrefs = re.findall(r'href="([^"]+)"', first.html)
    assert hrefs and all(h.startswith("http://rainmeter.net/forum/") for h in hrefs)


def test_tracking_parameters_are_removed_and_missing_dates_use_first_seen() -> None:
    got = articles("heise-online_rss090-rdf_no-dates.xml")
    assert all("wt_mc" not in a.url for a in got)
    assert {a.published for a in got} == {NOW}


def test_dedupe_chain_falls_back_from_guid_to_url() -> None:
    microsoft = articles("microsoft-ai-blog_rss2_wordpress_empty-guid.xml")
    assert {a.guid for a in microsoft} == {""}
    assert len({a.fingerprint for a in microsoft}) == 10
    arxiv = articles("arxiv-derived_rss_no-version_lowercase-pubdate.xml")
    assert len({a.url for a in arxiv}) == 17  # cross-listed papers repeat their arXiv id within the file


def test_media_rss_images_and_full_history_feed() -> None:
    deepmind = articles("google-deepmind-blog_rss2_media-rss.xml")
    assert sum(1 for a in deepmind if a.image_url) >= 90
    openai = articles("openai-news_rss2_cdata_full-history.xml")
    assert len({a.fingerprint for a in openai}) == 599
    assert sum(1 for a in openai if not a.text) == 74  # 74 items without a description


def test_oldest_first_order_is_kept_as_published() -> None:
    got = articles("anthropic-news_generated_rss2_oldest-first_missing-descriptions.xml")
    assert got[0].published.year == 2021 and got[-1].published.year == 2026


def test_cjk_reading_time_counts_characters() -> None:
    ledge = articles("ledge-ai_ja_generated_rss2_no-guid.xml")
    assert all(a.language == "ja" for a in ledge)
    first = ledge[0]
    assert first.word_count > len(first.text.split()) * 3


def test_rtl_cdata_and_json_feed() -> None:
    urdu = articles("bbc-urdu_rss2_rtl_cdata.xml")
    assert all(a.language == "ur" for a in urdu)
    json_feed = articles("jsonfeed-org_jsonfeed-v1.json")[0]
    assert json_feed.url == "https://jsonfeed.org/2017/05/17/announcing_json_feed"
    assert json_feed.word_count > 200


def test_malformed_documents_are_salvaged_by_the_fallback() -> None:
    amp = parse_feed((FEEDS / "feedparser-test_rss_unescaped-ampersand-in-link.xml").read_bytes())
    assert amp.parser == "feedparser" and amp.items[0].link == "http://link/get?a=1&b=2"
    cdata = parse_feed((FEEDS / "feedparser-test_rss_incomplete-cdata.xml").read_bytes())
    assert cdata.title == "can feedparser read this xml"
