"""Ingestion as the composition root runs it: settings → fetcher, Redis stores, source list → one run.

``run_ingest`` is what the scheduler calls every ``AITODAY_INGEST_INTERVAL_MINUTES`` and what
``aitoday ingest`` calls once, with a progress callback. Everything it needs comes from the ``Runtime``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.runtime import Runtime
from bot.store import counters
from bot.store.articles import RedisArticleStore
from bot.store.source_edits import SourceList
from summaries.fetch import Fetcher, FetchLimits
from summaries.fulltext import FullTextExtractor
from summaries.ingest import IngestOptions, Ingestor, IngestReport, Progress
from summaries.models import Source
from summaries.ssrf import AddressPolicy

__all__ = ["run_ingest"]


async def run_ingest(
    runtime: Runtime,
    *,
    progress: Progress | None = None,
    sources: Sequence[Source] | None = None,
    force: bool = False,
    limits: FetchLimits | None = None,
) -> IngestReport:
    """Fetch every enabled source once (``sources`` defaults to the effective list) and store new articles.

    ``force`` ignores backoff (``aitoday ingest --force``). Never raises for a source's failure: each one is
    recorded on the source and counted in the report. Raises only if Redis itself is unreachable.
    """
    settings = runtime.settings
    if sources is None:
        sources = await SourceList(runtime.redis, settings).sources()
    store = RedisArticleStore(runtime.redis)
    policy = AddressPolicy.from_allow_list(settings.fetch_allow_list)
    options = IngestOptions(full_text=settings.full_text, force=force)
    async with Fetcher(policy, limits) as fetcher:
        fulltext = FullTextExtractor(fetcher, store) if settings.full_text else None
        ingestor = Ingestor(fetcher, store, store, options=options, fulltext=fulltext)
        report = await ingestor.run(sources, progress=progress)
    await counters.record_ingest(runtime.redis, report)  # what /metrics shows for fetches and articles
    return report
