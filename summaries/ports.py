"""The storage ports of the ingest path. ``summaries`` defines them; ``bot.store.articles`` implements them on Redis.

Three small interfaces, so that the summary core never imports a database client and tests of the core can
run against any implementation of the same contract:

* ``ArticleStore``: dedupe and keep articles (and read recent ones back for clustering);
* ``SourceStateStore``: per-source conditional-GET validators and health;
* ``FullTextCache``: extracted page text, so a teaser is fetched once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from summaries.models import Article

__all__ = ["ArticleStore", "FullTextCache", "SourceState", "SourceStateStore"]


class ArticleStore(Protocol):
    """Articles keyed by fingerprint, deduped by alias (see ``summaries.normalize`` for the chain)."""

    async def known(self, alias_groups: Sequence[Sequence[str]]) -> list[bool]:
        """For each group of aliases (one item), whether any alias belongs to a stored article.

        A known item's other aliases are learned (mapped to the same article) and their lifetime renewed, so
        an article a feed keeps carrying is never re-stored. An empty group is reported unknown. Idempotent.
        """
        ...

    async def add(self, items: Sequence[tuple[Article, Sequence[str]]]) -> list[Article]:
        """Store each article unless one of its aliases is already known; return those actually stored.

        Atomic per article (two processes adding the same article store it once). Articles expire after the
        retention period (14 days) from when they were stored.
        """
        ...

    async def recent_articles(self, since: datetime) -> list[Article]:
        """Stored articles published at or after ``since`` (aware UTC), newest first. Expired ones are gone."""
        ...


@dataclass(frozen=True, slots=True)
class SourceState:
    """What we remember about one source between runs: validators for conditional GET and its health.

    ``status`` is ``new`` (never fetched), ``ok``, ``failing`` (recent failures, backing off) or
    ``unhealthy`` (failed ``unhealthy_after`` times in a row). ``retry_at`` is when the next attempt may be
    made (backoff or ``Retry-After``); None means "at the next run". ``moved_to`` is the address a permanent
    redirect pointed to and ``moved_seen`` how many fetches in a row it answered there (``summaries.ingest``
    moves the source once that reaches two).
    """

    etag: str | None = None
    last_modified: str | None = None
    status: str = "new"
    failures: int = 0
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str = ""
    last_error_kind: str = ""
    retry_at: datetime | None = None
    items: int = 0
    new_items: int = 0
    bytes: int = 0
    moved_to: str = ""
    moved_seen: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def to_fields(self) -> dict[str, str]:
        """Flat string fields (a Redis hash, a row of a table)."""
        out: dict[str, str] = {
            "status": self.status,
            "failures": str(self.failures),
            "last_error": self.last_error,
            "last_error_kind": self.last_error_kind,
            "items": str(self.items),
            "new_items": str(self.new_items),
            "bytes": str(self.bytes),
            "etag": self.etag or "",
            "last_modified": self.last_modified or "",
            "moved_to": self.moved_to,
            "moved_seen": str(self.moved_seen),
        }
        for name in ("last_attempt", "last_success", "retry_at"):
            value: datetime | None = getattr(self, name)
            out[name] = value.isoformat() if value else ""
        return out

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> SourceState:
        def _dt(name: str) -> datetime | None:
            raw = data.get(name) or ""
            try:
                return datetime.fromisoformat(raw) if raw else None
            except ValueError:
                return None

        def _int(name: str) -> int:
            try:
                return int(data.get(name) or 0)
            except ValueError:
                return 0

        return cls(
            etag=data.get("etag") or None,
            last_modified=data.get("last_modified") or None,
            status=data.get("status") or "new",
            failures=_int("failures"),
            last_attempt=_dt("last_attempt"),
            last_success=_dt("last_success"),
            last_error=data.get("last_error") or "",
            last_error_kind=data.get("last_error_kind") or "",
            retry_at=_dt("retry_at"),
            items=_int("items"),
            new_items=_int("new_items"),
            bytes=_int("bytes"),
            moved_to=data.get("moved_to") or "",
            moved_seen=_int("moved_seen"),
        )

    def evolve(self, **changes: Any) -> SourceState:
        return replace(self, **changes)


class SourceStateStore(Protocol):
    """Per-source state. Writes replace the whole record of one source."""

    async def load_states(self, source_ids: Sequence[str]) -> dict[str, SourceState]:
        """The state of each id; ids never seen map to ``SourceState()``."""
        ...

    async def save_state(self, source_id: str, state: SourceState) -> None: ...

    async def save_states(self, states: Mapping[str, SourceState]) -> None:
        """Several records in one round trip (an ingest run writes them in batches as sources finish)."""
        ...


class FullTextCache(Protocol):
    """Extracted main text of article pages by canonical URL. A miss is None; "" records a failed page."""

    async def get_text(self, url: str) -> str | None: ...

    async def put_text(self, url: str, text: str) -> None: ...
