"""Cleaning untrusted feed text: canonical URLs, titles, sanitized HTML, CJK-aware reading time."""

from __future__ import annotations

import pytest

from summaries.clean import (
    canonical_url,
    clean_title,
    count_words,
    detect_script_language,
    html_to_text,
    reading_minutes,
    sanitize_html,
)


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("https://Example.com/a?utm_source=rss&utm_medium=feed&id=7#comments", None, "https://example.com/a?id=7"),
        ("http://example.com:80/a", None, "http://example.com/a"),
        ("https://www.heise.de/x.html?wt_mc=rss.red.ho.ho.atom.beitrag.beitrag", None, "https://www.heise.de/x.html"),
        ("https://m.example.com/news/1", None, "https://example.com/news/1"),
        ("https://example.com/news/1/amp/", None, "https://example.com/news/1"),
        ("https://example.com/news/1.amp.html", None, "https://example.com/news/1.html"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com/news/1", None, "https://example.com/news/1"),
        ("https://example.com/a?b=2&a=1&fbclid=xyz&gclid=1", None, "https://example.com/a?a=1&b=2"),
        ("/post/1?ref_src=twsrc", "https://blog.example.org/feed/", "https://blog.example.org/post/1"),
        ("javascript:alert(1)", None, ""),
        ("data:text/html,<script>", None, ""),
        ("mailto:a@b.c", None, ""),
        ("http://[::1", None, ""),
        ("", None, ""),
    ],
)
def test_canonical_url(raw: str, base: str | None, expected: str) -> None:
    assert canonical_url(raw, base) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tom &amp;amp; Jerry", "Tom & Jerry"),
        ("<b>Bold</b> move", "Bold move"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Hi", "alert(1)Hi"),
        ("Hey <!channel> look", "Hey look"),
        ("It&#39;s here", "It's here"),
        ("  many \n\t spaces  ", "many spaces"),
        ("a < b and c > d", "a < b and c > d"),
        ("zero\u200bwidth\x00", "zerowidth"),
    ],
)
def test_clean_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


def test_long_titles_are_bounded() -> None:
    assert len(clean_title("A" * 100_000)) == 300


def test_sanitize_removes_scripts_handlers_and_javascript_urls() -> None:
    html = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a><script>alert(1)</script>'
        '<img src="/i.png" onerror="x()"><iframe src="https://evil"></iframe><a href="/rel">r</a>'
        '<svg onload="x()"><circle/></svg><style>p{}</style></p>'
    )
    out = sanitize_html(html, "https://ex.com/blog/")
    assert "script" not in out and "onclick" not in out and "onerror" not in out and "javascript" not in out
    assert "iframe" not in out and "svg" not in out and "style" not in out
    assert 'src="https://ex.com/i.png"' in out and 'href="https://ex.com/rel"' in out
    assert 'rel="noopener noreferrer nofollow"' in out


def test_html_to_text_separates_blocks() -> None:
    assert html_to_text("<p>One.</p><p>Two &amp; three.</p><ul><li>a</li><li>b</li></ul>") == (
        "One.\nTwo & three.\na\nb"
    )


def test_reading_minutes_is_cjk_aware() -> None:
    assert count_words("Hello world, これは日本語") == (2, 6)
    assert reading_minutes("word " * 460) == 2
    assert reading_minutes("日本語の文章" * 250) == 3  # 1,500 characters at 500 per minute
    assert reading_minutes("") == 1


@pytest.mark.parametrize(
    ("text", "language"),
    [("これは日本語です", "ja"), ("白宫提名艾伦为北约最高司令官，美国总统奥巴马", "zh"), ("English only", None)],
)
def test_script_language(text: str, language: str | None) -> None:
    assert detect_script_language(text) == language
