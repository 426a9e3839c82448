"""The daily edition: the day's stories, clustered, ranked and carded, in one language.

Why one edition per day and language: every channel and the web view must show the same thing, and a
subscriber's digest is only a filter of it (``summaries.rank.for_subscriber``). The bot stores what
``build_edition`` returns; this module does no I/O except through the ``Summarizer`` it is given.

Which articles belong to the edition of day *D* (UTC):

* the *cut-off* is the end of *D*, or ``now`` when that is earlier (today's edition, built this morning);
* articles published in the 72 hours before the cut-off are clustered together, so a story covered
  yesterday and today is one story;
* a story is in the edition when its newest article is less than ``FRESH`` (24 h) old at the cut-off;
* the best ``max_stories`` by ``summaries.rank`` get a card from the summarizer. In the Japanese edition a
  Japanese outlet's article leads a story it covered, and stories carded in Japanese come first. A card that fails the
  faithfulness check is replaced by the offline card (which passes by construction).

Same articles, same day, same language, same ``now`` → the same edition, byte for byte: ``generated_at`` is
the cut-off (the moment the edition describes), not the wall clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from summaries.cluster import WINDOW, Cluster, cluster_articles
from summaries.digest import japanese_first
from summaries.faithfulness import check_card
from summaries.models import Article, Card, Edition, Story
from summaries.rank import rank_clusters
from summaries.summarize import OfflineSummarizer, Summarizer
from summaries.topics import TOPICS, assign_topics

__all__ = ["FRESH", "MAX_STORIES", "build_edition", "cutoff_for", "relative_age"]

log = logging.getLogger(__name__)

FRESH = timedelta(hours=24)
MAX_STORIES = 30
_CONCURRENCY = 4


def cutoff_for(day: date, now: datetime | None = None) -> datetime:
    """The end of ``day`` in UTC, or ``now`` if that is earlier."""
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    return min(end, now.astimezone(UTC)) if now is not None else end


def relative_age(published: datetime, now: datetime, language: str = "en") -> str:
    """ "11h ago" / "11時間前": what a card shows next to the source."""
    minutes = max(0, int((now - published).total_seconds() // 60))
    if language == "ja":
        if minutes < 60:
            return f"{max(1, minutes)}分前"
        if minutes < 48 * 60:
            return f"{minutes // 60}時間前"
        return f"{minutes // 1440}日前"
    if minutes < 60:
        return f"{max(1, minutes)}m ago"
    if minutes < 48 * 60:
        return f"{minutes // 60}h ago"
    return f"{minutes // 1440}d ago"


def _topics(cluster: Cluster) -> tuple[str, ...]:
    found = {t for a in cluster.articles for t in assign_topics(a)}
    return tuple(t for t in TOPICS if t in found)


async def _card(summarizer: Summarizer, offline: OfflineSummarizer, article: Article, language: str) -> Card:
    try:
        card = await summarizer.summarize(article, language)
    except Exception:  # a summarizer must not take the edition down; the offline card is always there
        log.warning("summarizer %s failed on %s; using the offline card", summarizer.name, article.url, exc_info=True)
        return offline.card(article)
    problems = check_card(card, article)
    if problems:
        log.info("card of %s by %s rejected: %s", article.url, card.summarizer, "; ".join(problems[:3]))
        return offline.card(article)
    return card


async def build_edition(
    articles: Iterable[Article],
    *,
    day: date,
    language: str,
    summarizer: Summarizer | None = None,
    now: datetime | None = None,
    max_stories: int = MAX_STORIES,
) -> Edition:
    """The edition of ``day`` in ``language`` from ``articles`` (see the module docstring)."""
    cutoff = cutoff_for(day, now)
    offline = OfflineSummarizer()
    chosen = summarizer or offline
    window = [a for a in articles if cutoff - WINDOW <= a.published <= cutoff]
    clusters = [c for c in cluster_articles(window) if cutoff - max(a.published for a in c.articles) < FRESH]
    ranked = rank_clusters(clusters, cutoff)[: max(0, max_stories)]
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def story(ranked: Cluster, score: float) -> Story:
        cluster = _led_for(ranked, language)
        async with gate:
            card = await _card(chosen, offline, cluster.lead, language)
        lead = cluster.lead
        return Story(
            id=ranked.id,  # the same story has the same id in every language's edition
            title=lead.title,
            url=lead.url,
            source_id=lead.source_id,
            source_name=lead.source_name,
            published=lead.published,
            card=card,
            author=lead.author,
            reading_minutes=max(1, lead.reading_minutes),
            topics=_topics(cluster),
            also_covered_by=cluster.also_covered_by,
            score=score,
        )

    stories = await asyncio.gather(*(story(c, s) for c, s in ranked))
    edition = Edition(date=day, language=language, generated_at=cutoff, stories=tuple(stories))
    return japanese_first(edition, language)


def _led_for(cluster: Cluster, language: str) -> Cluster:
    """For the Japanese edition, a Japanese outlet's article leads the story when one covered it."""
    if language != "ja" or cluster.lead.language == "ja":
        return cluster
    ja = next((a for a in cluster.articles if a.language == "ja"), None)
    if ja is None:
        return cluster
    return Cluster(articles=(ja, *(a for a in cluster.articles if a is not ja)))
