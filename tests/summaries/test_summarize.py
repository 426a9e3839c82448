"""The offline summarizer: sentences, cleaning, roles, and a checked card for every article in shared/feeds."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summaries.faithfulness import check_card
from summaries.models import Article
from summaries.sentences import split_sentences
from summaries.summarize import GIST_MAX, NO_DETAIL, OfflineSummarizer
from summaries.trim import MAX_POINT_CHARS, is_boilerplate, trim_sentence
from tests.conftest import needs_shared
from tests.summaries.feeds import all_articles, every_article, make_article


def make(text: str, title: str = "Acme launches Widget 2", language: str = "en") -> Article:
    return make_article(text, title=title, language=language)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith joined Acme. She starts today.", ["Dr. Smith joined Acme.", "She starts today."]),
        ("Labs, e.g. DeepMind, agreed. Others did not.", ["Labs, e.g. DeepMind, agreed.", "Others did not."]),
        ("The U.S. Senate voted. It passed.", ["The U.S. Senate voted.", "It passed."]),
        ("He moved to the U.S. The move was quick.", ["He moved to the U.S.", "The move was quick."]),
        ("Scores rose 3.5 points to 87.2%. Cost fell.", ["Scores rose 3.5 points to 87.2%.", "Cost fell."]),
        ("GPT-4.1 ships in v1.2.3 today. Yes.", ["GPT-4.1 ships in v1.2.3 today.", "Yes."]),
        ('"It works," said J. R. Smith. Then he left.', ['"It works," said J. R. Smith.', "Then he left."]),
        (
            "新モデルを発表した。価格は3.5ドル。「速い」と語った。",
            ["新モデルを発表した。", "価格は3.5ドル。", "「速い」と語った。"],
        ),
        ("Is it safe? Nobody knows! We will see.", ["Is it safe?", "Nobody knows!", "We will see."]),
    ],
)
def test_sentences_split_where_a_reader_would(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abc XYZ.,!?3。「」", min_size=1, max_size=30), min_size=1, max_size=5))
def test_splitting_loses_no_text(parts: list[str]) -> None:
    text = " ".join(parts)
    assert "".join(split_sentences(text)).replace(" ", "") == re.sub(r"\s+", "", text)


def test_bylines_captions_and_prompts_never_reach_a_card() -> None:
    text = (
        "By Jane Doe and John Roe | Photo: Getty Images. "
        "PUBLISHED: | 10:01 EST, 2 March 2026 | Acme released Widget 2 on Monday, its fastest model yet. "
        "Scroll down for video. "
        "The model is 40% cheaper than Widget 1 and beats rivals on 12 benchmarks. "
        "Click here to subscribe to our newsletter. "
        "Widget 2 will be available to all developers in April."
    )
    card = OfflineSummarizer().card(make(text))
    joined = " ".join((card.gist, *card.key_points))
    assert "Jane Doe" not in joined
    assert "Photo" not in joined
    assert "Scroll down" not in joined
    assert "Click here" not in joined
    assert card.what_happened.startswith("Acme released Widget 2")
    assert card.what_to_watch == "Widget 2 will be available to all developers in April."
    assert "40% cheaper" in card.why_it_matters


def test_what_to_watch_looks_ahead_when_the_article_does() -> None:
    text = (
        "Acme released Widget 2 on Monday. "
        "The model tops the leaderboard with a score of 91. "
        "Acme's chief executive called it a milestone for the company. "
        "The company plans to open the weights next quarter. "
        "Analysts were impressed."
    )
    card = OfflineSummarizer().card(make(text))
    assert card.what_happened == "Acme released Widget 2 on Monday."
    assert card.what_to_watch == "The company plans to open the weights next quarter."
    assert card.why_it_matters != card.what_to_watch


def test_long_sentences_are_trimmed_by_removing_words_only() -> None:
    long = (
        "Acme, the robotics company founded in 2019 by two former university researchers (who had spent a decade "
        "on grasping), said on Monday that its new warehouse robot, which can lift 40 kilograms and sort parcels "
        "at twice the speed of the previous model, will ship to customers in Europe and Asia later this year, "
        "the company said."
    )
    trimmed = trim_sentence(long)
    assert len(trimmed) <= MAX_POINT_CHARS
    words = set(re.findall(r"\w+", long))
    assert set(re.findall(r"\w+", trimmed)) <= words


def test_a_card_with_little_text_never_repeats_itself_or_invents() -> None:
    card = OfflineSummarizer().card(make("", title="Introducing Widget 2"))
    assert card.what_happened == "Introducing Widget 2."
    assert card.why_it_matters == NO_DETAIL["en"]
    assert not check_card(card, make("", title="Introducing Widget 2"))
    ja = OfflineSummarizer().card(make("", title="新モデル「Widget 2」を発表", language="ja"))
    assert ja.why_it_matters == NO_DETAIL["ja"]
    assert ja.language == "ja"


@needs_shared
def test_same_article_same_card() -> None:
    article = all_articles()[5]
    assert OfflineSummarizer().card(article) == OfflineSummarizer().card(replace(article))


_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-z]+;|&#\d+;")


@needs_shared
def test_every_article_in_the_feeds_gets_a_clean_checked_card() -> None:
    """Acceptance: every English and Japanese article: three key points in roles, gist ≤ 200, checked."""
    articles = every_article()
    assert len(articles) > 1300
    assert {a.language for a in articles} == {"en", "ja"}
    summarizer = OfflineSummarizer()
    failures: list[str] = []
    for article in articles:
        card = summarizer.card(article)
        assert card.summarizer == "offline"
        assert all(p.strip() for p in card.key_points), article.title
        assert len(set(card.key_points)) == 3 or NO_DETAIL[card.language] in card.key_points, article.title
        assert 0 < len(card.gist) <= GIST_MAX
        for text in (card.gist, *card.key_points):
            assert not _HTML.search(text), (article.title, text)
            assert len(text) <= MAX_POINT_CHARS
            if text not in NO_DETAIL.values() and text.rstrip(".。") != article.title.rstrip(".。"):
                assert not is_boilerplate(text), (article.title, text)
        problems = check_card(card, article)
        if problems:
            failures.append(f"{article.title}: {problems}")
    assert failures == []


@needs_shared
def test_japanese_articles_get_japanese_cards() -> None:
    ja = [a for a in all_articles() if a.language == "ja"]
    assert ja
    for article in ja:
        card = OfflineSummarizer().card(article)
        assert card.language == "ja"
        assert "{target" not in card.what_happened
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", card.what_happened)


@needs_shared
async def test_the_offline_summarizer_speaks_the_summarizer_protocol() -> None:
    article = all_articles()[0]
    card = await OfflineSummarizer().summarize(article, "ja")
    assert card == OfflineSummarizer().card(article)


@needs_shared
def test_what_to_watch_keeps_its_role_across_the_feeds() -> None:
    """When an opening sentence (other than the lead) looks ahead, What to watch is such a sentence; What
    happened is one of the first three."""
    from summaries.summarize import _FUTURE, _LEAD_WINDOW, _candidates

    summarizer = OfflineSummarizer()
    checked = 0
    for article in every_article():
        opening = _candidates(article)[:_LEAD_WINDOW]
        if len(opening) < 3:
            continue
        lead, _, watch = summarizer.key_points(article)
        if any(_FUTURE.search(c.text) for c in opening if trim_sentence(c.text) != lead):
            checked += 1
            assert _FUTURE.search(watch) or len(watch) >= 190, (article.title, watch)
        assert any(trim_sentence(c.text) == lead for c in opening[:3]), article.title
    assert checked > 50
