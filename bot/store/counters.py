"""Operational counters kept in Redis, so that ``GET /metrics`` on any web process sees every process's work.

A counter is one Redis hash per name (``keys.counter(name)``); each field is one label set, encoded as a
sorted query string (``channel=slack&class=ok``), and its value only ever grows (HINCRBY). A Prometheus
scrape reads the hashes as they are: there is no per-process state to lose when a worker dies, and adding a
worker adds nothing to collect.

Call sites (one line each, never in a hot inner loop that has no I/O anyway)::

    await counters.incr(redis, "fetches", {"outcome": "ok"})
    await counters.incr(redis, "deliveries", {"channel": "email", "class": "sent"})
    await counters.incr(redis, "llm_tokens", {"kind": "prompt"}, amount=812)

``COUNTERS`` lists the names and their labels; ``bot.web.metrics`` exports exactly these, so a counter is
added here first. Label values are short operator-facing words (an outcome class, a channel), never user text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from bot import keys
from bot.store.client import RedisClient
from bot.store.errors import guard
from summaries.ingest import IngestReport

__all__ = [
    "COUNTERS",
    "CounterSpec",
    "UnknownCounter",
    "decode_labels",
    "encode_labels",
    "incr",
    "read",
    "record_ingest",
]


@dataclass(frozen=True, slots=True)
class CounterSpec:
    """One counter: its Redis name, the Prometheus help text and its label names."""

    name: str
    help: str
    labels: tuple[str, ...] = ()


COUNTERS: dict[str, CounterSpec] = {
    spec.name: spec
    for spec in (
        CounterSpec("fetches", "Feed fetches by outcome (ok, not_modified, http_error, timeout, refused, ...).",
                    ("outcome",)),
        CounterSpec("articles", "New articles stored after dedupe."),
        CounterSpec("cards", "Summary cards made, by summarizer (offline, llm:<model>).", ("summarizer",)),
        CounterSpec("llm_tokens", "LLM tokens spent, by kind (prompt, completion).", ("kind",)),
        CounterSpec("deliveries", "Delivery attempts by channel and outcome class (sent, rate_limited, "
                    "transient, recipient_gone, install_broken, render_bug, dead).", ("channel", "class")),
        CounterSpec("webhook_rejections", "Inbound webhooks refused, by channel and reason (signature, "
                    "stale, malformed).", ("channel", "reason")),
        CounterSpec("line_pull_switches", "LINE subscribers switched to pull (the 'Today's digest' button) "
                    "because the monthly message quota would not cover a fan-out."),
    )
}


class UnknownCounter(KeyError):
    """``incr`` was called with a name ``COUNTERS`` does not list: a typo would otherwise vanish silently."""


def encode_labels(labels: Mapping[str, str]) -> str:
    """The hash field of a label set: sorted, URL-encoded, so any value round-trips."""
    return urlencode(sorted(labels.items()))


def decode_labels(field: str) -> dict[str, str]:
    return dict(parse_qsl(field, keep_blank_values=True))


@guard
async def incr(redis: RedisClient, name: str, labels: Mapping[str, str] | None = None, amount: int = 1) -> None:
    """Add ``amount`` to counter ``name`` at ``labels``. Raises ``UnknownCounter`` for an unlisted name."""
    if name not in COUNTERS:
        raise UnknownCounter(name)
    await redis.hincrby(keys.counter(name), encode_labels(labels or {}), amount)


@guard
async def read(redis: RedisClient) -> dict[str, dict[str, int]]:
    """Every counter's label fields and values, in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        for name in COUNTERS:
            pipe.hgetall(keys.counter(name))
        results = await pipe.execute()
    return {name: {str(k): int(v) for k, v in result.items()} for name, result in zip(COUNTERS, results, strict=True)}


@guard
async def record_ingest(redis: RedisClient, report: IngestReport) -> None:
    """Count one ingest run: each source's fetch by outcome (``ok``, ``not_modified``, ``deferred``, or the
    failure class such as ``timeout``), and the new articles. One pipelined round trip."""
    outcomes: dict[str, int] = {}
    for outcome in report.outcomes:
        label = (outcome.kind or "failed") if outcome.status == "failed" else outcome.status
        outcomes[label] = outcomes.get(label, 0) + 1
    async with redis.pipeline(transaction=False) as pipe:
        for label, count in sorted(outcomes.items()):
            pipe.hincrby(keys.counter("fetches"), encode_labels({"outcome": label}), count)
        if report.new:
            pipe.hincrby(keys.counter("articles"), encode_labels({}), report.new)
        await pipe.execute()
