"""One ingest run: every enabled source fetched once, parsed, normalized, deduped and stored.

The flow per source (all sources concurrently; the fetcher's global and per-origin limits bound it)::

    state (validators, backoff) ─► fetch (conditional GET) ─► 304: done, nothing parsed
                                          │ 200
                                          ▼
        parse (sandbox worker process, budgets) ─► cheap aliases (GUID, URL) ─► store.known ─► only new items
                                          ▼
        normalize (clean, sanitize, count) ─► full text for teasers (optional) ─► store.add (atomic dedupe)

Failures are classified (``summaries.errors``; a bug met while handling one feed is logged with its traceback
and counted as ``internal``) and recorded on the source; one failing source never stops the others. Backoff
is decided here, in one place, from the failure type: exponential from ``backoff_base`` up to
``backoff_cap`` (24 h), or the server's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from summaries.errors import IngestError, RateLimited
from summaries.fetch import Fetcher
from summaries.fulltext import FullTextExtractor
from summaries.models import Article, ParsedFeed, Source
from summaries.normalize import Candidate, candidates, normalize
from summaries.ports import ArticleStore, SourceState, SourceStateStore
from summaries.sandbox import Sandbox

__all__ = [
    "MOVE_AFTER",
    "IngestOptions",
    "IngestReport",
    "Ingestor",
    "Progress",
    "SourceOutcome",
    "next_state_after_failure",
    "next_state_after_success",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Progress = Callable[["SourceOutcome"], None]

#: Source records are written in batches of this size as sources finish (and the rest at the end).
_STATE_BATCH = 64


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Policy knobs of a run. The composition root fills them from settings."""

    full_text: bool = False
    #: Teasers older than this, or beyond this many per source and run, keep their feed text: a feed that
    #: sends its whole history (599 items) must not turn one run into 599 page fetches from one site.
    full_text_max_age: timedelta = timedelta(days=3)
    full_text_per_source: int = 20
    #: Wall seconds one document may take in the sandbox (its CPU allowance is the lane's, 5 s); an ordinary
    #: feed takes milliseconds.
    parse_budget: float = 10.0
    backoff_base: timedelta = timedelta(minutes=15)
    backoff_cap: timedelta = timedelta(hours=24)
    unhealthy_after: int = 3
    force: bool = False


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """How one source went this run. ``status``: ok, not_modified, failed or deferred (backing off)."""

    source: Source
    status: str
    kind: str = ""
    message: str = ""
    items: int = 0
    new: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    parser: str = ""
    #: Set when this run confirmed a permanent move: the new feed URL, to be stored in place of the old.
    moved_to: str = ""


#: A permanent redirect moves a source once the new address has answered this many fetches in a row.
MOVE_AFTER = 2


@dataclass(slots=True)
class IngestReport:
    """The whole run, for the closing table, the scheduler's log line and the benchmark."""

    started: datetime
    outcomes: list[SourceOutcome] = field(default_factory=list)
    elapsed: float = 0.0
    new_articles: list[Article] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failures(self) -> dict[str, int]:
        """Failed sources by failure class, e.g. ``{"timeout": 3, "http_5xx": 2}``."""
        return dict(Counter(o.kind for o in self.outcomes if o.status == "failed"))

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def bytes(self) -> int:
        return sum(o.bytes for o in self.outcomes)


def next_state_after_success(
    state: SourceState, *, now: datetime, etag: str | None, last_modified: str | None, items: int, new: int,
    size: int, moved_to: str | None = None,
) -> SourceState:  # fmt: skip
    """Healthy again: failures reset, validators replaced (kept when a 304 did not resend them).

    ``moved_to`` (a permanent redirect's target, ``FetchResult.moved_to``) counts one more answer in a row
    from that address; any other answer starts the count again. Temporary redirects never get here.
    """
    seen = state.moved_seen + 1 if moved_to and moved_to == state.moved_to else (1 if moved_to else 0)
    return state.evolve(
        moved_to=moved_to or "",
        moved_seen=seen,
        etag=etag or state.etag,
        last_modified=last_modified or state.last_modified,
        status="ok",
        failures=0,
        last_attempt=now,
        last_success=now,
        retry_at=None,
        items=items if items or size else state.items,
        new_items=new,
        bytes=size,
    )


def next_state_after_failure(
    state: SourceState, error: IngestError, *, now: datetime, options: IngestOptions
) -> SourceState:
    """One more failure: exponential backoff (or the server's Retry-After), capped; unhealthy after N."""
    failures = state.failures + 1
    delay = options.backoff_base * (2 ** min(failures - 1, 16))
    if isinstance(error, RateLimited) and error.retry_after is not None:
        delay = timedelta(seconds=error.retry_after)
    delay = min(delay, options.backoff_cap)
    return state.evolve(
        status="unhealthy" if failures >= options.unhealthy_after else "failing",
        failures=failures,
        last_attempt=now,
        last_error=str(error)[:300],
        last_error_kind=error.kind,
        retry_at=now + delay,
        new_items=0,
    )


@dataclass(frozen=True, slots=True)
class _Run:
    """What the sources of one run share: the sandbox, the aliases already taken and the report."""

    sandbox: Sandbox
    claimed: set[str]
    report: IngestReport


class Ingestor:
    """Runs ingestion over a list of sources with one fetcher, one article store and one state store."""

    def __init__(
        self,
        fetcher: Fetcher,
        articles: ArticleStore,
        states: SourceStateStore,
        *,
        options: IngestOptions | None = None,
        fulltext: FullTextExtractor | None = None,
        sandbox: Sandbox | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        """``sandbox`` parses the feeds (one is opened for each run when none is given)."""
        self._fetcher = fetcher
        self._articles = articles
        self._states = states
        self._options = options or IngestOptions()
        self._fulltext = fulltext if self._options.full_text else None
        self._clock = clock
        self._sandbox = sandbox

    async def run(self, sources: Sequence[Source], *, progress: Progress | None = None) -> IngestReport:
        """Fetch every enabled source once. Never raises for a source's failure; see the report."""
        enabled = [s for s in sources if s.enabled]
        report = IngestReport(started=self._clock())
        started = time.perf_counter()
        states = await self._states.load_states([s.id for s in enabled])
        claimed: set[str] = set()  # aliases taken by another source earlier in this run
        unsaved: dict[str, SourceState] = {}
        async with contextlib.AsyncExitStack() as stack:
            sandbox = self._sandbox if self._sandbox is not None else await stack.enter_async_context(Sandbox())
            run = _Run(sandbox, claimed, report)

            async def one(source: Source) -> None:
                await self._one_and_save(source, states.get(source.id, SourceState()), run, unsaved, progress)

            await asyncio.gather(*(one(s) for s in enabled))
        await self._save(unsaved)
        report.elapsed = time.perf_counter() - started
        return report

    async def _one_and_save(
        self, source: Source, state: SourceState, run: _Run, unsaved: dict[str, SourceState],
        progress: Progress | None,
    ) -> None:  # fmt: skip
        outcome, new_state = await self._one(source, state, run)
        run.report.outcomes.append(outcome)
        if new_state is not None:
            unsaved[source.id] = new_state
            if len(unsaved) >= _STATE_BATCH:
                await self._save(unsaved)
        if progress is not None:
            progress(outcome)

    async def _save(self, unsaved: dict[str, SourceState]) -> None:
        """Write the finished sources' records in one round trip; a failure is logged, never fatal."""
        batch = dict(unsaved)
        unsaved.clear()
        try:
            await self._states.save_states(batch)
        except Exception:
            log.exception("could not save the state of %d sources", len(batch))

    async def _one(self, source: Source, state: SourceState, run: _Run) -> tuple[SourceOutcome, SourceState | None]:
        now = self._clock()
        if not self._options.force and state.retry_at is not None and state.retry_at > now:
            message = f"backing off until {state.retry_at:%H:%M} UTC"
            return SourceOutcome(source, "deferred", state.last_error_kind, message), None
        started = time.perf_counter()
        try:
            outcome, new_state = await self._fetch_and_store(source, state, run, now)
        except IngestError as exc:
            new_state = next_state_after_failure(state, exc, now=now, options=self._options)
            outcome = SourceOutcome(source, "failed", exc.kind, str(exc)[:300])
        except Exception as exc:  # fan-out: a bug with one feed is logged and the run goes on
            log.exception("ingest of %s failed unexpectedly", source.feed_url)
            error = IngestError(f"internal error: {type(exc).__name__}")
            new_state = next_state_after_failure(state, error, now=now, options=self._options)
            outcome = SourceOutcome(source, "failed", "internal", str(error))
        return replace(outcome, elapsed=time.perf_counter() - started), new_state

    async def _fetch_and_store(
        self, source: Source, state: SourceState, run: _Run, now: datetime
    ) -> tuple[SourceOutcome, SourceState]:
        result = await self._fetcher.fetch(source.feed_url, etag=state.etag, last_modified=state.last_modified)
        if result.not_modified:
            new_state = next_state_after_success(
                state, now=now, etag=result.etag, last_modified=result.last_modified, items=0, new=0, size=0,
                moved_to=result.moved_to,
            )
            return SourceOutcome(source, "not_modified", moved_to=_confirmed_move(new_state)), new_state
        feed = await run.sandbox.parse_feed(
            result.body, url=result.url, charset=result.charset, budget=self._options.parse_budget
        )
        stored = await self._store_new(source, feed, run.claimed, now)
        run.report.new_articles.extend(stored)
        new_state = next_state_after_success(
            state, now=now, etag=result.etag, last_modified=result.last_modified, items=len(feed.items),
            new=len(stored), size=result.wire_bytes, moved_to=result.moved_to,
        )  # fmt: skip
        outcome = SourceOutcome(
            source, "ok", items=len(feed.items), new=len(stored), bytes=result.wire_bytes, parser=feed.parser,
            moved_to=_confirmed_move(new_state),
        )
        return outcome, new_state

    async def _store_new(self, source: Source, feed: ParsedFeed, claimed: set[str], now: datetime) -> list[Article]:
        # Items another source of this run has already taken need no store round trip at all.
        found = [c for c in candidates(feed, source) if not claimed.intersection(c.cheap_aliases)]
        if not found:
            return []
        known = await self._articles.known([c.cheap_aliases for c in found])
        fresh: list[Candidate] = []
        for candidate, is_known in zip(found, known, strict=True):
            if is_known or claimed.intersection(candidate.cheap_aliases):
                continue
            claimed.update(candidate.cheap_aliases)
            fresh.append(candidate)
        if not fresh:
            return []
        normalized = await asyncio.to_thread(_normalize_all, fresh, source, feed, now)
        if self._fulltext is not None:
            normalized = await self._with_full_text(normalized, now)
        return await self._articles.add(normalized)

    async def _with_full_text(
        self, normalized: list[tuple[Article, tuple[str, ...]]], now: datetime
    ) -> list[tuple[Article, tuple[str, ...]]]:
        assert self._fulltext is not None
        extractor = self._fulltext
        cutoff = now - self._options.full_text_max_age
        wanted = [
            i for i, (a, _) in enumerate(normalized) if a.published >= cutoff and extractor.wants(a)
        ][: self._options.full_text_per_source]
        enriched = await asyncio.gather(*(extractor.enrich(normalized[i][0]) for i in wanted))
        out = list(normalized)
        for i, article in zip(wanted, enriched, strict=True):
            out[i] = (article, out[i][1])
        return out


def _confirmed_move(state: SourceState) -> str:
    """The new feed URL once a permanent redirect has answered ``MOVE_AFTER`` fetches in a row, else ""."""
    return state.moved_to if state.moved_to and state.moved_seen >= MOVE_AFTER else ""


def _normalize_all(
    fresh: Sequence[Candidate], source: Source, feed: ParsedFeed, now: datetime
) -> list[tuple[Article, tuple[str, ...]]]:
    """Normalize a batch off the event loop; items sharing a title/content alias are kept once."""
    out: list[tuple[Article, tuple[str, ...]]] = []
    seen: set[str] = set()
    for candidate in fresh:
        article, aliases = normalize(candidate, source, feed, now=now)
        if seen.intersection(aliases):
            continue
        seen.update(aliases)
        out.append((article, aliases))
    return out
