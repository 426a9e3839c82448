"""Japanese readers first (issue 16): the ja edition of the demo's sample feeds, as `aitoday edition --lang ja`."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.demo import render_sample, sample_names
from summaries.edition import build_edition
from summaries.models import Article, Source
from summaries.normalize import feed_to_articles

_NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
_JA_OUTLET = "AIジャパン・ナウ (sample)"


def _articles() -> list[Article]:
    out: list[Article] = []
    for name in sample_names():
        if not name.endswith(".xml"):
            continue
        source_name = _JA_OUTLET if name == "ai-japan-now.xml" else name.removesuffix(".xml")
        language = "ja" if name == "ai-japan-now.xml" else "en"
        source = Source(id=name.removesuffix(".xml"), name=source_name, feed_url=f"https://samples.invalid/{name}",
                        language=language)
        body = render_sample(name, base_url="https://samples.invalid", now=_NOW).encode()
        out.extend(feed_to_articles(body, source, now=_NOW))
    return out


async def test_japanese_stories_come_first_and_a_japanese_outlet_leads_its_story() -> None:
    articles = _articles()
    en = await build_edition(articles, day=_NOW.date(), language="en", now=_NOW)
    ja = await build_edition(articles, day=_NOW.date(), language="ja", now=_NOW)
    assert [s.card.language for s in ja.stories[:4]] == ["ja"] * 4  # every Japanese story before any English one
    assert en.stories[0].card.language == "en"
    # The Lumen-4 story: English-led in the English edition, led by the Japanese outlet in the Japanese one,
    # with the same id (a story's page is the same story in both languages).
    lumen_en = next(s for s in en.stories if any(c.source_name == _JA_OUTLET for c in s.also_covered_by))
    lumen_ja = next(s for s in ja.stories if s.id == lumen_en.id)
    assert lumen_en.source_name != _JA_OUTLET
    assert lumen_ja.source_name == _JA_OUTLET and lumen_ja.card.language == "ja"
    assert lumen_en.source_name in {c.source_name for c in lumen_ja.also_covered_by}
    assert _JA_OUTLET not in {c.source_name for c in lumen_ja.also_covered_by}
