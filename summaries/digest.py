"""Five minutes a day: how long a digest's cards take to read, and filling a digest up to a reading time.

Why the cards and not the articles: a reader reads the card (title, gist, three key points), not the whole
article, so "5-minute read" is the time of what we send. Reading speed: about 230 English words or 500
Japanese characters a minute. ``fill`` keeps the stories in order while they fit in ``minutes`` (the first
one always, so a digest is never empty for want of time) and states the result on the edition
(``Edition.reading_minutes``) for the renderers' "5-minute read" line.

``japanese_first`` puts stories whose card is in Japanese before the others for a Japanese reader, keeping
the edition's order within each group.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from summaries.models import Edition, Story

__all__ = ["JA_CHARS_PER_MINUTE", "WORDS_PER_MINUTE", "card_seconds", "fill", "japanese_first"]

WORDS_PER_MINUTE = 230
JA_CHARS_PER_MINUTE = 500
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def card_seconds(story: Story) -> float:
    """Seconds to read one story's card: its title, gist (when it differs) and three key points."""
    card = story.card
    parts = [story.title, *card.key_points]
    if card.gist.strip() != card.what_happened.strip():
        parts.append(card.gist)
    seconds = 0.0
    for part in parts:
        ja = len(_JA.findall(part))
        rest = _JA.sub(" ", part)
        seconds += 60 * ja / JA_CHARS_PER_MINUTE + 60 * len(rest.split()) / WORDS_PER_MINUTE
    return seconds


def fill(edition: Edition, minutes: int) -> Edition:
    """The first stories of ``edition`` that fit in ``minutes`` of reading (at least one), with their time."""
    budget = 60 * max(1, minutes)
    kept: list[Story] = []
    used = 0.0
    for story in edition.stories:
        cost = card_seconds(story)
        if kept and used + cost > budget:
            break
        kept.append(story)
        used += cost
    shown = min(max(1, minutes), max(1, math.ceil(used / 60))) if kept else 0
    return replace(edition, stories=tuple(kept), reading_minutes=shown)


def japanese_first(edition: Edition, language: str) -> Edition:
    """For a Japanese reader, the stories carded in Japanese first; the edition unchanged for anyone else."""
    if language != "ja":
        return edition
    ordered = sorted(edition.stories, key=lambda s: s.card.language != "ja")
    return replace(edition, stories=tuple(ordered))
