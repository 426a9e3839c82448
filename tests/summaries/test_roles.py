"""The role classifier: its weights fit its features, and plain sentences get the role a reader would give."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_role_of_is_the_model_over_role_features() -> None:
    """``role_of`` adds only the weights of the features present; that is the documented model (weights times
    ``role_features``, highest score wins, a tie to the earlier role) only while every feature is 0 or 1."""
    data = Path(__file__).resolve().parents[2] / "bench" / "data" / "roles_project.jsonl"
    sentences = [json.loads(line)["text"] for line in data.read_text(encoding="utf-8").splitlines() if line]
    assert len(sentences) > 50
    for sentence in sentences:
        row = role_features(sentence)
        assert set(row) <= {0.0, 1.0}, sentence
        scores = [sum(w * x for w, x in zip(weights, row, strict=True)) for weights in ROLE_WEIGHTS]
        best = max(range(len(ROLES)), key=lambda i: (scores[i], -i))
        assert role_of(sentence) == ROLES[best], sentence
