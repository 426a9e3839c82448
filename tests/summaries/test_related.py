"""Related stories: shared names count most, then shared topics; the same cluster never; always somewhere to go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from summaries.models import Card, Coverage, Story
from summaries.related import related_stories

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _story(sid: str, title: str, topics: tuple[str, ...] = (), *, hours: int = 1, url: str = "",
           also: tuple[str, ...] = ()) -> Story:
    return Story(id=sid, title=title, url=url or f"https://news.example.com/{sid}", source_id="x", source_name="X",
                 published=NOW - timedelta(hours=hours), topics=topics,
                 card=Card(gist=title, what_happened=title, why_it_matters="It matters.", what_to_watch="Watch."),
                 also_covered_by=tuple(Coverage(source_name="Y", url=u) for u in also))


def test_shared_names_outrank_shared_topics_and_recency_breaks_ties() -> None:
    story = _story("a", "The chip maker NVIDIA ships Rubin to Microsoft", ("chips",))
    candidates = [
        _story("topic", "A new accelerator from a startup", ("chips",), hours=2),
        _story("name", "Investors ask NVIDIA about margins", ("business",), hours=30),
        _story("both", "Microsoft buys Rubin systems from NVIDIA", ("chips",), hours=40),
        _story("none-new", "A robot folds laundry", ("robotics",), hours=1),
        _story("none-old", "A policy paper on audits", ("policy",), hours=90),
    ]
    assert [s.id for s in related_stories(story, candidates, limit=4)] == ["both", "name", "topic", "none-new"]


def test_the_same_cluster_is_never_related() -> None:
    story = _story("a", "OpenAI ships GPT-6", ("llm",), url="https://a.example/1", also=("https://b.example/2",))
    candidates = [
        story,  # itself, from another day's edition
        _story("b", "OpenAI GPT-6 is out", ("llm",), url="https://b.example/2"),  # its other coverage
        _story("c", "OpenAI GPT-6 pricing", ("llm",), also=("https://a.example/1",)),  # carries its lead
        _story("d", "OpenAI hires", ("llm",)),
    ]
    assert [s.id for s in related_stories(story, candidates)] == ["d"]


def test_fills_with_the_newest_when_nothing_is_shared() -> None:
    story = _story("a", "Something entirely unique", ())
    candidates = [_story(f"s{n}", f"story number {n}", (), hours=n) for n in range(1, 7)]
    assert [s.id for s in related_stories(story, candidates, limit=3)] == ["s1", "s2", "s3"]


def test_japanese_names_relate_japanese_stories() -> None:
    story = _story("a", "経済産業省、生成AIの開発支援に1000億円", ("japan",))
    story = Story(**{**{f: getattr(story, f) for f in story.__slots__}, "card": Card(
        gist="経済産業省がNVIDIAのGPUを調達する。", what_happened="経済産業省がNVIDIAのGPUを調達する。",
        why_it_matters="計算資源の不足を補う。", what_to_watch="公募は1月。", language="ja")})
    other = _story("b", "NVIDIA の決算", (), hours=50)
    other = Story(**{**{f: getattr(other, f) for f in other.__slots__}, "card": Card(
        gist="NVIDIAの売上が増えた。", what_happened="NVIDIAの売上が増えた。", why_it_matters="需要が強い。",
        what_to_watch="次の決算。", language="ja")})
    unrelated = _story("c", "ロボットが洗濯物をたたむ", (), hours=1)
    assert [s.id for s in related_stories(story, [unrelated, other], limit=1)] == ["b"]
