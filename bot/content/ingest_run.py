"""Ingestion as the composition root runs it: settings → fetcher, Redis stores, source list → one run.

``run_ingest`` is the one ingest path: the scheduler's job, ``aitoday ingest`` and the demo all call it, and
it ends by rebuilding today's editions, so ``now`` right after an ingest sends what was just fetched.
Everything it needs comes from the ``Runtime``.

A stop (SIGTERM, Ctrl+C) during a run cancels it: every write it makes is atomic on its own (an article batch
is one Lua script, a source record one HSET, an edition one MULTI), so a cancelled run leaves stored what
it finished and nothing half-written; the next run fetches the rest (conditional GET makes that cheap).

``sources_reachable`` tells the scheduler whether a run can fetch anything at all: without a network every
source would fail and back off, so the scheduler skips the run with one line instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import httpcore

from bot.content.editions import build_edition
from bot.conversation.i18n import LANGUAGES
from bot.runtime import Runtime
from bot.store import counters
from bot.store.articles import RedisArticleStore
from bot.store.source_edits import SourceList
from summaries.errors import FetchError
from summaries.fetch import Fetcher, FetchLimits
from summaries.fulltext import FullTextExtractor
from summaries.ingest import IngestOptions, Ingestor, IngestReport, Progress
from summaries.models import Edition, Source
from summaries.sandbox import Sandbox
from summaries.ssrf import AddressPolicy, GuardedBackend

__all__ = ["IngestRun", "network_unreachable", "run_ingest", "sources_reachable"]

#: Failure kinds that say nothing answered at all (as opposed to a server that answered badly).
log = logging.getLogger(__name__)

_NO_ANSWER = frozenset({"connect", "timeout"})


@dataclass(frozen=True, slots=True)
class IngestRun:
    """One run: the ingest report and the editions it rebuilt (language → edition; empty when not asked)."""

    report: IngestReport
    editions: dict[str, Edition] = field(default_factory=dict)


async def run_ingest(
    runtime: Runtime,
    *,
    progress: Progress | None = None,
    sources: Sequence[Source] | None = None,
    force: bool = False,
    limits: FetchLimits | None = None,
    day: date | None = None,
    editions: bool = True,
) -> IngestRun:
    """Fetch every enabled source once (``sources`` defaults to the effective list), store new articles, then
    rebuild the editions of ``day`` (default today, UTC) in every language.

    ``force`` ignores backoff (``aitoday ingest --force``). ``editions=False`` stops after storing (the
    ingest benchmark measures fetching alone). Never raises for a source's failure: each one is recorded on
    the source and counted in the report. Raises only if Redis itself is unreachable.
    """
    settings = runtime.settings
    if sources is None:
        sources = await SourceList(runtime.redis, settings).sources()
    store = RedisArticleStore(runtime.redis)
    policy = AddressPolicy.from_allow_list(settings.fetch_allow_list)
    options = IngestOptions(full_text=settings.full_text, force=force)
    async with Fetcher(policy, limits) as fetcher, Sandbox() as sandbox:
        fulltext = FullTextExtractor(fetcher, store, sandbox) if settings.full_text else None
        ingestor = Ingestor(fetcher, store, store, options=options, fulltext=fulltext, sandbox=sandbox)
        report = await ingestor.run(sources, progress=progress)
    await counters.record_ingest(runtime.redis, report)  # what /metrics shows for fetches and articles
    await _store_moves(runtime, report)
    built: dict[str, Edition] = {}
    if editions:
        today = day or datetime.now(UTC).date()
        for language in LANGUAGES:
            built[language] = await build_edition(runtime, today, language)
    return IngestRun(report=report, editions=built)


async def _store_moves(runtime: Runtime, report: IngestReport) -> None:
    """Feeds whose permanent redirect answered twice in a row move to the new URL (``aitoday sources`` lists
    them). Only sources on the list move: a one-off ``--source``-less run of other sources changes nothing."""
    confirmed = [o for o in report.outcomes if o.moved_to]
    if not confirmed:
        return
    listing = SourceList(runtime.redis, runtime.settings)
    listed = {s.id for s in await listing.sources()}
    for outcome in confirmed:
        if outcome.source.id in listed:
            await listing.move(outcome.source, outcome.moved_to)
            log.info("source %s moved for good: %s -> %s", outcome.source.name, outcome.source.feed_url,
                        outcome.moved_to)


def network_unreachable(report: IngestReport) -> bool:
    """True when no source answered at all: every one failed to connect or timed out (none was deferred)."""
    outcomes = [o for o in report.outcomes if o.status != "deferred"]
    return bool(outcomes) and all(o.status == "failed" and o.kind in _NO_ANSWER for o in outcomes)


def _probe_targets(sources: Sequence[Source], count: int) -> list[tuple[str, int]]:
    """Up to ``count`` distinct (host, port) pairs, spread over the list (its start, middle and end)."""
    targets: list[tuple[str, int]] = []
    if not sources:
        return targets
    step = max(1, len(sources) // count)
    for source in [*sources[::step], *sources]:
        parts = urlsplit(source.feed_url)
        if not parts.hostname:
            continue
        target = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        if target not in targets:
            targets.append(target)
        if len(targets) >= count:
            break
    return targets


async def sources_reachable(runtime: Runtime, sources: Sequence[Source] | None = None, *, hosts: int = 3,
                            timeout: float = 5.0) -> bool:  # noqa: ASYNC109 - a probe's own deadline
    """Whether any of a few sources' hosts accepts a TCP connection (through the SSRF guard, as a fetch would).

    One answer is enough; the probe gives up after ``timeout`` seconds.
    """
    if sources is None:
        sources = [s for s in await SourceList(runtime.redis, runtime.settings).sources() if s.enabled]
    targets = _probe_targets(sources, hosts)
    if not targets:
        return False
    backend = GuardedBackend(AddressPolicy.from_allow_list(runtime.settings.fetch_allow_list))

    async def connects(host: str, port: int) -> bool:
        try:
            stream = await backend.connect_tcp(host, port, timeout=timeout)
        except (FetchError, httpcore.ConnectError, httpcore.ConnectTimeout, OSError):
            return False
        await stream.aclose()
        return True

    probes = [asyncio.create_task(connects(host, port)) for host, port in targets]
    try:
        for finished in asyncio.as_completed(probes, timeout=timeout + 1):
            if await finished:
                return True
        return False
    except TimeoutError:
        return False
    finally:
        for probe in probes:
            probe.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
        backend.close()
