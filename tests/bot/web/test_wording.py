"""Which language a visitor gets (Accept-Language by q-value), and that redaction holds for any secret."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.logging_setup import Redactor
from bot.web.wording import PAGE_TEXT, page_text, preferred_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"),
        ("en-GB,en;q=0.9,ja;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,ja;q=0.5,en;q=0.4", "ja"),  # the first of ours by q-value, not by position
        ("fr, de;q=0.8", None),
        ("ja;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
        ("EN", "en"),
        ("", None),
        ("ja;q=bogus, en;q=0.3", "en"),
    ],
)
def test_accept_language_picks_our_best_language(header: str, expected: str | None) -> None:
    assert preferred_language(header) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_accept_language_header_gives_one_of_ours_or_none(header: str) -> None:
    assert preferred_language(header) in (None, "en", "ja")


def test_japanese_copy_covers_every_english_sentence() -> None:
    assert set(PAGE_TEXT["ja"]) == set(PAGE_TEXT["en"])
    assert page_text("xx") == PAGE_TEXT["en"]


@settings(max_examples=200, deadline=None)
@given(secret=st.text(min_size=6, max_size=60).filter(lambda s: s.strip() == s and "*" not in s),
       before=st.text(max_size=40), after=st.text(max_size=40))
def test_a_configured_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s%s%s", (before, secret, after), None)
    Redactor([secret]).filter(record)
    assert secret not in record.getMessage()
