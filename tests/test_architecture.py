"""What import-linter (``lint-imports``, contracts in pyproject.toml) cannot say about the layout.

import-linter holds the import contracts (bot → channels → summaries, SDKs only under channels/, Redis only in
the stores and the queue, no importlib in bot/). This file checks what no import graph shows: no code reaches a
module or method by a computed name, no module passes 400 lines, bot/'s top level stays small.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("summaries", "channels", "bot")


def _calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_imported_by_a_computed_name(package: str) -> None:
    """``import_module("…")`` and ``__import__`` hide a dependency from import-linter and from the reader."""
    offenders = [f"{path.relative_to(ROOT)}:{call.lineno}"
                 for path in sorted((ROOT / package).rglob("*.py")) for call in _calls(path)
                 if _name(call.func) in {"import_module", "__import__"}]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_method_is_looked_up_by_a_computed_name(package: str) -> None:
    """``getattr(self, f"_cmd_{name}")`` hides which code a name reaches; a dispatch table shows it."""
    offenders = [f"{path.relative_to(ROOT)}:{call.lineno}"
                 for path in sorted((ROOT / package).rglob("*.py")) for call in _calls(path)
                 if _name(call.func) == "getattr" and len(call.args) >= 2
                 and isinstance(call.args[1], ast.JoinedStr)]
    assert offenders == []


def test_the_composition_root_stays_small() -> None:
    """bot/'s top level holds only what wires the rooms together; everything else lives in a room."""
    modules = sorted(p.name for p in (ROOT / "bot").glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= 12, modules


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_passes_400_lines(package: str) -> None:
    """A module past 400 lines holds more than one concern; split it by concern."""
    long = {str(path.relative_to(ROOT)): n for path in sorted((ROOT / package).rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
