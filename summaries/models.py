"""The shared data of the summary core: sources, articles, cards, stories and editions.

Every other package speaks these types. They are plain frozen dataclasses so that they hash, compare and
serialise the same way everywhere; ``to_dict``/``from_dict`` give the JSON form stored in Redis by ``bot``
and shown by the web view, so that every channel renders the very same edition.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

__all__ = [
    "KEY_POINT_ROLES",
    "MAX_ITEMS",
    "Article",
    "Card",
    "Coverage",
    "Edition",
    "ParsedFeed",
    "RawItem",
    "Source",
    "Story",
]

#: The three roles of a card's key points, in the order they are shown.
KEY_POINT_ROLES: tuple[str, str, str] = ("what_happened", "why_it_matters", "what_to_watch")


@dataclass(frozen=True, slots=True)
class Source:
    """One feed we read. ``id`` is a stable slug derived from the feed URL, never from user text."""

    id: str
    name: str
    feed_url: str
    site_url: str = ""
    category: str = "media"
    language: str = "en"
    kind: str = "official"
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "feed_url": self.feed_url,
            "site_url": self.site_url,
            "category": self.category,
            "language": self.language,
            "kind": self.kind,
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            feed_url=str(data["feed_url"]),
            site_url=str(data.get("site_url", "")),
            category=str(data.get("category", "media")),
            language=str(data.get("language", "en")),
            kind=str(data.get("kind", "official")),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass(frozen=True, slots=True)
class Article:
    """A normalised feed item: clean text, sanitised HTML, canonical URL, UTC times.

    ``fingerprint`` is the dedupe key (GUID → canonical URL → title+content hash, see ``summaries.normalize``).
    """

    fingerprint: str
    source_id: str
    source_name: str
    category: str
    url: str
    title: str
    published: datetime
    first_seen: datetime
    language: str = "en"
    author: str = ""
    text: str = ""
    html: str = ""
    word_count: int = 0
    reading_minutes: int = 1
    guid: str = ""
    image_url: str = ""
    #: The publisher's editor-written description (``summaries.gist.is_standfirst``), else empty.
    standfirst: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "source_id": self.source_id,
            "source_name": self.source_name,
            "category": self.category,
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat(),
            "first_seen": self.first_seen.isoformat(),
            "language": self.language,
            "author": self.author,
            "text": self.text,
            "html": self.html,
            "word_count": self.word_count,
            "reading_minutes": self.reading_minutes,
            "guid": self.guid,
            "image_url": self.image_url,
            "standfirst": self.standfirst,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        return cls(
            fingerprint=str(data["fingerprint"]),
            source_id=str(data["source_id"]),
            source_name=str(data["source_name"]),
            category=str(data.get("category", "media")),
            url=str(data["url"]),
            title=str(data["title"]),
            published=datetime.fromisoformat(data["published"]),
            first_seen=datetime.fromisoformat(data["first_seen"]),
            language=str(data.get("language", "en")),
            author=str(data.get("author", "")),
            text=str(data.get("text", "")),
            html=str(data.get("html", "")),
            word_count=int(data.get("word_count", 0)),
            reading_minutes=int(data.get("reading_minutes", 1)),
            guid=str(data.get("guid", "")),
            image_url=str(data.get("image_url", "")),
            standfirst=str(data.get("standfirst", "")),
        )


@dataclass(frozen=True, slots=True)
class Card:
    """A one-line gist and three key points, each in its role. Plain text only, no HTML.

    ``summarizer`` names what made it (``offline`` or ``llm:<model>``) so a reader and an operator can tell.
    """

    gist: str
    what_happened: str
    why_it_matters: str
    what_to_watch: str
    language: str = "en"
    summarizer: str = "offline"

    @property
    def key_points(self) -> tuple[str, str, str]:
        return (self.what_happened, self.why_it_matters, self.what_to_watch)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gist": self.gist,
            "what_happened": self.what_happened,
            "why_it_matters": self.why_it_matters,
            "what_to_watch": self.what_to_watch,
            "language": self.language,
            "summarizer": self.summarizer,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return cls(
            gist=str(data["gist"]),
            what_happened=str(data["what_happened"]),
            why_it_matters=str(data["why_it_matters"]),
            what_to_watch=str(data["what_to_watch"]),
            language=str(data.get("language", "en")),
            summarizer=str(data.get("summarizer", "offline")),
        )


@dataclass(frozen=True, slots=True)
class Coverage:
    """Another source that carried the same story ("also covered by")."""

    source_name: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"source_name": self.source_name, "url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        return cls(source_name=str(data["source_name"]), url=str(data["url"]))


@dataclass(frozen=True, slots=True)
class Story:
    """One story of an edition: the lead article's facts, its card, topics and other coverage."""

    id: str
    title: str
    url: str
    source_id: str
    source_name: str
    published: datetime
    card: Card
    author: str = ""
    reading_minutes: int = 1
    topics: tuple[str, ...] = ()
    also_covered_by: tuple[Coverage, ...] = ()
    score: float = 0.0
    #: The story's own web page (``<public URL>/stories/<id>[/ja]``), set by ``bot`` when it stores the edition;
    #: every channel's digest links it as "Read more" beside the original. Empty: no link.
    page_url: str = ""

    @property
    def source_count(self) -> int:
        """Distinct sources covering the story, the lead included."""
        return 1 + len({c.source_name for c in self.also_covered_by})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source_id": self.source_id,
            "source_name": self.source_name,
            "published": self.published.isoformat(),
            "card": self.card.to_dict(),
            "author": self.author,
            "reading_minutes": self.reading_minutes,
            "topics": list(self.topics),
            "also_covered_by": [c.to_dict() for c in self.also_covered_by],
            "score": self.score,
            "page_url": self.page_url,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            url=str(data["url"]),
            source_id=str(data.get("source_id", "")),
            source_name=str(data["source_name"]),
            published=datetime.fromisoformat(data["published"]),
            card=Card.from_dict(data["card"]),
            author=str(data.get("author", "")),
            reading_minutes=int(data.get("reading_minutes", 1)),
            topics=tuple(str(t) for t in data.get("topics", ())),
            also_covered_by=tuple(Coverage.from_dict(c) for c in data.get("also_covered_by", ())),
            score=float(data.get("score", 0.0)),
            page_url=str(data.get("page_url", "")),
        )


@dataclass(frozen=True, slots=True)
class Edition:
    """The ranked stories of one day in one language. Every channel and the web view show the same one."""

    date: date
    language: str
    generated_at: datetime
    stories: tuple[Story, ...] = field(default_factory=tuple)
    #: A subscriber's digest: the minutes its cards take to read ("5-minute read"); 0 for a whole edition.
    reading_minutes: int = 0

    def for_subscriber(
        self,
        *,
        topics: frozenset[str] | set[str] = frozenset(),
        muted_sources: frozenset[str] | set[str] = frozenset(),
        items: int = 5,
    ) -> Edition:
        """The digest of one subscriber: topics favoured (empty = all), muted sources dropped, ``items`` kept.

        Muted names match a source's id or its name, case-insensitively. When topics are set, only stories
        carrying at least one of them are kept: a reader who asked for robotics gets robotics.
        """
        muted = {m.casefold() for m in muted_sources}
        kept = [
            s for s in self.stories if s.source_id.casefold() not in muted and s.source_name.casefold() not in muted
        ]
        if topics:
            wanted = {t.casefold() for t in topics}
            kept = [s for s in kept if wanted.intersection(t.casefold() for t in s.topics)]
        return replace(self, stories=tuple(kept[: max(0, items)]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "language": self.language,
            "generated_at": self.generated_at.isoformat(),
            "stories": [s.to_dict() for s in self.stories],
            "reading_minutes": self.reading_minutes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edition:
        return cls(
            date=date.fromisoformat(data["date"]),
            language=str(data["language"]),
            generated_at=datetime.fromisoformat(data["generated_at"]),
            stories=tuple(Story.from_dict(s) for s in data.get("stories", ())),
            reading_minutes=int(data.get("reading_minutes", 0)),
        )


#: Items read from one feed document; a feed carrying more is cut (newest-first order is not assumed).
MAX_ITEMS = 2_000


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as the feed states it, before cleaning. HTML fields are untrusted and unsanitized."""

    title: str = ""
    link: str = ""
    guid: str = ""
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    author: str = ""
    image_url: str = ""
    base: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed document. ``parser`` says which path read it (lxml, json or feedparser)."""

    format: str
    parser: str
    encoding: str
    title: str = ""
    link: str = ""
    language: str = ""
    items: tuple[RawItem, ...] = field(default_factory=tuple)
