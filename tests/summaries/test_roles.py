"""The role classifier: its weights fit its features, and plain sentences get the role a reader would give."""

from __future__ import annotations

import pytest

from summaries.roles import ROLE_WEIGHTS, ROLES, role_features, role_of


def test_every_role_has_one_weight_per_feature() -> None:
    """Weights refitted by bench/fit_role_classifier.py must match the features the code computes."""
    assert len(ROLE_WEIGHTS) == len(ROLES)
    assert {len(row) for row in ROLE_WEIGHTS} == {len(role_features("The vote is scheduled for March 12."))}


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("The vote is scheduled for March 12.", "watch"),
        ("The firm expects to ship the first units before the end of the year.", "watch"),
        ("公募は2027年1月に始まる予定だ。", "watch"),
        ("The ruling sets a precedent for every AI company training on news articles.", "matters"),
        ("Because the weights are open, anyone can check the model's behaviour.", "matters"),
        ("The company was founded in 2021 by two former Google researchers.", "other"),
        ("Until 2019 the lab published all of its models openly.", "other"),
        ("同社は2019年に設立された。", "other"),
    ],
)
def test_plain_sentences_get_their_role(sentence: str, role: str) -> None:
    assert role_of(sentence) == role
