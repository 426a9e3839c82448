"""docs/architecture.md stays true to the code: every Redis key of bot/keys.py and every setting is in it."""

from __future__ import annotations

import re
from pathlib import Path

import bot.keys
from bot.settings import Settings

DOC = (Path(__file__).resolve().parents[3] / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_key_of_the_grammar_is_documented() -> None:
    grammar = re.findall(r"^\s+(aitoday:v1:\S+)", bot.keys.__doc__ or "", flags=re.MULTILINE)
    assert len(grammar) > 20
    missing = [key for key in grammar if key not in DOC]
    assert missing == [], "add these keys to docs/architecture.md, 'Redis key grammar'"


def test_every_setting_says_where_it_is_read() -> None:
    names = [field.alias for field in Settings.model_fields.values() if field.alias]
    table = DOC.split("## Where each setting is read", 1)[1]
    missing = [name for name in names if f"`{name}`" not in table]
    assert missing == [], "add these settings to docs/architecture.md, 'Where each setting is read'"


def test_every_module_the_doc_names_exists() -> None:
    root = Path(__file__).resolve().parents[3]
    named = set(re.findall(r"`((?:bot|channels|summaries)/[\w/]+\.py)`", DOC))
    assert named
    assert sorted(p for p in named if not (root / p).exists()) == []
