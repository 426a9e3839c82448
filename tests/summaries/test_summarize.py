"""The offline summarizer: sentences, cleaning, roles, and a checked card for every article in shared/feeds."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import summaries
from summaries.faithfulness import check_card
from summaries.gist import is_standfirst
from summaries.models import Article, Source
from summaries.normalize import feed_to_articles
from summaries.roles import role_of
from summaries.sentences import split_sentences
from summaries.summarize import GIST_MAX, NO_DETAIL, NO_MATTERS, NO_WATCH, OfflineSummarizer
from summaries.trim import MAX_HAPPENED_CHARS, MAX_POINT_CHARS, clean_sentence, is_boilerplate, trim_sentence
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
    assert card.what_happened.startswith("Acme released Widget 2 on Monday.")
    assert card.what_to_watch == "The company plans to open the weights next quarter."
    assert "score of 91" in " ".join(card.key_points)  # the watch sentence did not push a salient one off
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
    assert card.why_it_matters == NO_MATTERS["en"]
    assert card.what_to_watch == NO_WATCH["en"]
    assert not check_card(card, make("", title="Introducing Widget 2"))
    ja = OfflineSummarizer().card(make("", title="新モデル「Widget 2」を発表", language="ja"))
    assert ja.why_it_matters == NO_MATTERS["ja"]
    assert ja.what_to_watch == NO_WATCH["ja"]
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
        assert len(set(card.key_points)) == 3, article.title
        assert 0 < len(card.gist) <= GIST_MAX
        for text in (card.gist, *card.key_points):
            assert not _HTML.search(text), (article.title, text)
            assert len(text) <= (MAX_HAPPENED_CHARS if text == card.what_happened else MAX_POINT_CHARS)
            if text not in {*NO_DETAIL.values(), *NO_MATTERS.values(), *NO_WATCH.values()} and text.rstrip(
                ".。"
            ) != article.title.rstrip(".。"):
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
    """What to watch is a sentence that looks ahead whenever the article has one, and says so when it has none."""
    summarizer = OfflineSummarizer()
    ahead = none = 0
    for article in every_article():
        card = summarizer.card(article)
        if card.what_to_watch == NO_WATCH[card.language]:
            none += 1
            sentences = [clean_sentence(s) for s in split_sentences(article.text)]
            leads = {card.what_happened}
            assert not [
                s
                for s in sentences[:80]
                if role_of(s) == "watch"
                and role_of(trim_sentence(s)) == "watch"  # what the card would show still looks ahead
                and trim_sentence(s) not in leads
                and not is_boilerplate(s)
                and not card.what_happened.startswith(trim_sentence(s))
            ], article.title
        else:
            ahead += 1
            assert role_of(card.what_to_watch) == "watch" or len(card.what_to_watch) >= 190, card.what_to_watch
    assert ahead > 40 and none > 40  # both branches exercised on many articles


def test_the_samples_what_to_watch_is_what_comes_next() -> None:
    """The Policy Desk and OpenGrade items: the forward-looking sentence is on the card, under What to watch."""
    now = datetime(2026, 12, 6, tzinfo=UTC)
    samples = Path(summaries.__file__).parent / "data" / "samples"
    cards = {}
    for name in ("policy-desk.xml", "lumen-labs.xml"):
        source = Source(id=name, name=name, feed_url="https://samples.invalid/" + name)
        for article in feed_to_articles((samples / name).read_bytes(), source, now=now):
            cards[article.title] = OfflineSummarizer().card(article)
    brussels = next(c for t, c in cards.items() if t.startswith("Brussels tells AI model makers"))
    assert (
        brussels.what_to_watch == "The consultation closes on January 31, and companies expect a final text by spring."
    )
    opengrade = next(c for t, c in cards.items() if t.startswith("OpenGrade"))
    assert opengrade.what_to_watch.startswith("We plan to add a multilingual track")
    assert "first quarter of 2027" in opengrade.what_to_watch
    assert "Until now" not in opengrade.what_to_watch  # background is not what comes next


def test_whether_and_until_are_not_the_future() -> None:
    assert role_of("Until 2019 the lab published all of its models openly.") == "other"
    assert role_of("Whether the tool was used in the attack is not known.") == "other"
    assert role_of("Public comments are due by the end of February.") == "watch"
    assert role_of("Regulators have yet to decide whether the merger needs a full review.") == "watch"
    assert role_of("同社は来年春に商用ライセンスの提供を開始する計画だ。") == "watch"


def test_an_article_without_a_next_step_says_so_in_its_language() -> None:
    card = OfflineSummarizer().card(
        make(
            "Acme released Widget 2 on Monday. The model was trained on public web text. "
            "Acme was founded in 2019 by two researchers. Its offices are in Lisbon."
        )
    )
    assert card.what_to_watch == NO_WATCH["en"]


def test_the_gist_is_the_publishers_standfirst_only_when_an_editor_wrote_it() -> None:
    text = "Acme released Widget 2 on Monday in Lisbon. The model is faster than Widget 1 on every test we ran."
    assert is_standfirst("A cheaper robot arm for small workshops, and what it cannot do yet.", text)
    assert not is_standfirst("Acme released Widget 2 on Monday in Lisbon. The model is faster …", text)
    assert not is_standfirst("Acme released Widget 2 on Monday in Lisbon. The model is", text)
    assert not is_standfirst("Something else entirely here [...]", text)
    article = replace(make(text), standfirst="A cheaper robot arm for small workshops, and what it cannot do yet.")
    card = OfflineSummarizer().card(article)
    assert card.gist == "A cheaper robot arm for small workshops, and what it cannot do yet."
    assert not check_card(card, article)


def test_the_gist_drops_datelines_and_attributions_but_adds_nothing() -> None:
    text = (
        "LONDON (Reuters) -- Apprenticeships in England are too short and often low quality, "
        "the Sutton Trust warns. The report looked at 3,000 courses."
    )
    gist = OfflineSummarizer().card(make(text, title="Apprenticeships fall short")).gist
    assert gist == "Apprenticeships in England are too short and often low quality."
    assert set(re.findall(r"\w+", gist)) <= set(re.findall(r"\w+", text))


def test_a_benefit_named_in_the_announcement_is_what_happened() -> None:
    assert role_of("Researchers describe a method that lets models read long inputs at 30% of the cost.") == "other"
    assert role_of("The flaw lets attackers read other users' conversations.") == "matters"
    assert role_of("Improving teaching and learning in Brazil") == "other"  # a headline weighs nothing
    assert role_of("Microsoft alerts now show full addresses rather than names.") == "other"


def test_roles_come_from_the_opening_before_the_rest_of_the_article() -> None:
    """A salient opening sentence that looks ahead is What to watch; one further down is not preferred to it."""
    card = OfflineSummarizer().card(
        make(
            "Acme released Widget 2, its robot arm for small workshops, on Monday in Lisbon. "
            "Widget 2 costs half as much as Widget 1, which means small workshops can afford one. "
            "Acme will ship the first units to customers in March. "
            "The company was founded in 2019 by two researchers. "
            "Its offices are in Lisbon and Porto. "
            "Acme plans to open a factory in Spain next year."
        )
    )
    assert card.what_to_watch == "Acme will ship the first units to customers in March."
    assert card.why_it_matters.startswith("Widget 2 costs half as much")


def test_salient_sentences_no_role_took_join_what_happened() -> None:
    card = OfflineSummarizer().card(
        make(
            "Acme released Widget 2, its second robot arm for small furniture and bicycle workshops, on Monday "
            "at a trade fair in Lisbon. "
            "The arm was trained on four hundred hours of public video of human workers sorting parcels and "
            "assembling chairs in two warehouses. "
            "Acme was founded in 2019 by two researchers from Porto. "
            "Its offices are in Lisbon."
        )
    )
    assert card.what_to_watch == NO_WATCH["en"]
    assert card.why_it_matters == NO_MATTERS["en"]
    assert card.what_happened.startswith("Acme released Widget 2")
    assert len(split_sentences(card.what_happened)) >= 2
    assert len(card.what_happened) > MAX_POINT_CHARS  # one point's room is not enough for both
    assert len(card.what_happened) <= MAX_HAPPENED_CHARS
