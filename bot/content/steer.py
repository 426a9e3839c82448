"""Feedback steers a reader's digest, within bounds; and the reasons each story was picked (``why``).

The bounds, so that 👍/👎 tune a digest without ever narrowing it to one source:

* a story's lean is ``SOURCE_WEIGHT`` × its source's affinity + ``TOPIC_WEIGHT`` × its topics' (each in [-1, 1],
  ``bot.store.feedback.Affinity``), and it moves at most ``MAX_SHIFT`` places from its place in the edition's
  ranking (a tie goes to the story leaned towards): a liked source's story climbs a few places, never to the
  top from anywhere; a disliked one sinks a few, it is not hidden (``sources mute`` hides);
* no source a reader leans towards gets more than ``MAX_PER_SOURCE`` stories lifted: its further stories keep
  their edition place, so the stories of the other sources stay;
* without feedback nothing changes: the digest is the edition's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.store.feedback import Affinity, Pick, Picks
from summaries.models import Edition, Story

__all__ = ["MAX_PER_SOURCE", "MAX_SHIFT", "SOURCE_WEIGHT", "TOPIC_WEIGHT", "explain", "lean", "steer"]

MAX_SHIFT = 3
MAX_PER_SOURCE = 3
SOURCE_WEIGHT = 0.6
TOPIC_WEIGHT = 0.4


def lean(story: Story, affinity: Affinity) -> float:
    """How much the reader leans towards ``story``, in [-1, 1]."""
    return SOURCE_WEIGHT * affinity.source(story.source_id) + TOPIC_WEIGHT * affinity.topic(story.topics)


def steer(stories: Sequence[Story], affinity: Affinity) -> tuple[Story, ...]:
    """``stories`` (in the edition's order) reordered by the reader's leanings, within the module's bounds."""
    if not affinity:
        return tuple(stories)
    leans = [lean(story, affinity) for story in stories]
    places = [index - MAX_SHIFT * value for index, value in enumerate(leans)]
    lifted: Counter[str] = Counter()
    for index in sorted(range(len(stories)), key=lambda i: (places[i], -leans[i], i)):
        if leans[index] <= 0:
            continue
        source = stories[index].source_id
        lifted[source] += 1
        if lifted[source] > MAX_PER_SOURCE:
            places[index] = float(index)  # over the cap: back to its edition place, unlifted
    return tuple(stories[i] for i in sorted(range(len(stories)), key=lambda i: (places[i], -leans[i], i)))


def explain(digest: Edition, edition: Edition, affinity: Affinity, topics: Sequence[str]) -> Picks:
    """Each story of ``digest`` with the reasons it was picked (codes, worded by the conversation's i18n).

    ``edition``: the whole edition the digest came from (its place there); ``topics``: the reader's topics.
    """
    place = {story.id: n for n, story in enumerate(edition.stories, start=1)}
    wanted = {t.casefold() for t in topics}
    picks: list[Pick] = []
    for story in digest.stories:
        reasons: list[str] = []
        topic = next((t for t in story.topics if t.casefold() in wanted), story.topics[0] if story.topics else "")
        if topic:
            reasons.append(f"topic:{topic}")
        if affinity.source(story.source_id) > 0:
            reasons.append("liked_source")
        elif affinity.topic(story.topics) > 0:
            reasons.append("liked_topic")
        if story.source_count > 1:
            reasons.append(f"outlets:{story.source_count}")
        rank = place.get(story.id, 0)
        reasons.append("top" if rank == 1 else f"ranked:{rank}")
        picks.append(Pick(story.id, story.source_id, tuple(story.topics), tuple(reasons), story.title,
                          story.source_name))
    return Picks(day=digest.date.isoformat(), stories=tuple(picks))
