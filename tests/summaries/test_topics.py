"""Topics by documented rules: what a reader who follows a topic gets."""

from __future__ import annotations

import pytest

from summaries.topics import TOPIC_RULES, TOPICS, assign_topics, resolve_topic
from tests.conftest import needs_shared
from tests.summaries.feeds import all_articles, make_article


def test_the_taxonomy_is_fixed_and_every_topic_has_a_rule() -> None:
    assert TOPICS == (
        "llm", "research", "open-source", "agents", "vision", "audio",
        "robotics", "chips", "policy", "safety", "business", "japan",
    )
    assert set(TOPIC_RULES) == set(TOPICS)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Introducing Claude Opus 5", {"llm"}),
        ("Gemini Robotics On-Device brings AI to local robotic devices", {"llm", "robotics"}),
        ("Google releases Gemma 3n, an open model with open weights", {"llm", "open-source"}),
        ("Nvidia invests $1.5 billion in SB Energy data centers", {"chips", "business"}),
        ("EU publishes Code of Practice for general-purpose AI", {"policy"}),
        ("Agent bio bug bounty: find a universal jailbreak", {"agents", "safety"}),
        ("Veo 3 and Imagen 4 arrive in the Gemini app", {"llm", "vision"}),
        ("A text-to-speech model that answers in 50 ms", {"audio"}),
        ("SoftBank and OpenAI form a joint venture in Japan", {"japan", "business"}),
    ],
)
def test_titles_get_the_topics_a_reader_expects(title: str, expected: set[str]) -> None:
    assert expected <= set(assign_topics(make_article("", title=title, category="media")))


def test_a_passing_mention_in_the_body_is_not_enough() -> None:
    article = make_article(
        "The bakery opened a second shop. Its owner once saw a robot at a fair.",
        title="Local bakery expands",
        category="media",
    )
    assert "robotics" not in assign_topics(article)


def test_source_category_and_language_add_topics() -> None:
    paper = make_article("We study scaling.", title="Scaling laws revisited", category="research")
    assert "research" in assign_topics(paper)
    ja = make_article("", title="新しい音声モデルを発表", category="media", language="ja")
    assert set(assign_topics(ja)) >= {"japan", "audio"}


@needs_shared
def test_topics_come_in_taxonomy_order_and_only_from_the_taxonomy() -> None:
    for article in all_articles()[:400]:
        topics = assign_topics(article)
        assert list(topics) == [t for t in TOPICS if t in topics]


def test_what_readers_type_resolves_to_a_topic() -> None:
    assert resolve_topic("LLMs") == "llm"
    assert resolve_topic("Open Source") == "open-source"
    assert resolve_topic("ロボット") == "robotics"
    assert resolve_topic("gardening") is None
