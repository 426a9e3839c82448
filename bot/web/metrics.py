"""``GET /metrics``: the service's figures in the Prometheus text format, read from Redis at scrape time.

Every role keeps its figures in Redis (``bot.store.counters`` and the queue's own stream), so any web process
answers for the whole deployment and a scrape sees work done by workers on other machines. Nothing is kept
in process memory: each app owns its ``CollectorRegistry`` (never the global one) holding one collector that
yields the snapshot read just before rendering.

Series::

    aitoday_redis_up                                    1 when the scrape could read Redis
    aitoday_fetches_total{outcome}                      feed fetches by outcome
    aitoday_articles_total                              new articles stored
    aitoday_articles_stored                             articles held now (14-day window)
    aitoday_cards_total{summarizer}                     cards by summarizer
    aitoday_llm_tokens_total{kind}                      LLM tokens by kind
    aitoday_deliveries_total{channel,class}             delivery attempts by channel and outcome class
    aitoday_webhook_rejections_total{channel,reason}    refused webhooks
    aitoday_queue_length                                deliveries waiting in the stream, not yet read
    aitoday_queue_pending                               deliveries read by a worker, not yet acknowledged
    aitoday_queue_pending_age_seconds                   age of the oldest unacknowledged delivery
    aitoday_queue_retrying                              deliveries waiting for their retry time
    aitoday_dead_letters                                deliveries given up on, kept for replay
    aitoday_subscriptions_scheduled                     subscriptions with a next send time
    aitoday_llm_tokens_today                            LLM tokens taken today against the daily budget
    aitoday_edition_cards{language,summarizer}          cards of the latest edition, by what made them
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.conversation.i18n import LANGUAGES
from bot.delivery.queue import QueueFigures, read_queue_figures
from bot.runtime import Runtime
from bot.store import StoreUnavailable, counters
from bot.store.edition_store import EditionStore
from bot.store.vitals import read_store_figures

__all__ = ["MetricsExporter", "Snapshot", "read_snapshot", "routes"]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every figure of one scrape."""

    redis_up: bool
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    articles_stored: int = 0
    subscriptions_scheduled: int = 0
    queue: QueueFigures = field(default_factory=QueueFigures)
    llm_tokens_today: int = 0
    edition_cards: dict[tuple[str, str], int] = field(default_factory=dict)


async def read_snapshot(runtime: Runtime, now: float | None = None) -> Snapshot:
    """Read every figure; a Redis failure gives ``redis_up=False`` rather than an error page."""
    redis = runtime.redis
    try:
        values = await counters.read(redis)
        at = time.time() if now is None else now
        figures = await read_store_figures(redis, datetime.fromtimestamp(at, UTC).date())
        queue = await read_queue_figures(redis, at)
        cards = await _edition_cards(EditionStore(redis))
    except (StoreUnavailable, OSError):
        return Snapshot(redis_up=False)
    return Snapshot(redis_up=True, counters=values, articles_stored=figures.articles_stored,
                    subscriptions_scheduled=figures.subscriptions_scheduled, queue=queue,
                    llm_tokens_today=figures.llm_tokens_today, edition_cards=cards)


async def _edition_cards(editions: EditionStore) -> dict[tuple[str, str], int]:
    """Cards of each language's latest edition by summarizer (shows the LLM falling back to offline)."""
    found: dict[tuple[str, str], int] = {}
    for language in LANGUAGES:
        raw = await editions.latest_raw(language)
        if not raw:
            continue
        for story in json.loads(raw).get("stories", ()):
            summarizer = str(story.get("card", {}).get("summarizer", "offline"))
            found[(language, summarizer)] = found.get((language, summarizer), 0) + 1
    return found


class _SnapshotCollector:
    """Yields the families of the snapshot it was last given (set right before each render)."""

    def __init__(self) -> None:
        self.snapshot = Snapshot(redis_up=False)

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        yield _gauge("aitoday_redis_up", "1 when this scrape could read Redis.", 1 if snap.redis_up else 0)
        for spec in counters.COUNTERS.values():
            family = CounterMetricFamily(f"aitoday_{spec.name}", spec.help, labels=list(spec.labels))
            fields = snap.counters.get(spec.name, {})
            if not spec.labels:
                family.add_metric([], float(sum(fields.values())))
            for encoded, value in sorted(fields.items()):
                if spec.labels:
                    labels = counters.decode_labels(encoded)
                    family.add_metric([labels.get(name, "") for name in spec.labels], float(value))
            yield family
        yield _gauge("aitoday_articles_stored", "Articles held now (the clustering window).", snap.articles_stored)
        yield _gauge("aitoday_subscriptions_scheduled", "Subscriptions with a next send time.",
                     snap.subscriptions_scheduled)
        q = snap.queue
        yield _gauge("aitoday_queue_length", "Deliveries in the stream not yet read by any worker.", q.length)
        yield _gauge("aitoday_queue_pending", "Deliveries read by a worker and not yet acknowledged.", q.pending)
        yield _gauge("aitoday_queue_pending_age_seconds", "Age of the oldest unacknowledged delivery.",
                     q.pending_age_seconds)
        yield _gauge("aitoday_queue_retrying", "Deliveries waiting for their retry time (Retry-After, backoff).",
                     q.retrying)
        yield _gauge("aitoday_llm_tokens_today", "LLM tokens taken today (UTC) against the daily budget.",
                     snap.llm_tokens_today)
        cards = GaugeMetricFamily("aitoday_edition_cards", "Cards of the latest edition, by summarizer.",
                                  labels=["language", "summarizer"])
        for (language, summarizer), count in sorted(snap.edition_cards.items()):
            cards.add_metric([language, summarizer], float(count))
        yield cards
        yield _gauge("aitoday_dead_letters", "Deliveries given up on, kept for `aitoday deliveries --replay`.",
                     q.dead_letters)

    def describe(self) -> list[Any]:
        return []  # families vary with the data; registering must not trigger a scrape


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=float(value))


class MetricsExporter:
    """One app's registry and collector. ``render`` reads Redis then renders; no state outlives a scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._collector = _SnapshotCollector()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self._collector)  # type: ignore[arg-type]

    async def render(self) -> bytes:
        snapshot = await read_snapshot(self._runtime)
        # No await between setting and rendering: one event loop thread, so concurrent scrapes cannot interleave.
        self._collector.snapshot = snapshot
        return bytes(generate_latest(self.registry))


def routes(services: Services) -> list[BaseRoute]:
    exporter = MetricsExporter(services.runtime)

    async def metrics(request: Request) -> Response:
        return Response(await exporter.render(), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
