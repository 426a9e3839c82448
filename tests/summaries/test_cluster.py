"""Same-story clustering: one story per event, led by the primary source, with the others as coverage."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from summaries.cluster import Cluster, cluster_articles, same_story
from summaries.models import Article, Coverage
from tests.summaries.feeds import make_article

PAIRS = Path(__file__).parent / "data" / "cluster_pairs.jsonl"
T0 = datetime(2026, 7, 24, 17, 0, tzinfo=UTC)

OFFICIAL = make_article(
    "Opus 5 is a step change improvement for the Opus tier powering long-running agents while delivering "
    "improvements in coding and professional work.",
    title="Introducing Claude Opus 5",
    fingerprint="anthropic-opus5",
    source_name="Anthropic News",
    category="lab",
    url="https://www.anthropic.com/news/claude-opus-5",
    published=T0,
)
VERGE = make_article(
    "Anthropic launched Claude Opus 5, a step change for its Opus tier aimed at long-running agents, coding "
    "and professional work.",
    title="Anthropic launches Claude Opus 5 for long-running agents",
    fingerprint="verge-opus5",
    source_name="The Verge",
    category="media",
    url="https://theverge.example/opus-5",
    published=T0 - timedelta(minutes=30),  # the press embargo lifted early: coverage before the post
)
TECHCRUNCH = replace(
    VERGE,
    fingerprint="tc-opus5",
    source_id="techcrunch",
    source_name="TechCrunch",
    url="https://techcrunch.example/opus-5",
    title="Claude Opus 5 is here: Anthropic's new model targets long-running agents",
    published=T0 + timedelta(hours=2),
)
TECHCRUNCH_AGAIN = replace(TECHCRUNCH, fingerprint="tc-opus5-update", url="https://techcrunch.example/opus-5-u")
SONNET = make_article(
    "Sonnet 5 delivers frontier performance across coding, agents, and professional work at scale.",
    title="Introducing Claude Sonnet 5",
    fingerprint="anthropic-sonnet5",
    source_name="Anthropic News",
    category="lab",
    url="https://www.anthropic.com/news/claude-sonnet-5",
    published=T0 + timedelta(hours=1),
)


def _pairs() -> list[tuple[Article, Article, bool, str]]:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(Article.from_dict(r["a"]), Article.from_dict(r["b"]), bool(r["same"]), r["kind"]) for r in rows]


def test_the_labelled_pairs_are_many_and_varied() -> None:
    pairs = _pairs()
    assert len(pairs) >= 150
    kinds = {kind for *_, kind in pairs}
    assert {"coverage", "near-duplicate", "near-miss", "cross-language", "unrelated", "out-of-window"} <= kinds
    assert sum(same for _, _, same, _ in pairs) >= 60
    assert sum(not same for _, _, same, _ in pairs) >= 60


def test_pairwise_precision_and_recall_reach_target() -> None:
    tp = fp = fn = 0
    for a, b, same, _ in _pairs():
        predicted = len(cluster_articles([a, b])) == 1
        tp += predicted and same
        fp += predicted and not same
        fn += same and not predicted
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9


def test_the_organisations_own_post_leads_even_when_coverage_came_first() -> None:
    clusters = cluster_articles([VERGE, OFFICIAL, TECHCRUNCH, SONNET])
    opus = next(c for c in clusters if OFFICIAL in c.articles)
    assert opus.lead == OFFICIAL
    assert opus.also_covered_by == (
        Coverage("The Verge", "https://theverge.example/opus-5"),
        Coverage("TechCrunch", "https://techcrunch.example/opus-5"),
    )
    assert opus.source_count == 3


def test_two_announcements_of_one_company_on_one_day_stay_apart() -> None:
    clusters = cluster_articles([OFFICIAL, SONNET])
    assert len(clusters) == 2
    assert not same_story(OFFICIAL, SONNET)


def test_among_coverage_the_earliest_leads_and_one_source_is_listed_once() -> None:
    clusters = cluster_articles([TECHCRUNCH_AGAIN, TECHCRUNCH, VERGE])
    assert len(clusters) == 1
    (story,) = clusters
    assert story.lead == VERGE
    assert [c.source_name for c in story.also_covered_by] == ["TechCrunch"]


def test_the_same_story_more_than_72_hours_later_is_a_new_story() -> None:
    late = replace(VERGE, fingerprint="late", published=OFFICIAL.published + timedelta(hours=73))
    assert len(cluster_articles([OFFICIAL, late])) == 2
    soon = replace(late, published=OFFICIAL.published + timedelta(hours=71))
    assert len(cluster_articles([OFFICIAL, soon])) == 1


def test_an_aggregator_repost_is_a_near_duplicate() -> None:
    repost = replace(
        OFFICIAL,
        fingerprint="repost",
        source_id="digest",
        source_name="AI News Digest",
        category="newsletter",
        url="https://digest.example/1",
        title=f"{OFFICIAL.title} | Techmeme",
        published=OFFICIAL.published + timedelta(hours=3),
    )
    (story,) = cluster_articles([repost, OFFICIAL])
    assert story.lead == OFFICIAL


def _ids(clusters: list[Cluster]) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.id, tuple(a.fingerprint for a in c.articles)) for c in clusters]


@settings(max_examples=40, deadline=None)
@given(st.permutations([OFFICIAL, VERGE, TECHCRUNCH, TECHCRUNCH_AGAIN, SONNET]))
def test_clusters_do_not_depend_on_input_order(order: list[Article]) -> None:
    reference = [OFFICIAL, VERGE, TECHCRUNCH, TECHCRUNCH_AGAIN, SONNET]
    assert _ids(cluster_articles(order)) == _ids(cluster_articles(reference))


def test_the_same_fingerprint_twice_is_one_article() -> None:
    (story,) = cluster_articles([OFFICIAL, OFFICIAL])
    assert story.articles == (OFFICIAL,)
