"""The faithfulness check: a card that says what the article does not is rejected, with the reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from summaries.faithfulness import FaithfulnessError, check_card, is_faithful
from summaries.models import Card
from tests.summaries.feeds import make_article

ARTICLE = make_article(
    "Acme released Widget 2 on Monday, its fastest language model yet. "
    "Chief executive Dana Reyes said the model is \u201cthe biggest step we have taken\u201d. "
    "Widget 2 costs 40% less than Widget 1 and scores 87.5 on the MMLU benchmark, ahead of 1,200 rivals. "
    "The weights will be released in April.",
    fingerprint="a1",
)
GOOD = Card(
    gist="Acme released Widget 2, its fastest language model yet.",
    what_happened="Acme released Widget 2 on Monday, its fastest language model yet.",
    why_it_matters="Widget 2 costs 40% less than Widget 1 and scores 87.5 on MMLU.",
    what_to_watch="Dana Reyes called it \u201cthe biggest step we have taken\u201d; weights come in April.",
    summarizer="llm:test",
)

JA_ARTICLE = replace(
    ARTICLE,
    fingerprint="j1",
    language="ja",
    title="Acme、Widget 2を発表",
    text="Acmeは3月2日、新しい言語モデル「Widget 2」を発表した。価格は従来より40%安い。4月に重みを公開する予定だ。",
)


def test_a_faithful_card_passes() -> None:
    assert check_card(GOOD, ARTICLE) == []
    assert is_faithful(GOOD, ARTICLE)


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("why_it_matters", "Widget 2 costs 45% less than Widget 1.", "number not in the article: 45"),
        ("why_it_matters", "It scores 91.2 on MMLU.", "number not in the article: 91.2"),
        ("what_happened", "Acme and Google released Widget 2 on Monday.", "not in the article: Google"),
        ("what_to_watch", "Reyes said it is \u201ca revolution for everyone\u201d.", "quotes words not in the article"),
        ("what_to_watch", 'Reyes said it is "a revolution for everyone".', "quotes words not in the article"),
        ("gist", "Let me think about this article. Acme released Widget 2.", "preamble"),
        ("gist", "<think>The user wants a summary</think> Acme released Widget 2.", "preamble"),
        ("what_happened", "Sure, here is the summary: Acme released Widget 2.", "preamble"),
        ("what_happened", "<b>Acme</b> released Widget 2 on Monday.", "HTML"),
        ("what_to_watch", "", "empty"),
    ],
)
def test_invented_facts_and_preambles_fail(field: str, text: str, reason: str) -> None:
    problems = check_card(replace(GOOD, **{field: text}), ARTICLE)
    assert any(reason in p for p in problems), problems


def test_a_card_for_another_article_fails() -> None:
    other = Card(
        gist="The city council approved a new bus lane on the high street.",
        what_happened="The city council approved a new bus lane on the high street.",
        why_it_matters="Commuters have waited for faster buses for years.",
        what_to_watch="Work on the lane begins after the summer holidays.",
    )
    assert any("wrong article" in p for p in check_card(other, ARTICLE))


def test_japanese_card_of_a_japanese_article() -> None:
    card = Card(
        gist="AcmeがWidget 2を発表した。",
        what_happened="Acmeは3月2日、新しい言語モデル「Widget 2」を発表した。",
        why_it_matters="価格は従来より40%安い。",
        what_to_watch="4月に重みを公開する予定だ。",
        language="ja",
    )
    assert check_card(card, JA_ARTICLE) == []
    assert any("number" in p for p in check_card(replace(card, why_it_matters="価格は従来より60%安い。"), JA_ARTICLE))
    assert any("OpenAI" in p for p in check_card(replace(card, gist="OpenAIがWidget 2を発表した。"), JA_ARTICLE))


def test_a_japanese_card_of_an_english_article_is_checked_on_numbers_and_names() -> None:
    card = Card(
        gist="AcmeがWidget 2を発表した。",
        what_happened="Acmeは月曜日、最速の言語モデルWidget 2を発表した。",
        why_it_matters="Widget 1より40%安く、MMLUで87.5を記録した。",
        what_to_watch="重みは4月に公開される予定。",
        language="ja",
    )
    assert check_card(card, ARTICLE) == []
    assert check_card(replace(card, why_it_matters="Widget 1より50%安い。"), ARTICLE)


def test_the_error_type_carries_the_problems() -> None:
    problems = check_card(replace(GOOD, gist="Acme raised $9 billion."), ARTICLE)
    err = FaithfulnessError(problems)
    assert err.problems == problems
    assert "9" in str(err)
