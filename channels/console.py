"""The console channel: prints each digest as plain text, so ``aitoday run`` and ``aitoday demo`` deliver somewhere
without any provider account. Subscribers are ``console:<name>``.

It is also the simplest complete adapter: ``render`` is pure, ``send`` never fails for a provider reason,
and ``rate_limits`` is empty (a terminal has no quota).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from channels.base import Delivery, RateLimit, Receipt, Recipient
from channels.labels import byline, covered_by, digest_minutes, point_text, read_more, role_labels
from channels.plugin import ChannelEntry, ChannelEnv, ChannelParts
from summaries.models import Edition

__all__ = ["ENTRY", "ConsoleChannel", "render_text"]

#: The console's own word for a late delivery; the digest's words come from ``channels.labels``.
_LATE = {"en": "late", "ja": "遅配"}


def render_text(edition: Edition, language: str) -> str:
    """The digest as plain text: a title line, then each story: title, gist, byline, other coverage, its three
    key points and link."""
    minutes = digest_minutes(edition.reading_minutes, language)
    lines = [f"AIToday — {edition.date.isoformat()}" + (f" · {minutes}" if minutes else ""), ""]
    for number, story in enumerate(edition.stories, start=1):
        card = story.card
        lines.append(f"{number}. {story.title}")
        if card.gist.strip() and card.gist.strip() != card.what_happened.strip():
            lines.append(f"   {card.gist}")
        lines.append(f"   {byline(story, edition.generated_at, language)}")
        if covered := covered_by(story, language, names=5):
            lines.append(f"   {covered}")
        for label, point in zip(role_labels(language), card.key_points, strict=True):
            lines.append(f"   {label}: {point_text(point, language)}")
        lines.append(f"   {story.url}")
        if story.page_url:
            lines.append(f"   {read_more(language)}: {story.page_url}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class ConsoleChannel:
    """Writes digests to ``stream`` (stdout by default)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._sent = 0

    def render(self, edition: Edition, language: str) -> str:
        return render_text(edition, language)

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return ()

    async def send(self, delivery: Delivery) -> Receipt:
        stream = self._stream or sys.stdout
        late = f" [{_LATE.get(delivery.recipient.language, _LATE['en'])}]" if delivery.late else ""
        stream.write(f"--- to console:{delivery.recipient.address}{late} ({delivery.delivery_id})\n")
        stream.write(self.render(delivery.edition, delivery.recipient.language))
        stream.flush()
        self._sent += 1
        return Receipt(provider_message_id=f"console-{self._sent}", accepted_at=datetime.now(UTC))

    async def aclose(self) -> None:
        return None


def _parts() -> ChannelParts:
    def build(env: ChannelEnv) -> ConsoleChannel:
        """Always on: ``aitoday run`` and ``aitoday demo`` deliver to the terminal without any account."""
        return ConsoleChannel()

    return ChannelParts(build=build, preview=build)


#: The registry's line for the console: the smallest complete channel (see docs/architecture.md).
ENTRY = ChannelEntry("console", _parts, preview_as="text")
