"""One subscriber's digest of an edition: the worker sends it, ``now`` and LINE's pull button ask for it.

Why one function: what a reader gets must not depend on which path asked. In order: Japanese stories first
for a Japanese reader (``summaries.digest.japanese_first``), muted sources out, their topics only (when they
chose any), steered by their 👍/👎 within bounds (``bot.content.steer``), at most ``items`` stories, then filled
to ``minutes`` of reading of the cards (``summaries.digest.fill``). An empty result means nothing matched:
nothing is sent that day.
"""

from __future__ import annotations

from dataclasses import replace

from bot.content.steer import steer
from bot.store.feedback import NO_AFFINITY, Affinity
from bot.store.models import Subscription
from summaries.digest import fill, japanese_first
from summaries.models import Edition

__all__ = ["digest_of"]


def digest_of(edition: Edition, sub: Subscription, affinity: Affinity = NO_AFFINITY) -> Edition:
    """The digest ``sub`` gets from ``edition`` (see the module docstring); no stories when nothing matched."""
    ordered = japanese_first(edition, sub.effective_language)
    every = ordered.for_subscriber(topics=set(sub.topics), muted_sources=set(sub.muted_sources),
                                   items=len(ordered.stories))
    mine = replace(every, stories=steer(every.stories, affinity)[: max(0, sub.items)])
    return fill(mine, sub.minutes) if mine.stories else mine
