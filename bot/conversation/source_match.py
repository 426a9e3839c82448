"""Which source a reader meant by ``sources mute NAME``: the effective source list decides, never free text.

Why: a mute is stored per subscriber and checked against every story of every digest. Free text let a typo
mute nothing (silently) and let one reader store hundreds of made-up names. A name that matches no source
gets the nearest names back as a suggestion, so the reader can try again.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from summaries.sources import bundled_sources

__all__ = ["SourceMatch", "bundled_source_names", "match_source"]

_SUGGESTIONS = 3
_CUTOFF = 0.75


@dataclass(frozen=True, slots=True)
class SourceMatch:
    """``name`` is the display name of the one source meant, or empty; ``suggestions`` the nearest names."""

    name: str = ""
    suggestions: tuple[str, ...] = ()


@cache
def _bundled() -> tuple[tuple[str, str], ...]:
    return tuple((s.id, s.name) for s in bundled_sources())


async def bundled_source_names() -> Sequence[tuple[str, str]]:
    """``(id, name)`` of the bundled list: the default when the composition root wires no list."""
    return _bundled()


def match_source(wanted: str, candidates: Sequence[tuple[str, str]]) -> SourceMatch:
    """Exact id or name (case-insensitive), else the one name containing ``wanted``; otherwise suggestions:
    the names containing it (when several do), else the closest spellings."""
    folded = wanted.casefold().strip()
    for source_id, name in candidates:
        if folded in (source_id.casefold(), name.casefold()):
            return SourceMatch(name)
    partial = sorted({name for _, name in candidates if folded and folded in name.casefold()}, key=str.casefold)
    if len(partial) == 1:
        return SourceMatch(partial[0])
    if partial:
        return SourceMatch(suggestions=tuple(partial[:_SUGGESTIONS]))
    scored = sorted(
        ((-_likeness(folded, name.casefold()), name) for name in {name for _, name in candidates}),
        key=lambda pair: (pair[0], pair[1].casefold()),
    )
    return SourceMatch(suggestions=tuple(name for score, name in scored[:_SUGGESTIONS] if -score >= _CUTOFF))


def _likeness(typed: str, name: str) -> float:
    """How alike, 0–1: against the whole name or its start (readers type "Hacker Nws", not the full title)."""
    whole = difflib.SequenceMatcher(None, typed, name).ratio()
    start = difflib.SequenceMatcher(None, typed, name[: len(typed) + 1]).ratio()
    return max(whole, start)
